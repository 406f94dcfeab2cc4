#include "healgrid/plan/work_plan.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace healgrid {
namespace {

std::vector<ParentLoad> loads(const std::vector<std::int64_t>& points) {
  std::vector<ParentLoad> out;
  for (std::size_t i = 0; i < points.size(); ++i)
    out.push_back({static_cast<std::int64_t>(10 * i + 3), points[i]});
  return out;
}

std::int64_t sum(const std::vector<ParentLoad>& l, std::pair<std::size_t, std::size_t> r) {
  std::int64_t s = 0;
  for (auto i = r.first; i < r.second; ++i) s += l[i].points;
  return s;
}

TEST(Partition, ContiguousCoveringAndBalanced) {
  const auto l = loads({5, 5, 5, 5, 5, 5, 5, 5});
  const auto r = partition_parents(l, 4);
  ASSERT_EQ(r.size(), 4u);
  std::size_t expect_begin = 0;
  for (const auto& [b, e] : r) {
    EXPECT_EQ(b, expect_begin);
    EXPECT_EQ(e - b, 2u);
    expect_begin = e;
  }
  EXPECT_EQ(expect_begin, l.size());
}

TEST(Partition, UnevenLoads) {
  const auto l = loads({100, 1, 1, 1, 1, 1, 1, 94});
  const auto r = partition_parents(l, 2);
  EXPECT_EQ(sum(l, r[0]), 100);  // the cut closest to half of 200
  EXPECT_EQ(sum(l, r[1]), 100);
  const auto l3 = loads({10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10});
  const auto r3 = partition_parents(l3, 3);
  for (const auto& range : r3) EXPECT_EQ(sum(l3, range), 40);
}

TEST(Partition, MoreRanksThanParents) {
  const auto l = loads({7, 3});
  const auto r = partition_parents(l, 5);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0], (std::pair<std::size_t, std::size_t>{0, 1}));
  EXPECT_EQ(r[1], (std::pair<std::size_t, std::size_t>{1, 2}));
  for (int i = 2; i < 5; ++i) EXPECT_EQ(r[i].first, r[i].second);
}

TEST(Partition, EveryRankGetsWorkWhenPossible) {
  // One huge parent first must not starve the later ranks.
  const auto l = loads({1000, 1, 1, 1});
  const auto r = partition_parents(l, 4);
  for (const auto& [b, e] : r) EXPECT_EQ(e - b, 1u);
}

TEST(Partition, Empty) {
  const auto r = partition_parents({}, 3);
  ASSERT_EQ(r.size(), 3u);
  for (const auto& [b, e] : r) EXPECT_EQ(b, e);
}

TEST(WorkPlan, MergesLoadsAndCutsRanges) {
  // Loads as the index pass reports them: per rank, unsorted, with repeats and an empty one.
  const auto plan = make_plan({{9, 20}, {5, 10}, {9, 50}, {20, 1}, {7, 0}}, 2);
  ASSERT_EQ(plan.loads.size(), 3u);
  EXPECT_EQ(plan.loads[0].parent, 5);
  EXPECT_EQ(plan.loads[1].points, 70);
  // 81 points: rank 0 takes parent 5 (10; adding 9 would overshoot 40.5 by more), rank 1 the
  // rest.
  EXPECT_EQ(plan.ranks[0].first_parent, 5);
  EXPECT_EQ(plan.ranks[0].last_parent, 5);
  EXPECT_EQ(plan.ranks[1].first_parent, 9);
  EXPECT_EQ(plan.ranks[1].last_parent, 20);
  EXPECT_EQ(plan.ranks[1].planned_parents, 2);
  EXPECT_EQ(plan.ranks[1].planned_points, 71);
}

TEST(WorkPlan, SerializationRoundTrips) {
  const auto plan = make_plan({{42, 7}, {43, 2}}, 3);
  const auto back = deserialize_ranks(serialize(plan.ranks));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].first_parent, 42);
  EXPECT_EQ(back[1].last_parent, 43);
  EXPECT_EQ(back[1].planned_points, 2);
  EXPECT_TRUE(back[2].empty());
  EXPECT_FALSE(back[0].empty());
}

TEST(WorkPlan, MergeLoads) {
  const auto merged = merge_loads({{3, 1}, {1, 2}, {3, 4}, {2, 0}});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].parent, 1);
  EXPECT_EQ(merged[1].points, 5);
  EXPECT_TRUE(merge_loads({}).empty());
  // Cell runs add up like the points (a bound of the sparse blocks, plan/output_estimate.hpp).
  const auto runs = merge_loads({{3, 10, 2}, {1, 2, 1}, {3, 4, 3}});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].cell_runs, 1);
  EXPECT_EQ(runs[1].cell_runs, 5);
}

}  // namespace
}  // namespace healgrid

#include "healgrid/pipeline/index_pass.hpp"

namespace healgrid {
namespace {

TEST(IndexShare, ContiguousBlocksBalancedByBytes) {
  std::vector<Granule> granules;
  for (int i = 0; i < 10; ++i) granules.push_back({"g" + std::to_string(i), "", i < 5 ? 100 : 300});
  // 2000 bytes over 2 ranks: the first 5 small + 1.67 large granules vs the rest.
  const auto a = index_share(granules, 0, 2), b = index_share(granules, 1, 2);
  EXPECT_EQ(a.first, 0u);
  EXPECT_EQ(a.second, b.first);
  EXPECT_EQ(b.second, 10u);
  EXPECT_EQ(a.second, 7u);  // 5 * 100 + 2 * 300 = 1100 vs 900: middles decide
  // Every granule exactly once, in order, for any rank count; extra ranks get nothing.
  for (int ranks : {1, 3, 7, 10, 16}) {
    std::size_t expect = 0;
    for (int r = 0; r < ranks; ++r) {
      const auto [first, last] = index_share(granules, r, ranks);
      if (first == last) continue;
      EXPECT_EQ(first, expect) << ranks;
      expect = last;
    }
    EXPECT_EQ(expect, 10u) << ranks;
  }
  EXPECT_EQ(index_share({}, 0, 4).first, index_share({}, 0, 4).second);
}

}  // namespace
}  // namespace healgrid
