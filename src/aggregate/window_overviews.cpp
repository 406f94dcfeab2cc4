#include "healgrid/aggregate/window_overviews.hpp"

#include "healgrid/aggregate/window_blocks.hpp"

namespace healgrid {
namespace {

// Rank 0: the windows' level `l` on the union of their cells.
OverviewLevel align_level(std::vector<std::vector<OverviewLevel>>& windows, std::size_t l) {
  std::vector<GridBlock> blocks;
  for (auto& levels : windows) {
    auto& level = levels[l];
    GridBlock b;
    b.cells.assign(level.cells.begin(), level.cells.end());
    b.columns = std::move(level.columns);
    blocks.push_back(std::move(b));
  }
  const auto all = union_block(blocks);
  OverviewLevel out;
  out.order = windows.front()[l].order;
  out.cells.assign(all.cells.begin(), all.cells.end());
  for (const auto& col : blocks.front().columns) out.columns.push_back({col.spec, {}, {}});
  for (auto& b : blocks) out.window_columns.push_back(align_to_cells(std::move(b), all).columns);
  return out;
}

}  // namespace

std::vector<OverviewLevel> gather_window_overviews(
    const Communicator& comm, const std::vector<std::unique_ptr<OverviewBuilder>>& builders) {
  std::vector<std::vector<OverviewLevel>> windows;
  for (const auto& b : builders) windows.push_back(b->gather(comm));
  if (windows.empty() || windows.front().empty()) return {};
  std::vector<OverviewLevel> out;
  std::vector<std::int64_t> totals;
  for (std::size_t l = 0; l < windows.front().size(); ++l) {
    if (comm.is_root()) {
      out.push_back(align_level(windows, l));
    } else {  // the level's order and statistics only
      out.push_back(std::move(windows.front()[l]));
      out.back().cells.clear();
    }
    totals.push_back(static_cast<std::int64_t>(out.back().cells.size()));
  }
  comm.bcast(totals);
  for (std::size_t l = 0; l < out.size(); ++l)
    out[l].total_cells = static_cast<std::uint64_t>(totals[l]);
  return out;
}

}  // namespace healgrid
