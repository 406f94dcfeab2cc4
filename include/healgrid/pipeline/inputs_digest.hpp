// The identity of a run's inputs, as one SHA-256 (lower-case hex): the healgrid version, the
// pipeline config text, the command-line overrides, the bad-granule policy, the catalog's own
// SHA-256 (when the run used one) and the granules' file names and sizes in name order.
// Directories and paths are left out, so moving the data keeps the identity. The output
// records it as the global attribute `healgrid_inputs_sha256`; a campaign skips a run whose
// output carries the identity its inputs have now. It names the inputs, not their bytes: a
// granule rewritten in place with the same name and size keeps it. The restart journal is
// therefore keyed by journal_key(): this identity plus every granule's content fingerprint
// (pipeline/input_fingerprint.hpp).
#pragma once

#include <string>
#include <vector>

#include "healgrid/catalog/granule_list.hpp"
#include "healgrid/io/output_schema.hpp"

namespace healgrid {

struct RunInputs {
  std::string config_text;     // the YAML text as every rank parsed it
  std::string overrides;       // apply_overrides()'s description, "" if none
  std::string bad_granule;     // "fail" or "skip"
  std::string catalog_sha256;  // "" when the granules were not chosen through a catalog
  std::vector<Granule> granules;
};

// The text that is hashed (one item per line, lengths spelled out so that no two different
// inputs give the same text), then its SHA-256.
std::string inputs_text(const RunInputs& inputs);
std::string inputs_sha256(const RunInputs& inputs);

// The restart journal's key: `inputs_sha256`, the build that computes (util/build_identity.hpp:
// a rerun after an upgrade computes again rather than keep the old build's values under the new
// one's name) and one fingerprint per granule (same order as `granules`,
// pipeline/input_fingerprint.hpp), hashed with the granules in name order.
std::string journal_key(const std::string& inputs_sha256, const std::string& build,
                        const std::vector<Granule>& granules,
                        const std::vector<std::string>& fingerprints);

// The global attribute naming it in the output.
constexpr const char* kInputsAttribute = schema::kInputsSha256;

}  // namespace healgrid
