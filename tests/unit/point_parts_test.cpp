#include "healgrid/plan/point_parts.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace healgrid {
namespace {

bool same(const PointRef& a, const PointRef& b) {
  return a.cell == b.cell && a.granule_group == b.granule_group && a.row == b.row;
}

void expect_points(const std::vector<PointRef>& got, const std::vector<PointRef>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(same(got[i], want[i])) << "point " << i << ": cell " << got[i].cell << " vs "
                                       << want[i].cell << ", row " << got[i].row;
}

// Points of a few granule beams whose cells cross 2^32 boundaries (order-29 cells), in runs.
std::vector<PointRef> wandering(std::uint32_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<PointRef> out;
  std::int64_t cell = static_cast<std::int64_t>(rng() % (std::uint64_t{3} << 60));
  std::uint32_t gg = pack_granule_group(rng() % 100, rng() % 6), row = 0;
  for (std::size_t i = 0; i < n; ++i) {
    switch (rng() % 8) {
      case 0:
        gg = pack_granule_group(rng() % 100, rng() % 6);
        break;  // another beam
      case 1:
        cell += std::int64_t{1} << 32;
        break;  // other high bits
      case 2:
        cell = static_cast<std::int64_t>(rng() % (std::uint64_t{3} << 60));
        break;
      default:
        cell += static_cast<std::int64_t>(rng() % 1000);
    }
    row += 1 + static_cast<std::uint32_t>(rng() % 3);
    out.push_back({cell, gg, row});
  }
  return out;
}

TEST(PointParts, PacksToEightBytesAndBack) {
  // Extremes: cell 0, the last order-29 cell, rows 0 and the largest, granule and group limits.
  const std::int64_t last_cell = 12 * (std::int64_t{1} << 58) - 1;
  const std::vector<PointRef> points = {
      {0, pack_granule_group(0, 0), 0},
      {last_cell, pack_granule_group(0, 0), 1},
      {last_cell, pack_granule_group(16777214, 254), PointEntry::kMaxPointRow},
      {(std::int64_t{1} << 32) - 1, pack_granule_group(16777214, 254), 5},
      {std::int64_t{1} << 32, pack_granule_group(3, 1), 6},
  };
  const auto part = pack_points(points);
  expect_points(unpack_points(part), points);
  EXPECT_EQ(count_points(part), points.size());
  // Headers only where the beam or the high bits change: 2 + 1 + 1 + 1 + 2.
  EXPECT_EQ(part.size(), points.size() + 7);
  EXPECT_TRUE(pack_points({}).empty());
}

TEST(PointParts, OneBeamOnACoarseGridHasTwoHeaders) {
  std::vector<PointRef> points;
  for (std::uint32_t r = 0; r < 1000; ++r)
    points.push_back({static_cast<std::int64_t>(r) * 3000000, pack_granule_group(7, 2), r});
  const auto part = pack_points(points);
  EXPECT_EQ(part.size(), 1002u);
  EXPECT_EQ(part[0].row, PointEntry::kGranuleGroupEntry);
  EXPECT_EQ(part[1].row, PointEntry::kCellHighEntry);
  expect_points(unpack_points(part), points);
}

TEST(PointParts, ForEachPointGivesEntryIndices) {
  const auto points = wandering(1, 500);
  const auto part = pack_points(points);
  std::size_t k = 0;
  for_each_point(part, [&](std::size_t i, const PointRef& p) {
    ASSERT_LT(i, part.size());
    EXPECT_FALSE(part[i].is_header());
    EXPECT_TRUE(same(p, points[k++]));
  });
  EXPECT_EQ(k, points.size());
}

// keep_points against filtering the unpacked points, for predicates keeping none, all, and
// random shares; the part never grows and decodes on its own.
TEST(PointParts, KeepPointsInPlaceIsAFilter) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    const auto points = wandering(seed, 300 + seed * 13);
    for (const int every : {0, 1, 2, 3, 7}) {
      auto part = pack_points(points);
      const auto size = part.size();
      std::size_t k = 0;
      std::vector<PointRef> want;
      std::vector<bool> keep;
      std::mt19937 rng(seed * 31 + every);
      for (const auto& p : points) {
        keep.push_back(every == 1 || (every > 1 && rng() % every == 0));
        if (keep.back()) want.push_back(p);
      }
      const auto kept = keep_points(part, [&](const PointRef&) { return bool(keep[k++]); });
      EXPECT_EQ(k, points.size());
      EXPECT_EQ(kept, want.size());
      EXPECT_LE(part.size(), size);
      expect_points(unpack_points(part), want);
      EXPECT_EQ(part.size(), pack_points(want).size()) << "headers not minimal";
      if (every == 1) {
        EXPECT_EQ(part.size(), size);
      }
      if (every == 0) {
        EXPECT_TRUE(part.empty());
      }
    }
  }
}

TEST(PointParts, WriterStateRestoresAfterARollBack) {
  PointVector part;
  PointWriter writer;
  writer.push(part, {5, pack_granule_group(1, 0), 0});
  const auto size = part.size();
  const auto state = writer.state();
  writer.push(part, {std::int64_t{9} << 32, pack_granule_group(1, 1), 3});
  part.resize(size);
  writer.restore(state);
  writer.push(part, {6, pack_granule_group(1, 0), 1});
  expect_points(unpack_points(part),
                {{5, pack_granule_group(1, 0), 0}, {6, pack_granule_group(1, 0), 1}});
  EXPECT_EQ(part.size(), 4u);
}

}  // namespace
}  // namespace healgrid
