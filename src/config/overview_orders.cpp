#include "healgrid/config/overview_orders.hpp"

#include <algorithm>
#include <cctype>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

int parse_order(const std::string& item, const std::string& key) {
  const bool digits =
      !item.empty() && item.size() <= 2 &&
      std::all_of(item.begin(), item.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  const int order = digits ? std::stoi(item) : -1;
  if (order < 0 || order > kMaxOrder)
    throw ConfigError(key + ": expected all, none or a list of HEALPix orders (0..29), got '" +
                      item + "'");
  return order;
}

}  // namespace

std::vector<int> OverviewOrders::resolve(int child_order) const {
  if (!all) return orders;
  std::vector<int> every;
  for (int o = 0; o < child_order; ++o) every.push_back(o);
  return every;
}

std::string OverviewOrders::text() const {
  if (all) return "all";
  if (orders.empty()) return "none";
  std::string s;
  for (const int o : orders) s += (s.empty() ? "" : ",") + std::to_string(o);
  return s;
}

OverviewOrders parse_overview_orders(const std::string& text, const std::string& key) {
  OverviewOrders out;
  const auto whole = trimmed(text);
  if (whole == "all") {
    out.all = true;
    return out;
  }
  if (whole.empty() || whole == "none") return out;
  for (std::size_t begin = 0; begin <= whole.size();) {
    auto end = whole.find(',', begin);
    if (end == std::string::npos) end = whole.size();
    out.orders.push_back(parse_order(trimmed(whole.substr(begin, end - begin)), key));
    begin = end + 1;
  }
  std::sort(out.orders.begin(), out.orders.end());
  if (std::adjacent_find(out.orders.begin(), out.orders.end()) != out.orders.end())
    throw ConfigError(key + ": an order is listed twice in '" + whole + "'");
  return out;
}

void check_overview_orders(const OverviewOrders& overviews, int child_order,
                           const std::string& key) {
  for (const int o : overviews.orders)
    if (o >= child_order)
      throw ConfigError(key + ": order " + std::to_string(o) +
                        " is not coarser than the output cells (grid.child_order " +
                        std::to_string(child_order) + "); overviews are orders 0.." +
                        std::to_string(child_order - 1));
}

}  // namespace healgrid
