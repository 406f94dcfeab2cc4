#include "healgrid/plan/point_spill.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace healgrid {
namespace {

const HealpixGrid& grid() {
  static const HealpixGrid g(6, 12, LatitudeConvention::authalic);
  return g;
}

std::int64_t cell_count() { return grid().parent_cell_count() * grid().children_per_parent(); }

// Points along a few beams of a few granules: runs of cells inside parents, rows ascending
// per beam and past 2^15 (row headers), sometimes another parent far away (cell headers).
std::vector<PointRef> granule_points(std::uint32_t granule, std::uint32_t seed, std::size_t n) {
  std::mt19937 rng(seed);
  std::vector<PointRef> out;
  std::int64_t cell = static_cast<std::int64_t>(rng() % cell_count());
  std::uint32_t beam = 0, row = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = rng() % 100;
    if (r == 0) {
      beam = (beam + 1) % 6;
      row = 0;
    } else if (r < 3) {
      cell = static_cast<std::int64_t>(rng() % cell_count());
    } else if (r < 40) {
      cell = std::min<std::int64_t>(cell + 1, cell_count() - 1);
    }
    row += 1 + rng() % 3;
    out.push_back({cell, pack_granule_group(granule, beam), row});
  }
  return out;
}

// The loads the index pass counts for these points, written independently: per parent, the
// points, and the runs of one cell within a beam.
std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> loads_of(
    const std::vector<PointRef>& points) {
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto& l = out[grid().parent_of(points[i].cell)];
    l.first += 1;
    const bool same_run = i > 0 && points[i - 1].granule_group == points[i].granule_group &&
                          points[i - 1].cell == points[i].cell;
    l.second += same_run ? 0 : 1;
  }
  return out;
}

std::vector<PointRef> unpack_all(const PointParts& parts) {
  std::vector<PointRef> out;
  for (const auto& part : parts)
    for (const auto& p : unpack_points(part)) out.push_back(p);
  return out;
}

void expect_same(const std::vector<PointRef>& got, const std::vector<PointRef>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].cell, want[i].cell) << i;
    EXPECT_EQ(got[i].granule_group, want[i].granule_group) << i;
    EXPECT_EQ(got[i].row, want[i].row) << i;
  }
}

void expect_loads(const std::vector<ParentLoad>& got, const std::vector<PointRef>& points) {
  const auto want = loads_of(points);
  ASSERT_EQ(got.size(), want.size());
  std::size_t i = 0;
  for (const auto& [parent, load] : want) {
    EXPECT_EQ(got[i].parent, parent);
    EXPECT_EQ(got[i].points, load.first) << "parent " << parent;
    EXPECT_EQ(got[i].cell_runs, load.second) << "parent " << parent;
    ++i;
  }
}

// A granule's points written as pieces (the index pass flushes after each beam): one writer,
// so each piece continues the last one's headers.
void spill_in_pieces(PointSpill& spill, const std::vector<PointRef>& points, std::size_t pieces) {
  spill.begin_part();
  PointWriter writer;
  PointVector piece;
  for (std::size_t i = 0; i < points.size(); ++i) {
    writer.push(piece, points[i]);
    if ((i + 1) % (points.size() / pieces + 1) == 0) {
      spill.append(piece);
      piece.clear();
    }
  }
  spill.append(piece);
}

const auto kAll = [](std::int64_t) { return true; };

TEST(PointSpill, PartsWrittenInPiecesReadBackInOrder) {
  PointSpill spill(::testing::TempDir());
  ASSERT_TRUE(spill.active()) << spill.error();
  std::vector<PointRef> all;
  for (std::uint32_t g = 0; g < 4; ++g) {
    const auto points = granule_points(g, 10 + g, 5000 + 3000 * g);
    spill_in_pieces(spill, points, g + 1);
    all.insert(all.end(), points.begin(), points.end());
  }
  EXPECT_GT(spill.bytes(), all.size() * sizeof(PointEntry));
  std::vector<ParentLoad> loads;
  const auto parts = spill.read_back(kAll, grid(), loads);
  EXPECT_EQ(parts.size(), 4u);  // one per granule, however many pieces
  expect_same(unpack_all(parts), all);
  expect_loads(loads, all);
  // Read back again (each pass does): the same.
  std::vector<ParentLoad> again;
  expect_same(unpack_all(spill.read_back(kAll, grid(), again)), all);
}

TEST(PointSpill, ReadingBackKeepsOnlyTheWantedParents) {
  PointSpill spill(::testing::TempDir());
  std::vector<PointRef> all;
  for (std::uint32_t g = 0; g < 3; ++g) {
    const auto points = granule_points(g, 20 + g, 20000);
    spill_in_pieces(spill, points, 3);
    all.insert(all.end(), points.begin(), points.end());
  }
  const std::int64_t middle = grid().parent_of(all[all.size() / 2].cell);
  const auto wants = [&](std::int64_t parent) { return parent <= middle; };
  std::vector<PointRef> kept;
  for (const auto& p : all)
    if (wants(grid().parent_of(p.cell))) kept.push_back(p);
  ASSERT_FALSE(kept.empty());
  ASSERT_LT(kept.size(), all.size());
  std::vector<ParentLoad> loads;
  const auto parts = spill.read_back(wants, grid(), loads);
  expect_same(unpack_all(parts), kept);
  expect_loads(loads, kept);
  // Nothing wanted: no part at all, no load.
  const auto none = spill.read_back([](std::int64_t) { return false; }, grid(), loads);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(loads.empty());
}

TEST(PointSpill, AHeaderAcrossTheReadBlocksIsAppliedWhole) {
  // One piece whose entry 2^20 - 1 (the last of the first block read back) is the first half
  // of a cell header: the point after it is in another block of 65536 cells.
  PointSpill spill(::testing::TempDir());
  const std::int64_t c0 = std::int64_t{5} << 16;
  std::vector<PointRef> points;
  const std::size_t first = (std::size_t{1} << 20) - 1 - 6;  // after the part's 3 headers
  for (std::size_t i = 0; i < first; ++i)
    points.push_back({c0 + static_cast<std::int64_t>(i % 100), pack_granule_group(1, 2),
                      static_cast<std::uint32_t>(i % 30000)});
  points.push_back({c0 + (std::int64_t{1} << 16) + 7, pack_granule_group(1, 2), 5});
  points.push_back({c0 + 3, pack_granule_group(1, 2), 6});
  const auto packed = pack_points(points);
  ASSERT_TRUE(packed[(std::size_t{1} << 20) - 1].is_header());
  spill.begin_part();
  spill.append(packed);
  std::vector<ParentLoad> loads;
  expect_same(unpack_all(spill.read_back(kAll, grid(), loads)), points);
}

TEST(PointSpill, ARolledBackGranuleGivesNoPoint) {
  PointSpill spill(::testing::TempDir());
  const auto a = granule_points(0, 1, 3000), b = granule_points(1, 2, 3000),
             c = granule_points(2, 3, 3000);
  spill_in_pieces(spill, a, 2);
  const auto mark = spill.mark();
  spill_in_pieces(spill, b, 2);  // a granule that fails after two of its beams
  spill.rollback(mark);
  EXPECT_EQ(spill.bytes(), mark);
  spill_in_pieces(spill, c, 1);
  std::vector<PointRef> want = a;
  want.insert(want.end(), c.begin(), c.end());
  std::vector<ParentLoad> loads;
  const auto parts = spill.read_back(kAll, grid(), loads);
  EXPECT_EQ(parts.size(), 2u);
  expect_same(unpack_all(parts), want);
}

TEST(PointSpill, NoDirectoryOrABadOneTurnsItOffWithTheReason) {
  const auto place = spill_place("none");
  PointSpill none(place.directory, place.why_off);
  EXPECT_FALSE(none.active());
  EXPECT_NE(none.error().find("--scratch none"), std::string::npos);

  const std::string missing = ::testing::TempDir() + "/no/such/dir";
  PointSpill bad(missing);
  EXPECT_TRUE(bad.active());  // nothing is made before the first write
  bad.begin_part();
  bad.append(pack_points(granule_points(0, 4, 100)));
  EXPECT_FALSE(bad.active());
  EXPECT_NE(bad.error().find(missing), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("No such file"), std::string::npos) << bad.error();
}

TEST(PointSpill, AWriteFailingHalfWayTurnsItOffWithTheReason) {
  // A full scratch disk, as a file size limit: writes past it fail (EFBIG, SIGXFSZ ignored).
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  PointSpill spill(::testing::TempDir());
  spill.begin_part();
  spill.append(pack_points(granule_points(0, 6, 1000)));  // 4 kB: written
  const bool first_fit = spill.active();
  spill.append(pack_points(granule_points(0, 7, 100000)));  // 400 kB: fails half-way
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(first_fit);
  EXPECT_FALSE(spill.active());
  EXPECT_NE(spill.error().find(::testing::TempDir()), std::string::npos) << spill.error();
  EXPECT_NE(spill.error().find("too large"), std::string::npos) << spill.error();
  spill.append(pack_points(granule_points(0, 8, 10)));  // ignored once off
  EXPECT_FALSE(spill.active());
}

TEST(PointSpill, TheFileHasNoNameInItsDirectory) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "spill-name-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    PointSpill spill(dir.string());
    spill.begin_part();
    spill.append(pack_points(granule_points(0, 5, 1000)));
    ASSERT_TRUE(spill.active()) << spill.error();
    EXPECT_TRUE(std::filesystem::is_empty(dir));  // nothing to leave behind when killed
  }
  std::filesystem::remove_all(dir);
}

TEST(PointSpill, TheDirectoryComesFromTheOptionThenTmpdirUnlessHeldInMemory) {
  EXPECT_EQ(spill_place("none").directory, "");
  EXPECT_EQ(spill_place("none").why_off, "--scratch none");
  EXPECT_EQ(spill_place("/scratch/job").directory, "/scratch/job");
  const char* saved = std::getenv("TMPDIR");
  const std::string keep = saved ? saved : "";
  ::setenv("TMPDIR", "/local/job42", 1);  // not there: told at the first write
  EXPECT_EQ(spill_place("").directory, "/local/job42");
  ::unsetenv("TMPDIR");
  EXPECT_EQ(spill_place("").directory, in_memory_file_system("/tmp") ? "" : "/tmp");
  // A default held in memory (tmpfs) would count against the job's memory: off, saying so;
  // the same directory given by the user is taken.
  if (in_memory_file_system("/dev/shm")) {
    ::setenv("TMPDIR", "/dev/shm", 1);
    const auto place = spill_place("");
    EXPECT_EQ(place.directory, "");
    EXPECT_NE(place.why_off.find("/dev/shm is held in memory"), std::string::npos) << place.why_off;
    EXPECT_EQ(spill_place("/dev/shm").directory, "/dev/shm");
  } else {
    std::printf("note: /dev/shm is no tmpfs here: the in-memory default not checked\n");
  }
  EXPECT_FALSE(in_memory_file_system(::testing::TempDir() + "/no/such/dir"));
  if (saved)
    ::setenv("TMPDIR", keep.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
}

}  // namespace
}  // namespace healgrid
