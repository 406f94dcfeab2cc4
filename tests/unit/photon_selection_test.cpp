// Segment pre-selection (read/photon_selection.hpp) on links written to small HDF5 files here:
// which photon rows a run that wants some parent cells reads, and which are its guards.
#include "healgrid/read/photon_selection.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <vector>

#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

// Base-0 links of `begin` / `count` over `photons` points.
std::unique_ptr<SegmentLinks> links(const std::vector<std::int64_t>& begin,
                                    const std::vector<std::int32_t>& count, std::uint64_t photons) {
  ScratchH5File f("select_");
  write<std::int64_t>(f.get(), "begin", H5T_NATIVE_INT64, begin);
  write<std::int32_t>(f.get(), "count", H5T_NATIVE_INT32, count);
  DatasetColumn b(f.get(), "t.h5", "levels.segment.index_begin", {"/begin", -1}, {}, false);
  DatasetColumn c(f.get(), "t.h5", "levels.segment.count", {"/count", -1}, {}, false);
  return std::make_unique<SegmentLinks>(b, c, 0, photons, "t.h5", "levels.segment");
}

// Ten segments of ten photons each.
std::unique_ptr<SegmentLinks> ten_by_ten() {
  std::vector<std::int64_t> begin;
  for (int s = 0; s < 10; ++s) begin.push_back(10 * s);
  return links(begin, std::vector<std::int32_t>(10, 10), 100);
}

std::function<bool(std::int64_t)> wanted(std::set<std::int64_t> parents) {
  return [parents](std::int64_t p) { return parents.count(p) > 0; };
}

TEST(PhotonSelection, ReadsTheWantedSegmentsTheCrossingsAndOneSegmentOfPadding) {
  const auto l = ten_by_ten();
  // Segments 4-6 lie in the wanted parent 2; 3|4 and 6|7 are parent changes.
  const std::vector<std::int64_t> parent = {1, 1, 1, 1, 2, 2, 2, 1, 1, 1};
  const auto s = select_photons(*l, parent, wanted({2}), 100);
  EXPECT_EQ(s.ranges, (RowRanges{{20, 90}}));
  EXPECT_EQ(s.guards, (RowRanges{{20, 30}, {80, 90}}));  // segments 2 and 8
  EXPECT_EQ(s.rows(), 70u);
}

TEST(PhotonSelection, ACrossingBetweenUnwantedCellsIsReadToo) {
  const auto l = ten_by_ten();
  // A track from parent 1 into parent 3 may clip a wanted cell's corner between positions.
  const std::vector<std::int64_t> parent = {1, 1, 1, 1, 1, 3, 3, 3, 3, 3};
  const auto s = select_photons(*l, parent, wanted({2}), 100);
  EXPECT_EQ(s.ranges, (RowRanges{{30, 70}}));  // segments 4|5 crossed, one more each side
  EXPECT_EQ(s.guards, (RowRanges{{30, 40}, {60, 70}}));
}

TEST(PhotonSelection, NothingWantedReadsNothingAndEverythingWantedReadsAll) {
  const auto l = ten_by_ten();
  const std::vector<std::int64_t> parent(10, 7);
  EXPECT_TRUE(select_photons(*l, parent, wanted({2}), 100).ranges.empty());
  const auto all = select_photons(*l, parent, wanted({7}), 100);
  EXPECT_EQ(all.ranges, (RowRanges{{0, 100}}));
  EXPECT_TRUE(all.guards.empty());  // the beam's ends have nothing beyond them
}

TEST(PhotonSelection, SegmentsWithoutPositionAreReadWithTheirNeighbours) {
  const auto l = ten_by_ten();
  std::vector<std::int64_t> parent(10, 7);
  parent[5] = -1;  // a fill position: could be anywhere
  const auto s = select_photons(*l, parent, wanted({2}), 100);
  EXPECT_EQ(s.ranges, (RowRanges{{40, 70}}));
  EXPECT_EQ(s.guards, (RowRanges{{40, 50}, {60, 70}}));
}

TEST(PhotonSelection, EmptySegmentsPadWithPhotonHoldingNeighboursAndUnownedPhotonsAreRead) {
  // Segment 1 and 3 are empty; photons 2 and 9 belong to no segment.
  const auto l = links({0, 0, 3, 0, 6}, {2, 0, 3, 0, 3}, 10);
  {
    // Only the empty segment 3 lies in the wanted cell: its photon-holding neighbours (rows 2,
    // 4) are read, each with one more photon-holding segment of padding.
    const std::vector<std::int64_t> parent = {7, 7, 7, 2, 7};
    const auto s = select_photons(*l, parent, wanted({2}), 10);
    EXPECT_EQ(s.ranges, (RowRanges{{0, 10}}));
  }
  {
    const std::vector<std::int64_t> parent(5, 7);
    const auto s = select_photons(*l, parent, wanted({2}), 10);
    EXPECT_EQ(s.ranges, (RowRanges{{2, 3}, {9, 10}}));  // the unowned photons only
  }
}

}  // namespace
}  // namespace healgrid
