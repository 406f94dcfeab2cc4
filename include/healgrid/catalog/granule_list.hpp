// Step 1 of the job: turn the user's inputs (files, directories, glob patterns) into one list of
// granules sorted by file name, so every rank and every rerun sees the same order.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace healgrid {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Granule {
  std::string path;
  std::string name;  // file name without directory: the sort key and provenance name
  std::int64_t bytes = 0;
};

// The file-name suffixes a directory input contributes by default (the config's
// `input_suffixes` replaces them): .h5 .hdf5 .he5 .nc .nc4.
std::vector<std::string> default_granule_suffixes();

// A directory contributes its files ending in one of `suffixes` (not recursive); a pattern with
// * ? or [ is expanded by glob(3). Each granule is used once: the same file reached twice
// (d/G.h5 and d/./G.h5, a symlink, a hard link) or the same name with identical bytes in two
// directories, or identical bytes under two names, is kept once with a warning on stderr (the
// first by name); the same name with different content in two places throws InputError naming
// both paths; two names of one ICESat-2 or GEDI granule (product, start time, track or orbit:
// two versions, a subset beside its granule) with different content get a warning. Throws
// InputError naming the path for a missing input, an unreadable directory, or a pattern matching
// nothing. Paths in messages are shown without URL credentials.
// The duplicate rules of resolve_inputs applied to a list already made (a catalog's local
// granules): the same file twice, the same name with the same bytes, the same bytes under two
// names are kept once with a warning; the same name with different bytes throws InputError.
std::vector<Granule> each_granule_once(std::vector<Granule> granules);

// `found`, when given, receives every file the inputs name, duplicates included. A directory
// that is one of `own_directories` (the run's restart journal, which `d/*` matches beside the
// output) is no input directory: left out with a note.
std::vector<Granule> resolve_inputs(
    const std::vector<std::string>& inputs,
    const std::vector<std::string>& suffixes = default_granule_suffixes(),
    std::vector<Granule>* found = nullptr, const std::vector<std::string>& own_directories = {});

}  // namespace healgrid
