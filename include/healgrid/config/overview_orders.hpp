// The config's `output.overviews` (and `run --overviews`): the coarser HEALPix orders written
// next to the output's cells, each in its own netCDF-4 group (write/overview_writer.hpp). Either
// an explicit list of orders or `all`: every order from 0 to child_order - 1 (0 so that a
// whole-Earth view needs no further coarsening; the levels below the parent order are cheap:
// they are merged from per-parent partials, aggregate/overview_builder.hpp). `none` or an empty
// list: no overviews (the writer then makes only the calls it made before overviews existed).
#pragma once

#include <string>
#include <vector>

namespace healgrid {

struct OverviewOrders {
  bool all = false;         // every order 0 .. child_order - 1
  std::vector<int> orders;  // explicit orders, strictly increasing (when !all)

  bool empty() const { return !all && orders.empty(); }
  // The orders to write for a grid of `child_order`, increasing.
  std::vector<int> resolve(int child_order) const;
  // "all", "none" or "4,6,8", as parse_overview_orders reads it back.
  std::string text() const;
};

// "all", "none", "" or a comma-separated list of orders ("4, 6,8"). Throws ConfigError naming
// `key` for anything else, an order outside 0..29 or a repeated order. Orders are sorted.
OverviewOrders parse_overview_orders(const std::string& text, const std::string& key);

// Throws ConfigError naming `key` when an explicit order is not below `child_order`.
void check_overview_orders(const OverviewOrders& overviews, int child_order,
                           const std::string& key);

}  // namespace healgrid
