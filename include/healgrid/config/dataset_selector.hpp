// A dataset reference in the pipeline config: an HDF5 path, optionally followed by a column
// selector `[:, k]` that picks column k (0-based) of a 2-D dataset, e.g.
// "/{group}/heights/signal_conf_ph[:, 3]", or more generally one item per dimension, `:` or a
// fixed index ("/PRODUCT/latitude[0, :, :]"), leaving at most two dimensions. Parsed at config load
// so a malformed selector is a ConfigError naming the key; the granule reader resolves the path
// against each file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace healgrid {

struct DatasetSelector {
  std::string path;          // the HDF5 path (may hold "{group}")
  std::int64_t column = -1;  // -1: the whole dataset; else the column of a 2-D dataset
  // The general form, one item per dimension: -1 for `:`, else a fixed index (Sentinel-5P's
  // latitude[0, :, :] drops its time dimension of length 1); empty: the whole dataset.
  std::vector<std::int64_t> index = {};
  bool has_column() const { return column >= 0; }
};

// Splits "PATH", "PATH[:, K]" or "PATH[I or :, ...]" (spaces allowed around the parts). Throws
// std::invalid_argument saying what is wrong (empty path, malformed selector, negative index).
DatasetSelector parse_dataset_selector(const std::string& text);

}  // namespace healgrid
