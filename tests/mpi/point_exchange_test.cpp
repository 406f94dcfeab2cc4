// The point exchange on real MPI ranks: every point arrives at the rank owning its parent cell,
// in (granule, group, row) order, none lost or duplicated. The expectation is computed without
// the exchange: every rank regenerates every granule's points and keeps those whose parent lies
// in its planned range.
#include "healgrid/plan/point_exchange.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "healgrid/pipeline/index_pass.hpp"
#include "healgrid/plan/work_plan.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64: deterministic cells on every rank
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Granule g's points: 2 groups of 40 + 23 g rows; a third of the rows are filtered out; the
// cells cluster in a few parents per granule (as real tracks do), 16 rows per parent, and when
// `scattered`, a quarter of the points lie anywhere (so a part's owner changes at nearly every
// such point: the exchange reorders those parts instead of sending their runs where they lie).
std::vector<PointRef> granule_points(std::size_t g, const HealpixGrid& grid, bool scattered) {
  std::vector<PointRef> points;
  const auto cells = grid.parent_cell_count() * grid.children_per_parent();
  for (std::size_t group = 0; group < 2; ++group)
    for (std::uint32_t row = 0; row < 40 + 23 * g; ++row) {
      const auto h = mix(g * 1000003 + group * 7919 + row);
      if (h % 3 == 0) continue;
      const auto home = static_cast<std::int64_t>((g * 5 + row / 16) % 48);
      const auto cell =
          scattered && h % 4 == 1
              ? static_cast<std::int64_t>(h % cells)
              : grid.first_child(home) + static_cast<std::int64_t>(h % grid.children_per_parent());
      points.push_back({cell, pack_granule_group(g, group), row});
    }
  return points;
}

// `child_order` 3: 48 parents of 16 children each; 17: of 2^32 children each, so that the cells'
// high bits change with the parent (and at nearly every scattered point).
void expect_every_point_at_its_owner_once_and_in_order(bool scattered, int child_order = 3) {
  const auto c = Communicator::world();
  const HealpixGrid grid(1, child_order, LatitudeConvention::authalic);
  std::vector<Granule> granules;
  for (int g = 0; g < 9; ++g)
    granules.push_back({"g" + std::to_string(g), "g" + std::to_string(g), 1000 + 700 * (g % 4)});

  // This rank's share, as the index pass makes it: per granule, with its loads.
  const auto [first, last] = index_share(granules, c.rank, c.size);
  PointParts mine;
  std::vector<ParentLoad> loads;
  for (auto g = first; g < last; ++g) {
    const auto points = granule_points(g, grid, scattered);
    mine.push_back(pack_points(points));
    for (const auto& p : points) loads.push_back({grid.parent_of(p.cell), 1});
  }
  loads = merge_loads(std::move(loads));

  // Rank 0 plans from every rank's loads; every rank learns every range.
  std::vector<std::int64_t> words;
  for (const auto& l : loads) words.insert(words.end(), {l.parent, l.points});
  const auto all = c.gather(words);
  std::vector<std::int64_t> plan_words;
  if (c.is_root()) {
    std::vector<ParentLoad> every;
    for (std::size_t i = 0; i + 1 < all.size(); i += 2) every.push_back({all[i], all[i + 1]});
    plan_words = serialize(make_plan(std::move(every), c.size).ranks);
  }
  c.bcast(plan_words);
  const auto ranks = deserialize_ranks(plan_words);
  ASSERT_EQ(static_cast<int>(ranks.size()), c.size);

  const auto received = exchange_points(c, std::move(mine), loads, ranks, grid);

  std::vector<PointRef> got, want;
  for (const auto& part : received) {
    const auto points = unpack_points(part);
    got.insert(got.end(), points.begin(), points.end());
  }
  long long generated = 0;
  const auto& own = ranks[c.rank];
  for (std::size_t g = 0; g < granules.size(); ++g)
    for (const auto& p : granule_points(g, grid, scattered)) {
      ++generated;
      const auto parent = grid.parent_of(p.cell);
      if (!own.empty() && parent >= own.first_parent && parent <= own.last_parent)
        want.push_back(p);
    }
  // No ASSERT before the collective below: a rank returning early would leave the others in it.
  EXPECT_EQ(got.size(), want.size()) << "rank " << c.rank;
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const bool same = got[i].cell == want[i].cell &&
                      got[i].granule_group == want[i].granule_group && got[i].row == want[i].row;
    EXPECT_TRUE(same) << "rank " << c.rank << " point " << i << ": cell " << got[i].cell << " not "
                      << want[i].cell << ", granule_group " << got[i].granule_group << " not "
                      << want[i].granule_group << ", row " << got[i].row << " not " << want[i].row;
    if (!same) break;
  }
  EXPECT_EQ(static_cast<std::int64_t>(got.size()), own.planned_points);
  EXPECT_EQ(c.sum(static_cast<long long>(got.size())), generated);  // nothing lost, no copy
}

TEST(PointExchange, EveryPointArrivesAtTheOwnerOfItsParentOnceAndInOrder) {
  expect_every_point_at_its_owner_once_and_in_order(/*scattered=*/true);
}

// Parts whose points come in runs of one owner, as tracks do, are sent from where they lie.
TEST(PointExchange, TrackRunsArriveAtTheirOwnersOnceAndInOrder) {
  expect_every_point_at_its_owner_once_and_in_order(/*scattered=*/false);
}

// A grid whose cells pass 2^32: the headers of the cells' high bits travel with every run and
// every copied-out part.
// Blocks of 2^16 cells (one cell-high header) over 4 parents (child order 8: a rank's range
// may end inside one) and over exactly one (order 9).
TEST(PointExchange, BlocksOfSeveralParentsSplitBetweenRanks) {
  for (const int child_order : {8, 9})
    for (const bool scattered : {false, true})
      expect_every_point_at_its_owner_once_and_in_order(scattered, child_order);
}

TEST(PointExchange, CellsBeyond32BitsArriveWhole) {
  expect_every_point_at_its_owner_once_and_in_order(/*scattered=*/false, /*child_order=*/17);
  expect_every_point_at_its_owner_once_and_in_order(/*scattered=*/true, /*child_order=*/17);
}

}  // namespace
}  // namespace healgrid
