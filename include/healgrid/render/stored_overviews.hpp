// The overview levels a healgrid output stores (write/overview_writer.hpp: groups
// overviews/order_NN), as render and info read them: which orders, how many cells, and one
// variable's cells with a value at an order. A stored level is computed from the points
// themselves, so render draws it in place of coarsening the file's cells (render/coarsen).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "healgrid/io/nc_file.hpp"
#include "healgrid/render/coarsen.hpp"

namespace healgrid {

struct StoredLevel {
  int order = 0;
  std::size_t cells = 0;               // with data (in the window asked for, with time windows)
  std::size_t cells_any_window = 0;    // the group's cells: with data in at least one window
  std::vector<std::string> variables;  // statistics stored at this order
  std::string method;                  // the group's healgrid_overview_method
};

// Every stored level, increasing order; empty when the file has none. A level's group holds
// the cells with data (of any window, in a time-windowed file); `time` counts those with a
// value in that window only (any statistic not NaN nor its fill).
std::vector<StoredLevel> stored_overview_levels(const io::NcFile& file,
                                                std::optional<std::size_t> time = std::nullopt);

// `variable`'s cells with a value at `order`, increasing; nullopt when the file stores no
// level at that order or that variable is not in it (quantiles below the parent order).
// `time`: the window of a time-windowed file (its levels hold (time, cell_ids) too).
std::optional<CoarseCells> read_stored_level(const io::NcFile& file, int order,
                                             const std::string& variable,
                                             std::optional<std::size_t> time = std::nullopt);

}  // namespace healgrid
