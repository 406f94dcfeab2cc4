// The exchange's compaction (keep_owned_points: whole runs of one owner moved after restated
// headers) against keep_points with the same owner test, entry for entry: tracks over grids
// whose cell-high blocks (2^16 cells) span 4 parents (rank boundaries inside them), one
// parent, or lie inside one; beams that change between runs; every rank's share.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "healgrid/plan/point_exchange.hpp"

namespace healgrid {
namespace {

// A track: cells stepping along, now and then another beam, a row jump or a jump elsewhere.
std::vector<PointRef> track(std::uint32_t seed, std::size_t n, const HealpixGrid& grid) {
  std::mt19937_64 rng(seed);
  const auto cells = grid.parent_cell_count() * grid.children_per_parent();
  const auto step = std::max<std::int64_t>(1, grid.children_per_parent() / 40);
  std::vector<PointRef> out;
  auto cell = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(cells));
  std::uint32_t gg = pack_granule_group(3, 0), row = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = rng() % 400;
    if (r == 0) gg = pack_granule_group(3 + rng() % 4, rng() % 6);  // another beam
    if (r == 1) row += 40000;                                       // rows' high bits
    if (r == 2) cell = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(cells));
    cell = (cell + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(step))) % cells;
    row += 1 + static_cast<std::uint32_t>(rng() % 2);
    out.push_back({cell, gg, row});
  }
  return out;
}

// `n` contiguous ranges over the grid's parents, cut at random (some may be empty).
std::vector<RankPlan> ranges(const HealpixGrid& grid, int n, std::mt19937_64& rng) {
  std::vector<std::int64_t> cuts{0, grid.parent_cell_count()};
  for (int i = 1; i < n; ++i)
    cuts.push_back(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(cuts[1] + 1)));
  std::sort(cuts.begin(), cuts.end());
  std::vector<RankPlan> out;
  for (int i = 0; i < n; ++i) out.push_back({cuts[i], cuts[i + 1] - 1});
  return out;
}

void expect_keep_points_entries(const PointVector& part, const std::vector<RankPlan>& ranks,
                                const HealpixGrid& grid, int me) {
  auto got = part, want = part;
  const auto owner_is_me = [&](const PointRef& p) {
    const auto parent = grid.parent_of(p.cell);
    return parent >= ranks[me].first_parent && parent <= ranks[me].last_parent;
  };
  const auto kept = keep_owned_points(got, ranks, grid, me);
  EXPECT_EQ(kept, keep_points(want, owner_is_me)) << "rank " << me;
  ASSERT_EQ(got.size(), want.size()) << "rank " << me;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i].word, want[i].word) << "rank " << me << " entry " << i;
}

TEST(PointExchangeKeep, KeepsWhatKeepPointsKeepsEntryForEntry) {
  std::mt19937_64 rng(11);
  // shift 14 (4 parents a block), 16 (one), 12 (16), 30 (a block inside one parent)
  for (const auto& [parent, child] : {std::pair{1, 8}, {1, 9}, {6, 12}, {2, 17}}) {
    const HealpixGrid grid(parent, child, LatitudeConvention::authalic);
    for (std::uint32_t seed = 1; seed <= 12; ++seed) {
      const auto part = pack_points(track(seed, 3000 + 500 * seed, grid));
      for (const int n : {2, 3, 5}) {
        const auto plan = ranges(grid, n, rng);
        for (int me = 0; me < n; ++me) expect_keep_points_entries(part, plan, grid, me);
      }
    }
  }
}

// A kept run, then another beam's header and a run of another rank, then the first rank's
// again in the new beam: the header must be restated before the second kept run.
TEST(PointExchangeKeep, RestatesTheBeamChangedBetweenKeptRuns) {
  const HealpixGrid grid(1, 9, LatitudeConvention::authalic);  // a block is one parent
  const std::vector<RankPlan> plan{{0, 23}, {24, 47}};
  std::vector<PointRef> points;
  std::uint32_t row = 0;
  for (const auto& [parent, group] : {std::pair{3, 0}, {30, 1}, {3, 1}, {31, 2}, {4, 2}})
    for (int i = 0; i < 100; ++i)
      points.push_back({grid.first_child(parent) + i, pack_granule_group(7, group), row++});
  const auto part = pack_points(points);
  for (const int me : {0, 1}) expect_keep_points_entries(part, plan, grid, me);
  auto kept = part;
  keep_owned_points(kept, plan, grid, 0);
  const auto got = unpack_points(kept);
  ASSERT_EQ(got.size(), 300u);
  EXPECT_EQ(got[150].granule_group, pack_granule_group(7, 1));  // the second kept run's beam
  EXPECT_EQ(got[250].granule_group, pack_granule_group(7, 2));
}

}  // namespace
}  // namespace healgrid
