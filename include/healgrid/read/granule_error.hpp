// Errors of reading a granule. GranuleError: the granule cannot be read as configured (the
// message names the file and dataset). DatasetMismatch: a configured dataset is missing or does
// not fit (wrong shape, type or CF attributes); the message also names the config key. Found in
// the first granules before the index pass, a mismatch is a config error (exit 2).
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace healgrid {

class GranuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DatasetMismatch : public GranuleError {
 public:
  using GranuleError::GranuleError;
};

// A beam has its longitude but not its latitude: a damaged granule when other granules have it,
// a misspelled coordinates.latitude when none of the first granules has (`as_config_error`).
class MissingLatitude : public GranuleError {
 public:
  MissingLatitude(const std::string& what, std::string as_config_error)
      : GranuleError(what), as_config_error_(std::move(as_config_error)) {}
  const std::string& as_config_error() const { return as_config_error_; }

 private:
  std::string as_config_error_;
};

// Whether `path` exists in the open granule `file` (named `file_path` in errors). Throws
// GranuleError naming the file and group when HDF5 cannot read a group's links on the way:
// damaged metadata must make a bad granule, not a beam or dataset that reads as absent.
bool granule_path_exists(hid_t file, const std::string& file_path, const std::string& path);

// Why the link at `path` cannot be followed, when it is a soft or external link that leads
// nowhere: "a soft link to /x, which does not exist", "a soft link to /x, which leads back to
// itself (a loop)", "an external link to /g in f.h5, which cannot be opened"; "" for any other
// object (or a link that can be followed).
std::string unfollowable_link(hid_t file, const std::string& path);

}  // namespace healgrid
