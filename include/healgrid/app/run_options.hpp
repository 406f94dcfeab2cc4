// `healgrid run` command line: options, their help text, and the overrides they apply to the
// pipeline config.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "healgrid/app/query_options.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/pipeline/input_fingerprint.hpp"

namespace healgrid {

enum class BadGranulePolicy { fail, skip };

struct RunOptions {
  std::string config_path;  // empty: the built-in ATL06 pipeline (config/atl06.yaml)
  std::vector<std::string> inputs;
  // Inputs from a catalog (app/catalog_inputs.hpp): --catalog FILE, or a query resolved by
  // rank 0 (query_given); granules are looked up in cache_dir.
  std::string catalog_path, cache_dir;
  bool query_given = false;
  QueryArgs query;
  std::string output;
  std::optional<int> parent_order, child_order, deflate_level;
  std::optional<std::string> latitude, layout;
  std::optional<std::string> overviews;     // output.overviews: "all", "none" or "4,6,8"
  std::optional<std::string> time_windows;  // overrides the config's time_windows
  BadGranulePolicy on_bad_granule = BadGranulePolicy::fail;
  std::string metrics_json;  // empty: none
  double progress_seconds = 5.0;
  bool quiet = false;
  // --memory-per-rank in bytes (plan/memory_budget.hpp); 0: Slurm's allocation or the default
  // share of the node's memory.
  double memory_per_rank = 0;
  // --scratch: where a run in passes spills its binned points (plan/point_spill.hpp); "":
  // $TMPDIR, else /tmp; "none": each pass indexes the granules again.
  std::string scratch;
  // [restart] journaled rounds per rank (pipeline/journal.hpp); -1: auto; 0: no journal
  int rounds = -1;
  // What the journal compares before reusing rounds (pipeline/input_fingerprint.hpp).
  InputVerification verify_inputs = InputVerification::sample;
  // --catalog-checksums: whether a catalog run hashes its granules against the catalog's
  // checksums before reading them (pipeline/catalog_inputs.hpp); recorded in the output.
  bool verify_catalog_checksums = true;
  bool help = false;
};

// Parses `args`; on a usage error returns false with `error` set. Sets `help` for --help.
bool parse_run_options(const std::vector<std::string>& args, RunOptions& out, std::string& error);
std::string run_help_text();

// Applies the CLI overrides to `config` and re-validates; returns a description of what was
// overridden ("" if nothing). Throws ConfigError naming the option.
std::string apply_overrides(const RunOptions& opt, PipelineConfig& config);

// The arguments the output's `history` records: all but --memory-per-rank and --scratch, which
// change how the run proceeds (passes, where they find their points) but never a byte of the
// output, like the number of ranks.
std::vector<std::string> args_for_history(const std::vector<std::string>& args);

// The built-in default pipeline (a copy of config/atl06.yaml compiled into the binary).
const char* default_config_text();

}  // namespace healgrid
