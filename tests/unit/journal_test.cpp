// The restart journal's round files (write, read, validation, slicing, merging) and the inputs'
// identity hash.
#include "healgrid/pipeline/journal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/pipeline/inputs_digest.hpp"
#include "test_configs.hpp"

namespace healgrid {
namespace {

// Parents {2, 5, 9} covered, 2 and 9 with data; 4 children per parent: cells 8, 10 (parent 2)
// and 37 (parent 9) with points.
JournalPiece sample(const PipelineConfig& c) {
  JournalPiece p;
  p.covered = {2, 5, 9};
  p.block.parents = {2, 9};
  p.block.cells = {8, 10, 37};
  p.block.points = 7;
  OutputColumn n, m;
  n.spec = &c.statistics[0];
  n.i32 = {1, 2, 4};
  m.spec = &c.statistics[1];
  m.f32 = {1.5f, 2.5f, 9.0f};
  p.block.columns = {n, m};
  p.granule_points = {2, 0, 2, 2, 1, 1, 9, 1, 4};  // (parent, granule, points)
  return p;
}

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "healgrid_journal_" + std::to_string(::getpid()) + name;
}

// Writes `piece` to a scratch round file of these inputs and reads it back into `back`; the
// file's size goes to `bytes`. The file is removed.
bool round_trip(const JournalPiece& piece, const PipelineConfig& c, const char* name,
                JournalPiece& back, std::string& why, std::size_t* bytes = nullptr) {
  const auto path = temp_path(name);
  write_piece(path, std::string(64, 'a'), piece, 4);
  if (bytes) *bytes = static_cast<std::size_t>(std::ifstream(path, std::ios::ate).tellg());
  const bool ok = read_piece(path, std::string(64, 'a'), c, 4, back, why);
  std::remove(path.c_str());
  return ok;
}

TEST(JournalFile, RoundTripKeepsEveryValue) {
  const auto c = test::count_and_mean_config();
  JournalPiece back;
  std::string why;
  ASSERT_TRUE(round_trip(sample(c), c, "rt.round", back, why)) << why;
  EXPECT_EQ(back.covered, (std::vector<std::int64_t>{2, 5, 9}));
  EXPECT_EQ(back.block.parents, (std::vector<std::int64_t>{2, 9}));
  EXPECT_EQ(back.block.points, 7u);
  EXPECT_EQ(back.block.cells, (std::vector<std::int64_t>{8, 10, 37}));
  EXPECT_EQ(back.block.columns[0].i32, (std::vector<std::int32_t>{1, 2, 4}));
  EXPECT_EQ(back.block.columns[1].f32, (std::vector<float>{1.5f, 2.5f, 9.0f}));
  EXPECT_EQ(back.granule_points, sample(c).granule_points);
}

// The block is stored as it is: its cells and their values; a NaN value (of any payload) comes
// back bit for bit (a resumed run must write the same bytes).
TEST(JournalFile, StoresTheBlockCellsAndKeepsNaNPayloads) {
  const auto c = test::count_and_mean_config();
  auto piece = sample(c);
  const std::uint32_t payload = 0xffc00001u;  // a negative quiet NaN
  std::memcpy(&piece.block.columns[1].f32[2], &payload, sizeof payload);
  JournalPiece back;
  std::string why;
  std::size_t bytes = 0;
  ASSERT_TRUE(round_trip(piece, c, "sparse.round", back, why, &bytes)) << why;
  std::uint32_t bits = 0;
  std::memcpy(&bits, &back.block.columns[1].f32[2], sizeof bits);
  EXPECT_EQ(bits, payload);
  EXPECT_EQ(back.block.columns[0].i32, piece.block.columns[0].i32);
  // Header, 3 + 2 parent ids, 3 cells with 8 + 4 + 4 bytes each, 2 column kinds, 9 counts.
  // Then the checksum trailer: 8 + 64 bytes.
  EXPECT_EQ(bytes, 8 + 64 + 6 * 8 + 5 * 8 + 8 + 3 * 8 + 2 * 8 + 3 * 4 + 3 * 4 + 9 * 8 + 8 + 72);
}

// A cell outside the piece's parents, or out of order, is a damaged file, never used.
TEST(JournalFile, RejectsCellsOutsideTheirParents) {
  const auto c = test::count_and_mean_config();
  for (const std::vector<std::int64_t>& cells :
       {std::vector<std::int64_t>{8, 10, 41}, std::vector<std::int64_t>{10, 8, 37}}) {
    auto piece = sample(c);
    piece.block.cells = cells;
    JournalPiece back;
    std::string why;
    EXPECT_FALSE(round_trip(piece, c, "cells.round", back, why));
    EXPECT_EQ(why, "damaged (cell out of its parents or out of order)");
  }
}

// A round whose points were all invalid reduces to no cells; its file must still read back
// (the count column's type comes from the statistic, not from the empty data).
TEST(JournalFile, RoundWithoutCellsReadsBack) {
  const auto c = test::count_and_mean_config();
  JournalPiece piece;
  piece.covered = {4};
  OutputColumn n, m;
  n.spec = &c.statistics[0];
  m.spec = &c.statistics[1];
  piece.block.columns = {n, m};
  JournalPiece back;
  std::string why;
  ASSERT_TRUE(round_trip(piece, c, "empty.round", back, why)) << why;
  EXPECT_EQ(back.covered, (std::vector<std::int64_t>{4}));
  EXPECT_TRUE(back.block.parents.empty());
}

TEST(JournalFile, RejectsOtherInputsGridOrTruncation) {
  const auto c = test::count_and_mean_config();
  const auto path = temp_path("bad.round");
  write_piece(path, std::string(64, 'a'), sample(c), 4);
  JournalPiece back;
  std::string why;
  EXPECT_FALSE(read_piece(path, std::string(64, 'b'), c, 4, back, why));
  EXPECT_EQ(why, "written for other inputs, or by a run that skipped other granules");
  EXPECT_FALSE(read_piece(path, std::string(64, 'a'), c, 16, back, why));
  EXPECT_EQ(why, "written for another grid or other statistics");
  // Cut the last byte: a torn file is never used.
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size() - 1);
  EXPECT_FALSE(read_piece(path, std::string(64, 'a'), c, 4, back, why));
  EXPECT_EQ(why, "no checksum trailer (truncated, or written by an older healgrid)");
  EXPECT_FALSE(read_piece(path + ".missing", std::string(64, 'a'), c, 4, back, why));
  std::remove(path.c_str());
}

// A changed byte in a stored value (the structure still parses) fails the round's checksum.
TEST(JournalFile, ChangedValueByteFailsTheChecksum) {
  const auto c = test::count_and_mean_config();
  const auto path = temp_path("flip.round");
  write_piece(path, std::string(64, 'a'), sample(c), 4);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  // The mean column's last stored float: before 9 counts (72 bytes), the end mark and trailer.
  const auto at = bytes.size() - 72 - 8 - 9 * 8 - 2;
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  JournalPiece back;
  std::string why;
  EXPECT_FALSE(read_piece(path, std::string(64, 'a'), c, 4, back, why));
  EXPECT_EQ(why.rfind("checksum mismatch", 0), 0u) << why;
  std::remove(path.c_str());
}

TEST(JournalFile, SliceKeepsTheRangeAndItsPoints) {
  const auto c = test::count_and_mean_config();
  const auto part = slice_piece(sample(c), 3, 9, 4);
  EXPECT_EQ(part.covered, (std::vector<std::int64_t>{5, 9}));
  EXPECT_EQ(part.block.parents, (std::vector<std::int64_t>{9}));
  EXPECT_EQ(part.block.cells, (std::vector<std::int64_t>{37}));
  EXPECT_EQ(part.block.columns[0].i32, (std::vector<std::int32_t>{4}));
  EXPECT_EQ(part.block.columns[1].f32, (std::vector<float>{9.0f}));
  EXPECT_EQ(part.block.points, 4u);
  EXPECT_EQ(part.granule_points, (std::vector<std::int64_t>{9, 1, 4}));
}

TEST(JournalFile, MergeOrdersPiecesByParent) {
  const auto c = test::count_and_mean_config();
  const auto high = slice_piece(sample(c), 3, 9, 4), low = slice_piece(sample(c), 0, 2, 4);
  const auto block = merge_pieces({high, low}, c, 4);
  EXPECT_EQ(block.parents, (std::vector<std::int64_t>{2, 9}));
  EXPECT_EQ(block.points, 7u);
  EXPECT_EQ(block.cells, sample(c).block.cells);
  EXPECT_EQ(block.columns[0].i32, sample(c).block.columns[0].i32);
  EXPECT_EQ(block.columns[1].f32, sample(c).block.columns[1].f32);
  EXPECT_THROW(merge_pieces({high, high}, c, 4), std::logic_error);
}

// Two granules whose beams wander over parents 1..6; granule 1 has two beams. Granule 0's rows
// cross blocks of 2^15 (headers of the rows' high bits between its points).
PointParts wandering_points(const HealpixGrid& grid) {
  std::vector<PointRef> part0, part1;
  const std::int64_t path0[] = {1, 1, 5, 5, 5, 2, 1, 6, 6, 3};
  const std::int64_t path1[] = {4, 4, 1, 2, 2, 6, 5, 5};
  for (std::uint32_t r = 0; r < 10; ++r)
    part0.push_back({grid.first_child(path0[r]) + r % 4, pack_granule_group(0, 0), r * 9000});
  for (std::uint32_t r = 0; r < 8; ++r)
    part1.push_back({grid.first_child(path1[r]), pack_granule_group(1, r < 4 ? 0 : 1), 3 * r});
  PointParts parts;
  parts.push_back(pack_points(part0));
  parts.push_back(pack_points(part1));
  return parts;
}

// The points of a run, each with its entry index, decoded from the run's state.
std::vector<std::pair<std::size_t, PointRef>> run_points(const PointParts& parts,
                                                         const WorkRun& run) {
  std::vector<std::pair<std::size_t, PointRef>> out;
  for_each_point(parts[run.part], run.begin, run.end, run.state,
                 [&](std::size_t i, const PointRef& p) { out.emplace_back(i, p); });
  return out;
}

// Every point in exactly one run; a run is one beam of one part, rows ascending, in one round;
// rounds are contiguous parent ranges, each ended by exactly one run marked ends_round, and
// within a round the runs keep (part, row) order.
// Grids whose parent bits lie in the points' low cell bits (orders 1/2), across them (1/7: a
// parent is 2^12 children), and above them (2/12: parents differ only by headers).
class RunJournalPrepareGrids : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(RunJournalPrepareGrids, SplitsPointsIntoRoundsWithoutMovingThem) {
  const auto c = test::count_and_mean_config();
  const HealpixGrid grid(GetParam().first, GetParam().second, LatitudeConvention::geodetic);
  Communicator mpi;
  RunJournal journal(mpi, temp_path("prep.nc"), std::string(64, 'a'), c, grid, 3);
  const auto parts = wandering_points(grid);
  RankPlan mine;
  mine.first_parent = 0;
  mine.last_parent = 12 * (std::int64_t{1} << (2 * GetParam().first)) - 1;
  const auto runs = journal.prepare(mine, parts);
  std::vector<std::vector<int>> seen(2);
  seen[0].assign(parts[0].size(), 0);
  seen[1].assign(parts[1].size(), 0);
  std::vector<std::vector<std::int64_t>> round_parents(1);
  std::pair<std::size_t, std::size_t> last{0, 0};
  for (const auto& run : runs) {
    ASSERT_LT(run.begin, run.end);
    EXPECT_TRUE(round_parents.back().empty() || std::make_pair(run.part, run.begin) > last);
    last = {run.part, run.begin};
    const auto points = run_points(parts, run);
    ASSERT_FALSE(points.empty());
    EXPECT_EQ(points.front().first, run.begin);   // a run begins with a point
    EXPECT_EQ(points.back().first + 1, run.end);  // and ends with one
    for (std::size_t k = 0; k < points.size(); ++k) {
      const auto& [i, p] = points[k];
      ++seen[run.part][i];
      EXPECT_EQ(p.granule_group, run.state.granule_group);
      if (k > 0) {
        EXPECT_GT(p.row, points[k - 1].second.row);
      }
      if (k + 1 == points.size()) {
        EXPECT_EQ(p.row, run.last_row);
      }
      round_parents.back().push_back(grid.parent_of(p.cell));
    }
    if (run.ends_round) round_parents.emplace_back();
  }
  EXPECT_TRUE(round_parents.back().empty());  // the last run ends a round
  round_parents.pop_back();
  for (std::size_t p = 0; p < seen.size(); ++p)
    for (std::size_t i = 0; i < seen[p].size(); ++i)
      EXPECT_LE(seen[p][i], 1) << "part " << p << " entry " << i;
  for (std::size_t p = 0; p < seen.size(); ++p)
    for_each_point(parts[p], [&](std::size_t i, const PointRef&) {
      EXPECT_EQ(seen[p][i], 1) << "part " << p << " entry " << i;
    });
  ASSERT_EQ(round_parents.size(), 3u);
  for (std::size_t r = 0; r + 1 < round_parents.size(); ++r)
    EXPECT_LT(*std::max_element(round_parents[r].begin(), round_parents[r].end()),
              *std::min_element(round_parents[r + 1].begin(), round_parents[r + 1].end()));
  // 18 points over 3 rounds of contiguous parents: {1, 2} (7 points), {3, 4, 5} (8), {6} (3)
  // by the cumulative rule (a parent starts round floor(points before it * 3 / 18)).
  EXPECT_EQ(round_parents[0].size(), 7u);
  EXPECT_EQ(round_parents[2], (std::vector<std::int64_t>{6, 6, 6}));
  // Beam order is kept: granule 1's two beams are separate runs, even on one parent.
  EXPECT_GT(runs.size(), 9u);
  // Each round's loads (what the aggregator reserves before the round): its parents, ascending,
  // each with the points the round's runs hold of it.
  for (std::size_t r = 0; r < round_parents.size(); ++r) {
    std::map<std::int64_t, std::int64_t> want;
    for (const auto p : round_parents[r]) ++want[p];
    std::map<std::int64_t, std::int64_t> got;
    std::int64_t previous = -1;
    for (const auto& l : journal.round_loads(r)) {
      EXPECT_GT(l.parent, previous) << "round " << r;
      previous = l.parent;
      got[l.parent] = l.points;
    }
    EXPECT_EQ(got, want) << "round " << r;
  }
  // The memory plan's bound (plan/pass_plan.hpp PassMemory): a round holds at most its share,
  // rounded up, and one parent more.
  std::map<std::int64_t, std::int64_t> per_parent;
  for (const auto& round : round_parents)
    for (const auto p : round) ++per_parent[p];
  std::int64_t largest = 0;
  for (const auto& [parent, n] : per_parent) largest = std::max(largest, n);
  EXPECT_EQ(journal.rounds_for(18), 3);
  for (const auto& round : round_parents)
    EXPECT_LE(static_cast<std::int64_t>(round.size()), (18 + 2) / 3 + largest);
}

INSTANTIATE_TEST_SUITE_P(ParentBits, RunJournalPrepareGrids,
                         ::testing::Values(std::pair{1, 2}, std::pair{1, 7}, std::pair{2, 12}));

// The default rounds: floor(points / the round size), 1 to 8.
TEST(RunJournalPrepare, AutoRoundsFollowThePoints) {
  constexpr auto k = RunJournal::kAutoRoundPoints;
  EXPECT_EQ(k, 4000000);
  EXPECT_EQ(RunJournal::auto_rounds(0), 1);
  EXPECT_EQ(RunJournal::auto_rounds(k - 1), 1);
  EXPECT_EQ(RunJournal::auto_rounds(2 * k - 1), 1);
  EXPECT_EQ(RunJournal::auto_rounds(2 * k), 2);
  EXPECT_EQ(RunJournal::auto_rounds(5 * k + 7), 5);
  EXPECT_EQ(RunJournal::auto_rounds(8 * k), 8);
  EXPECT_EQ(RunJournal::auto_rounds(1000 * k), RunJournal::kAutoMaxRounds);
  EXPECT_EQ(RunJournal::kAutoMaxRounds, 8);
  // The memory's limit: ceil(points / most_points) rounds at least.
  EXPECT_EQ(RunJournal::auto_rounds(17, {6, 1000}), 2);
  EXPECT_EQ(RunJournal::auto_rounds(17, {6, 3}), 6);
  EXPECT_EQ(RunJournal::auto_rounds(18, {6, 3}), 6);
  EXPECT_EQ(RunJournal::auto_rounds(19, {6, 3}), 7);
  EXPECT_EQ(RunJournal::auto_rounds(1000, {6, 3}), 8);
  EXPECT_EQ(RunJournal::auto_rounds(5 * k, {k, 2 * k}), 5);
  EXPECT_EQ(RunJournal::auto_rounds(k / 2, {k, k / 8}), 4);

  // prepare() with kAutoRounds on the 18 wandering points (parents 1..6 holding 4, 3, 1, 2, 5, 3):
  // one round at the default size; 18 / 6 = 3 rounds at a size of 6 (the cumulative rule's
  // {1, 2}, {3, 4, 5}, {6}); an explicit count is kept as given. Each round's parents counted.
  const auto c = test::count_and_mean_config();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  Communicator mpi;
  RankPlan mine;
  mine.first_parent = 0;
  mine.last_parent = 47;
  const auto parts = wandering_points(grid);
  const auto rounds = [&](int count, std::int64_t size, std::int64_t most = 1000) {
    RunJournal journal(mpi, temp_path("auto.nc"), std::string(64, 'a'), c, grid, count,
                       {size, most});
    EXPECT_TRUE(journal.enabled());
    const auto runs = journal.prepare(mine, parts);
    std::vector<std::size_t> parents;
    const auto n =
        std::count_if(runs.begin(), runs.end(), [](const WorkRun& r) { return r.ends_round; });
    for (long r = 0; r < n; ++r)
      parents.push_back(journal.round_loads(static_cast<std::size_t>(r)).size());
    return parents;
  };
  EXPECT_EQ(rounds(RunJournal::kAutoRounds, k), (std::vector<std::size_t>{6}));
  EXPECT_EQ(rounds(RunJournal::kAutoRounds, 6), (std::vector<std::size_t>{2, 3, 1}));
  // 8 rounds at a size of 1 (18 points: 18 rounds' worth); the cumulative rule leaves 3 of them
  // empty: {1}, {2}, {3, 4}, {5}, {6}.
  EXPECT_EQ(rounds(RunJournal::kAutoRounds, 1), (std::vector<std::size_t>{1, 1, 2, 1, 1}));
  EXPECT_EQ(rounds(2, 6), (std::vector<std::size_t>{4, 2}));
  // A memory limit of 9 points a round: 2 rounds where the size alone gives 1; an explicit
  // count ignores it.
  EXPECT_EQ(rounds(RunJournal::kAutoRounds, 100, 9), (std::vector<std::size_t>{4, 2}));
  EXPECT_EQ(rounds(1, 100, 9), (std::vector<std::size_t>{6}));
}

// What the memory plan asks of the journal: the rounds a rank's computed points are cut into.
TEST(RunJournalPrepare, RoundsForFollowTheSetting) {
  const auto c = test::count_and_mean_config();
  const HealpixGrid grid(2, 6, LatitudeConvention::geodetic);
  Communicator mpi;
  const std::string key(64, 'a');
  constexpr auto k = RunJournal::kAutoRoundPoints;
  RunJournal fixed(mpi, temp_path("fixed.nc"), key, c, grid, 3);
  EXPECT_EQ(fixed.rounds_for(0), 3);
  EXPECT_EQ(fixed.rounds_for(100 * k), 3);
  RunJournal off(mpi, temp_path("off.nc"), key, c, grid, 0);
  EXPECT_EQ(off.rounds_for(100 * k), 1);  // no journal: one round
  RunJournal automatic(mpi, temp_path("auto.nc"), key, c, grid, RunJournal::kAutoRounds, {6, 3});
  EXPECT_EQ(automatic.rounds_for(19), RunJournal::auto_rounds(19, {6, 3}));
  EXPECT_EQ(automatic.rounds_for(19), 7);
  automatic.turn_off();
  EXPECT_EQ(automatic.rounds_for(19), 1);
}

// A part as the exchange delivers it: runs of one beam and parent that another rank sent with
// its headers each. The round loads count the points, not the headers between them.
TEST(RunJournalPrepare, RoundLoadsCountPointsNotHeaders) {
  const auto c = test::count_and_mean_config();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  Communicator mpi;
  RunJournal journal(mpi, temp_path("hdr.nc"), std::string(64, 'a'), c, grid, 1);
  const auto gg = pack_granule_group(0, 1);
  std::uint32_t row = 0;
  PointParts parts(1);
  const auto add = [&](bool headers, std::int64_t parent, int k) {
    const std::int64_t cell = grid.first_child(parent) + k;
    if (headers) {
      PointEntry h[3 * PointEntry::kHeaderEntries];
      parts[0].insert(parts[0].end(), h, h + write_headers({}, PointState::of({cell, gg, row}), h));
    }
    parts[0].push_back(PointEntry::point(cell, row++));
  };
  add(true, 3, 0);
  add(false, 3, 1);
  add(true, 3, 2);
  add(true, 4, 0);
  RankPlan mine;
  mine.first_parent = 0;
  mine.last_parent = 47;
  const auto runs = journal.prepare(mine, parts);
  ASSERT_EQ(runs.size(), 1u);  // one beam, one round, headers between: one run
  EXPECT_EQ(runs[0].begin, 3 * PointEntry::kHeaderEntries);
  EXPECT_EQ(runs[0].end, parts[0].size());
  EXPECT_EQ(runs[0].state.granule_group, gg);
  EXPECT_EQ(runs[0].last_row, 3u);
  ASSERT_EQ(journal.round_loads(0).size(), 2u);
  EXPECT_EQ(journal.round_loads(0)[0].parent, 3);
  EXPECT_EQ(journal.round_loads(0)[0].points, 3);
  EXPECT_EQ(journal.round_loads(0)[1].parent, 4);
  EXPECT_EQ(journal.round_loads(0)[1].points, 1);
}

// Journaled parents of a previous run are loaded, and their points are in no run.
TEST(RunJournalPrepare, LeavesOutJournaledParents) {
  const auto c = test::count_and_mean_config();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  Communicator mpi;
  const auto out = temp_path("skip.nc");
  const std::string key(64, 'a');
  RunJournal journal(mpi, out, key, c, grid, 2);
  ASSERT_EQ(journal.open(), "");
  JournalPiece piece;
  piece.covered = {5};
  piece.block.parents = {5};
  piece.block.cells = {20};
  piece.block.points = 4;
  OutputColumn n, m;
  n.spec = &c.statistics[0];
  n.i32 = {4};
  m.spec = &c.statistics[1];
  m.f32 = {1.0f};
  piece.block.columns = {n, m};
  piece.granule_points = {5, 0, 3, 5, 1, 1};
  write_piece(journal.directory() + "/p5-5.round", key, piece, 4);
  const auto parts = wandering_points(grid);
  RankPlan mine;
  mine.first_parent = 0;
  mine.last_parent = 47;
  const auto runs = journal.prepare(mine, parts);
  std::size_t points = 0;
  for (const auto& run : runs)
    for (const auto& [i, p] : run_points(parts, run)) {
      EXPECT_NE(grid.parent_of(p.cell), 5);
      ++points;
    }
  EXPECT_EQ(points, 18u - 5u);  // parent 5 holds 3 points of granule 0 and 2 of granule 1
  EXPECT_EQ(journal.reused_points(), 4);
  journal.remove();
}

// Round files of runs at other rank counts may overlap: a piece overlapping parents already
// loaded is left out whole, so no parent's points are counted twice.
TEST(RunJournalPrepare, LeavesOutPiecesOverlappingLoadedParents) {
  const auto c = test::count_and_mean_config();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  Communicator mpi;
  const auto out = temp_path("overlap.nc");
  const std::string key(64, 'a');
  RunJournal journal(mpi, out, key, c, grid, 2);
  ASSERT_EQ(journal.open(), "");
  auto piece = [&](std::vector<std::int64_t> covered, std::vector<std::int64_t> parents,
                   std::int32_t points_each) {
    JournalPiece p;
    p.covered = std::move(covered);
    p.block.parents = parents;
    p.block.points = static_cast<std::uint64_t>(points_each) * parents.size();
    OutputColumn n, m;
    n.spec = &c.statistics[0];
    m.spec = &c.statistics[1];
    for (const auto parent : parents) {
      p.block.cells.push_back(grid.first_child(parent));
      n.i32.push_back(points_each);
      m.f32.push_back(1.0f);
      p.granule_points.insert(p.granule_points.end(), {parent, 0, points_each});
    }
    p.block.columns = {n, m};
    return p;
  };
  // "p4-6" sorts first and is loaded; "p5-5" overlaps its parent 5 and is left out.
  write_piece(journal.directory() + "/p4-6.round", key, piece({4, 5, 6}, {5, 6}, 3), 4);
  write_piece(journal.directory() + "/p5-5.round", key, piece({5}, {5}, 4), 4);
  const auto parts = wandering_points(grid);
  RankPlan mine;
  mine.first_parent = 0;
  mine.last_parent = 47;
  journal.prepare(mine, parts);
  EXPECT_EQ(journal.reused_points(), 6);  // parents 5 and 6 of the first piece, once
  journal.remove();
}

TEST(InputsDigest, DependsOnEveryInputButNotOnOrderOrDirectory) {
  RunInputs a;
  a.config_text = "grid: {parent_order: 6}\n";
  a.bad_granule = "fail";
  a.granules = {{"/x/B.h5", "B.h5", 20}, {"/x/A.h5", "A.h5", 10}};
  const auto base = inputs_sha256(a);
  EXPECT_EQ(base, digest_hex(inputs_text(a), "SHA-256"));
  EXPECT_EQ(base.size(), 64u);
  auto moved = a;  // other directories, other order: the same inputs
  moved.granules = {{"/y/A.h5", "A.h5", 10}, {"/y/B.h5", "B.h5", 20}};
  EXPECT_EQ(inputs_sha256(moved), base);
  auto changed = a;
  changed.granules[0].bytes = 21;
  EXPECT_NE(inputs_sha256(changed), base);
  changed = a;
  changed.overrides = "child_order=10";
  EXPECT_NE(inputs_sha256(changed), base);
  changed = a;
  changed.config_text += " ";
  EXPECT_NE(inputs_sha256(changed), base);
  changed = a;
  changed.bad_granule = "skip";
  EXPECT_NE(inputs_sha256(changed), base);
  changed = a;
  changed.catalog_sha256 = "00";
  EXPECT_NE(inputs_sha256(changed), base);
  // Lengths are spelled out: moving text between fields changes the hash.
  changed = a;
  changed.config_text = "grid: {parent_order: 6}";
  changed.overrides = "\n";
  EXPECT_NE(inputs_sha256(changed), base);
  EXPECT_NE(inputs_text(a).find("granule 7:A.h5 10\n"), std::string::npos);
}

}  // namespace
}  // namespace healgrid
