// A dataset reference in the pipeline config: an HDF5 path, optionally followed by a column
// selector `[:, k]` that picks column k (0-based) of a 2-D dataset, e.g.
// "/{group}/heights/signal_conf_ph[:, 3]". Parsed at config load so a malformed selector is a
// ConfigError naming the key; the granule reader resolves the path against each file.
#pragma once

#include <cstdint>
#include <string>

namespace healgrid {

struct DatasetSelector {
  std::string path;          // the HDF5 path (may hold "{group}")
  std::int64_t column = -1;  // -1: the whole dataset; else the column of a 2-D dataset
  bool has_column() const { return column >= 0; }
};

// Splits "PATH" or "PATH[:, K]" (spaces allowed around the parts). Throws
// std::invalid_argument saying what is wrong (empty path, malformed selector, negative column).
DatasetSelector parse_dataset_selector(const std::string& text);

}  // namespace healgrid
