#include "healgrid/plan/point_parts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
      case 3:
        row += static_cast<std::uint32_t>(rng() % 100000);  // other high bits of the row
        break;
      default:
        cell += static_cast<std::int64_t>(rng() % 30000);  // sometimes into the next 2^16 block
    }
    row += 1 + static_cast<std::uint32_t>(rng() % 3);
    out.push_back({cell, gg, row});
  }
  return out;
}

// Points written into a buffer, a few at a time and resumed from the writer's state (as the
// index pass writes a tile), are the entries the vector writer gives, word for word.
TEST(PointParts, BufferWriterWritesTheVectorWritersEntries) {
  const auto points = wandering(7, 20000);
  const auto part = pack_points(points);
  PointVector got;
  PointWriter writer;
  std::vector<PointEntry> buffer(100 * PointWriter::kMaxEntries);
  for (std::size_t begin = 0; begin < points.size(); begin += 100) {
    PointWriter tile = writer;
    std::size_t m = 0;
    for (std::size_t i = begin; i < std::min(points.size(), begin + 100); ++i)
      m += tile.push(buffer.data() + m, points[i]);
    ASSERT_LE(m, buffer.size());
    got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(m));
    writer = tile;
  }
  ASSERT_EQ(got.size(), part.size());
  for (std::size_t i = 0; i < part.size(); ++i) ASSERT_EQ(got[i].word, part[i].word) << i;
  expect_points(unpack_points(got), points);
}

TEST(PointParts, PacksToFourBytesAndBack) {
  // Extremes: cell 0, the last order-29 cell, rows 0 and the largest, granule and group limits.
  const std::int64_t last_cell = 12 * (std::int64_t{1} << 58) - 1;
  const std::vector<PointRef> points = {
      {0, pack_granule_group(0, 0), 0},
      {last_cell, pack_granule_group(0, 0), 1},
      {last_cell, pack_granule_group(16777214, 254), UINT32_MAX},
      {(std::int64_t{1} << 32) - 1, pack_granule_group(16777214, 254), 5},
      {std::int64_t{1} << 32, pack_granule_group(3, 1), 6},
  };
  const auto part = pack_points(points);
  expect_points(unpack_points(part), points);
  EXPECT_EQ(count_points(part), points.size());
  // Headers (2 entries each) only where the beam, the cell's or the row's high bits change:
  // 3 + 1 (cell) + 2 (beam, row) + 2 (cell, row) + 2 (beam, cell).
  EXPECT_EQ(part.size(), points.size() + 2 * 10);
  EXPECT_TRUE(pack_points({}).empty());
}

TEST(PointParts, HeaderValuesKeep61Bits) {
  for (const auto kind : {PointEntry::kGranuleGroup, PointEntry::kCellHigh, PointEntry::kRowHigh})
    for (const std::uint64_t v :
         {std::uint64_t{0}, std::uint64_t{1} << 32, (std::uint64_t{1} << 61) - 1,
          std::uint64_t{0x0123456789abcdef} >> 3}) {
      PointEntry h[2];
      PointEntry::header(kind, v, h);
      EXPECT_TRUE(h[0].is_header());
      EXPECT_EQ(h[0].kind(), kind);
      EXPECT_EQ(PointEntry::header_value(h), v);
    }
  // A point's entry never looks like a header, whatever its row and cell.
  const auto e = PointEntry::point(-1, UINT32_MAX);
  EXPECT_FALSE(e.is_header());
  EXPECT_EQ(e.cell_low(), 0xffffu);
  EXPECT_EQ(e.row_low(), 0x7fffu);
}

TEST(PointParts, OneBeamInOneBlockHasThreeHeaders) {
  std::vector<PointRef> points;
  for (std::uint32_t r = 0; r < 1000; ++r)
    points.push_back({(std::int64_t{5} << 16) + r * 60, pack_granule_group(7, 2), r + 1000});
  const auto part = pack_points(points);
  EXPECT_EQ(part.size(), 1006u);
  EXPECT_EQ(part[0].kind(), PointEntry::kGranuleGroup);
  EXPECT_EQ(part[2].kind(), PointEntry::kCellHigh);
  EXPECT_EQ(part[4].kind(), PointEntry::kRowHigh);
  EXPECT_EQ(PointEntry::header_value(&part[2]), 5u);
  expect_points(unpack_points(part), points);
}

// A header for every change of a beam's row block (2^15 rows) or cell block (2^16 cells), and
// for no other point: the count from the points' own blocks.
TEST(PointParts, HeadersWhereRowsOrCellsCrossTheirBlocks) {
  std::mt19937_64 rng(7);
  std::vector<PointRef> points;
  std::int64_t cell = 123456789;
  std::uint32_t row = 0;
  std::size_t headers = 1;  // the beam's
  for (int i = 0; i < 5000; ++i) {
    const std::int64_t c = cell + static_cast<std::int64_t>(rng() % 2000);
    const std::uint32_t r = row + 1 + static_cast<std::uint32_t>(rng() % 300);
    headers += (i == 0 || (c >> 16) != (cell >> 16)) + (i == 0 || (r >> 15) != (row >> 15));
    cell = c;
    row = r;
    points.push_back({cell, pack_granule_group(1, 1), row});
  }
  const auto part = pack_points(points);
  EXPECT_EQ(part.size(), points.size() + 2 * headers);
  EXPECT_GT(headers, 60u);  // both kinds happen
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
  EXPECT_EQ(part.size(), 8u);  // three headers and two points
}

}  // namespace
}  // namespace healgrid
