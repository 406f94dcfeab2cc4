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

TEST(WorkPlan, ReadTasksCoverEachRanksRows) {
  // granule 0 beam 0 crosses parents 5 (rows 0..10) then 9 (rows 10..30); granule 1 beam 2
  // touches parent 9 only (rows 100..150) and parent 20 (rows 150..151).
  const std::vector<IndexEntry> entries = {
      {0, 0, 5, 10, 0, 10}, {0, 0, 9, 20, 10, 30}, {1, 2, 9, 50, 100, 150}, {1, 2, 20, 1, 150, 151}};
  const auto plan = make_plan(entries, 2);
  ASSERT_EQ(plan.loads.size(), 3u);
  EXPECT_EQ(plan.loads[1].points, 70);
  // 81 points: rank 0 takes parent 5 (10) then 9 (70) -> closer to 40.5 with 5 only? |10-40.5|
  // = 30.5 vs |80-40.5| = 39.5, so rank 0 = {5}, rank 1 = {9, 20}.
  EXPECT_EQ(plan.ranks[0].first_parent, 5);
  EXPECT_EQ(plan.ranks[0].last_parent, 5);
  EXPECT_EQ(plan.ranks[1].first_parent, 9);
  EXPECT_EQ(plan.ranks[1].last_parent, 20);
  ASSERT_EQ(plan.ranks[0].reads.size(), 1u);
  EXPECT_EQ(plan.ranks[0].reads[0].row_lo, 0);
  EXPECT_EQ(plan.ranks[0].reads[0].row_hi, 10);
  ASSERT_EQ(plan.ranks[1].reads.size(), 2u);
  EXPECT_EQ(plan.ranks[1].reads[0].granule, 0);
  EXPECT_EQ(plan.ranks[1].reads[0].row_lo, 10);
  EXPECT_EQ(plan.ranks[1].reads[0].row_hi, 30);
  EXPECT_EQ(plan.ranks[1].reads[1].granule, 1);
  EXPECT_EQ(plan.ranks[1].reads[1].group, 2);
  EXPECT_EQ(plan.ranks[1].reads[1].row_lo, 100);
  EXPECT_EQ(plan.ranks[1].reads[1].row_hi, 151);
  EXPECT_EQ(plan.ranks[1].planned_points, 71);
}

TEST(WorkPlan, SerializationRoundTrips) {
  const std::vector<IndexEntry> entries = {{3, 1, 42, 7, 5, 12}, {4, 0, 43, 2, 0, 2}};
  std::vector<std::int64_t> words;
  for (const auto& e : entries) pack(e, words);
  const auto back = unpack_entries(words);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].parent, 43);
  EXPECT_EQ(back[0].row_hi, 12);
  const auto plan = make_plan(entries, 1);
  const auto rp = RankPlan::deserialize(plan.ranks[0].serialize());
  EXPECT_EQ(rp.first_parent, 42);
  EXPECT_EQ(rp.last_parent, 43);
  EXPECT_EQ(rp.planned_points, 9);
  ASSERT_EQ(rp.reads.size(), 2u);
  EXPECT_EQ(rp.reads[0].granule, 3);
  const auto empty = RankPlan::deserialize(RankPlan{}.serialize());
  EXPECT_LT(empty.last_parent, empty.first_parent);
  EXPECT_TRUE(empty.reads.empty());
}

}  // namespace
}  // namespace healgrid
