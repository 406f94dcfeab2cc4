// Linked levels (read/segment_links.hpp, DatasetColumn::bind_level) on small HDF5 files written
// here: which photon gets which segment value, and which index files are refused.
#include "healgrid/read/segment_links.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

std::shared_ptr<SegmentLinks> links(hid_t f, int base, std::uint64_t photons) {
  DatasetColumn begin(f, "t.h5", "levels.segment.index_begin", {"/begin", -1}, {}, false);
  DatasetColumn count(f, "t.h5", "levels.segment.count", {"/count", -1}, {}, false);
  return std::make_shared<SegmentLinks>(begin, count, base, photons, "t.h5", "levels.segment");
}

TEST(SegmentLinks, BroadcastsSegmentValuesAndDropsUnownedPhotons) {
  ScratchH5File f("links_");
  // Base 0; segment 1 empty; photons 2 and 9 belong to no segment.
  write<std::int64_t>(f.get(), "begin", H5T_NATIVE_INT64, {0, 99, 3, 6});
  write<std::int32_t>(f.get(), "count", H5T_NATIVE_INT32, {2, 0, 3, 3});
  write<double>(f.get(), "value", H5T_NATIVE_DOUBLE, {10, 11, 12, 13});
  const auto l = links(f.get(), 0, 10);
  EXPECT_EQ(l->segments(), 4u);
  DatasetColumn value(f.get(), "t.h5", "variables.v", {"/value", -1}, {}, false);
  value.bind_level(l, "levels.segment");
  std::vector<double> out;
  std::vector<std::uint8_t> valid(9, 1);
  value.read(1, 9, out, valid.data());  // photons 1..9
  const std::vector<double> expect = {10, NAN, 12, 12, 12, 13, 13, 13, NAN};
  for (std::size_t i = 0; i < expect.size(); ++i) {
    EXPECT_EQ(valid[i], std::isnan(expect[i]) ? 0 : 1) << i;
    if (!std::isnan(expect[i])) {
      EXPECT_EQ(out[i], expect[i]) << i;
    }
  }
  EXPECT_EQ(l->points_of(2, 4), std::make_pair(std::uint64_t{3}, std::uint64_t{9}));
}

TEST(SegmentLinks, RefusesBrokenIndexFiles) {
  const struct {
    std::vector<std::int64_t> begin;
    std::vector<std::int32_t> count;
    const char* needle;
  } cases[] = {
      {{1, 3}, {3, 2}, "segment 1: starts at point 3 inside the previous segment"},  // overlap
      {{1, 4}, {3, 4}, "segment 1: points 4..7 end past the 6 points"},
      {{0, 4}, {3, 2}, "segment 0: first index 0 is below the index base 1"},
      {{1, 4}, {3, -1}, "segment 1: count -1"},
  };
  for (const auto& c : cases) {
    ScratchH5File f("broken_");
    write<std::int64_t>(f.get(), "begin", H5T_NATIVE_INT64, c.begin);
    write<std::int32_t>(f.get(), "count", H5T_NATIVE_INT32, c.count);
    try {
      links(f.get(), 1, 6);
      ADD_FAILURE() << "accepted: " << c.needle;
    } catch (const GranuleError& e) {
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("t.h5: levels.segment: dataset /"), std::string::npos);
    }
  }
}

// Values no integer type holds exactly in double, and counts without data beside a first index,
// are refused too: they used to wrap (a first index of 2^64 - 1 became 0) or make an empty
// segment, losing the points of good segments with exit 0.
TEST(SegmentLinks, RefusesStartsAndCountsDoublesCannotHoldAndCountsWithoutData) {
  const auto refused = [](const std::vector<std::uint64_t>& begin, const std::vector<double>& count,
                          bool fill_20) {
    ScratchH5File f("huge_");
    write<std::uint64_t>(f.get(), "begin", H5T_NATIVE_UINT64, begin);
    write<double>(f.get(), "count", H5T_NATIVE_DOUBLE, count);
    if (fill_20) {
      H5Handle d(H5Dopen2(f.get(), "/count", H5P_DEFAULT), H5Dclose);
      const hsize_t one = 1;
      H5Handle space(H5Screate_simple(1, &one, nullptr), H5Sclose);
      H5Handle a(H5Acreate2(d.get(), "_FillValue", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT,
                            H5P_DEFAULT),
                 H5Aclose);
      const double fill = 20;
      H5Awrite(a.get(), H5T_NATIVE_DOUBLE, &fill);
    }
    try {
      links(f.get(), 1, 100);
    } catch (const GranuleError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  const auto max = 18446744073709551615ull;
  EXPECT_NE(refused({1, 21, max, 41}, {20, 20, 20, 20}, false).find("segment 2: points "),
            std::string::npos);
  EXPECT_NE(refused({1, 21, 41}, {20, 1.8446744073709552e19, 20}, false).find("segment 1: "),
            std::string::npos);
  EXPECT_NE(refused({1, 21, 41}, {20, NAN, 20}, false).find("segment 1: no count"),
            std::string::npos);
  EXPECT_NE(refused({1, 21, 41}, {20, INFINITY, 20}, false).find("segment 1: no count"),
            std::string::npos);
  EXPECT_NE(refused({1, 21, 41}, {10, 20, 20}, true).find("segment 1: no count"),
            std::string::npos);
  EXPECT_NE(refused({1, 21, 41}, {10, 20.5, 20}, false).find("segment 1: count 20.5"),
            std::string::npos);
  EXPECT_EQ(refused({1, 0, 21}, {20, NAN, 20}, false), "(accepted)");  // an empty segment
}

TEST(SegmentLinks, AFractionalFirstIndexIsNamedAsSuch) {
  ScratchH5File f("frac_");
  write<double>(f.get(), "begin", H5T_NATIVE_DOUBLE, {1, 41.5});
  write<std::int32_t>(f.get(), "count", H5T_NATIVE_INT32, {20, 20});
  try {
    links(f.get(), 1, 100);
    ADD_FAILURE() << "a first index of 41.5 accepted";
  } catch (const GranuleError& e) {
    EXPECT_NE(std::string(e.what()).find("first index 41.5 is no integer"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace healgrid
