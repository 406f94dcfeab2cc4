// Errors of reading a granule. GranuleError: the granule cannot be read as configured (the
// message names the file and dataset). DatasetMismatch: a configured dataset is missing or does
// not fit (wrong shape, type or CF attributes); the message also names the config key. Found in
// the first granules before the index pass, a mismatch is a config error (exit 2).
#pragma once

#include <stdexcept>

namespace healgrid {

class GranuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DatasetMismatch : public GranuleError {
 public:
  using GranuleError::GranuleError;
};

}  // namespace healgrid
