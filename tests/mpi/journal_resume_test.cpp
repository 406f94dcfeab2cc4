// Journal resume across rank counts, on real MPI ranks and real round files: rank 0 alone (a
// 1-rank run killed after its rounds were journaled) computes and journals every parent cell;
// then every rank of the test's mpirun, with its own parent range of a plan for that many
// ranks, resumes: it must load its parents' results, read no point, and the blocks of all
// ranks together must equal the 1-rank block, value for value, with the same points per granule.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../unit/test_configs.hpp"
#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/pipeline/journal.hpp"
#include "healgrid/util/mpi_handles.hpp"

namespace healgrid {
namespace {

// Points of 2 granules over parents 2..40 (4 children each), in (granule, group, row) order.
std::vector<std::vector<PointRef>> all_points() {
  std::vector<std::vector<PointRef>> parts(2);
  for (std::uint32_t g = 0; g < 2; ++g)
    for (std::uint32_t row = 0; row < 300; ++row) {
      const std::int64_t parent = 2 + (row * 7 + g * 3) % 39;
      parts[g].push_back({parent * 4 + (row + g) % 4, pack_granule_group(g, 0), row});
    }
  return parts;
}

PointParts packed(const std::vector<std::vector<PointRef>>& points) {
  PointParts parts;
  for (const auto& p : points) parts.push_back(pack_points(p));
  return parts;
}

double value_of(const PointRef& p) { return 100.0 + p.row * 0.25 + p.granule() * 1000.0; }

// A rank's work as the read loop does it: every run read, each round committed (and written).
GridBlock run_rounds(RunJournal& journal, const PipelineConfig& config, const HealpixGrid& grid,
                     const RankPlan& mine, const PointParts& parts,
                     std::vector<long long>& granule_points, std::size_t& points_read) {
  CellAggregator aggregator(config, grid);
  for (const auto& run : journal.prepare(mine, parts)) {
    for_each_point(parts[run.part], run.begin, run.end, run.state,
                   [&](std::size_t, const PointRef& p) {
                     const double v = value_of(p);
                     aggregator.add_point(p.cell, &v);
                     journal.count(p.cell, p.granule());
                     ++granule_points[p.granule()];
                     ++points_read;
                   });
    if (run.ends_round) journal.write_round(journal.commit(aggregator.finalize()));
  }
  return journal.assemble(granule_points);
}

// Parents, cells and the columns' bits as int64 words, for one gather.
std::vector<std::int64_t> words_of(const GridBlock& b) {
  std::vector<std::int64_t> w(b.parents.begin(), b.parents.end());
  w.insert(w.end(), b.cells.begin(), b.cells.end());
  for (const auto n : b.columns[0].i32) w.push_back(n);
  for (const auto f : b.columns[1].f32) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    w.push_back(bits);
  }
  return w;
}

// The 1-rank block against a direct count and mean per child cell: every cell with points, in
// id order, and no other.
void expect_counts_and_means(const std::vector<std::int64_t>& words,
                             const std::vector<std::vector<PointRef>>& parts,
                             const std::vector<ParentLoad>& loads) {
  std::map<std::int64_t, std::pair<double, std::int64_t>> direct;  // cell: sum, n
  for (const auto& part : parts)
    for (const auto& p : part) {
      direct[p.cell].first += value_of(p);
      ++direct[p.cell].second;
    }
  const std::size_t np = loads.size(), cells = direct.size();
  ASSERT_EQ(words.size(), np + 3 * cells);
  for (std::size_t i = 0; i < np; ++i) ASSERT_EQ(words[i], loads[i].parent);
  std::size_t at = 0;
  for (const auto& [cell, sum_n] : direct) {
    EXPECT_EQ(words[np + at], cell);
    EXPECT_EQ(words[np + cells + at], sum_n.second);
    float mean;
    const auto bits = static_cast<std::uint32_t>(words[np + 2 * cells + at]);
    std::memcpy(&mean, &bits, sizeof mean);
    EXPECT_NEAR(mean, sum_n.first / static_cast<double>(sum_n.second), 1e-3);
    ++at;
  }
}

TEST(JournalResume, RoundsOfAOneRankRunResumeAtAnyRankCount) {
  const auto world = Communicator::world();
  const auto config = test::count_and_mean_config();
  const HealpixGrid grid(1, 2, LatitudeConvention::authalic);
  std::string output = ::testing::TempDir() + "healgrid_resume_" + std::to_string(::getpid());
  world.bcast(output);  // one path for every rank: rank 0's
  const std::string key(64, 'k');
  const auto refs = all_points();
  const auto parts = packed(refs);
  std::vector<ParentLoad> loads;
  for (const auto& part : refs)
    for (const auto& p : part) loads.push_back({grid.parent_of(p.cell), 1});
  loads = merge_loads(std::move(loads));

  // The killed 1-rank run: rank 0 alone, 3 rounds journaled.
  std::vector<std::int64_t> alone;
  std::vector<long long> alone_points(2, 0);
  {
    const auto solo = OwnedCommunicator::split(world, world.rank == 0 ? 0 : MPI_UNDEFINED, 0);
    if (solo.valid()) {
      RunJournal journal(solo.get(), output, key, config, grid, 3);
      journal.open();
      std::size_t read = 0;
      alone = words_of(run_rounds(journal, config, grid, make_plan(loads, 1).ranks[0], parts,
                                  alone_points, read));
      EXPECT_EQ(read, 600u);
      expect_counts_and_means(alone, refs, loads);
    }
  }
  world.sum(0);  // the journal is complete before any rank resumes

  // The rerun at world.size ranks: each its own range of a new plan, its points only.
  RunJournal journal(world, output, key, config, grid, 3);
  if (world.is_root()) {
    EXPECT_NE(journal.open().find("resuming"), std::string::npos);
  }
  const auto mine = make_plan(loads, world.size).ranks[world.rank];
  std::vector<std::vector<PointRef>> my_points(refs.size());
  for (std::size_t g = 0; g < refs.size(); ++g)
    for (const auto& p : refs[g])
      if (!mine.empty() && grid.parent_of(p.cell) >= mine.first_parent &&
          grid.parent_of(p.cell) <= mine.last_parent)
        my_points[g].push_back(p);
  const auto my_parts = packed(my_points);
  std::vector<long long> points(2, 0);
  std::size_t read = 0;
  const auto block = run_rounds(journal, config, grid, mine, my_parts, points, read);
  EXPECT_EQ(read, 0u) << "rank " << world.rank << " recomputed journaled parents";
  EXPECT_EQ(journal.reused_points(), mine.planned_points);

  // Rank order = parent order: the ranks' blocks laid end to end are the 1-rank block.
  const auto sizes = world.gather(static_cast<long long>(block.parents.size()));
  const auto cell_sizes = world.gather(static_cast<long long>(block.cells.size()));
  const auto words = world.gather(words_of(block));
  world.sum_in_place(points);
  EXPECT_EQ(points, (std::vector<long long>{300, 300}));
  if (world.is_root()) {
    // Each rank's words are [n parents | m cells | m counts | m means]: regroup column by column.
    std::vector<std::int64_t> parents, cells, counts, means;
    std::size_t at = 0;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      const auto take = [&](std::vector<std::int64_t>& to, long long k) {
        to.insert(to.end(), words.begin() + static_cast<long>(at),
                  words.begin() + static_cast<long>(at + k));
        at += static_cast<std::size_t>(k);
      };
      take(parents, sizes[r]);
      take(cells, cell_sizes[r]);
      take(counts, cell_sizes[r]);
      take(means, cell_sizes[r]);
    }
    ASSERT_EQ(at, words.size());
    std::vector<std::int64_t> whole = parents;
    whole.insert(whole.end(), cells.begin(), cells.end());
    whole.insert(whole.end(), counts.begin(), counts.end());
    whole.insert(whole.end(), means.begin(), means.end());
    EXPECT_EQ(parents.size(), loads.size());  // every parent with points, once
    EXPECT_EQ(whole, alone);
  }
  journal.remove();
}

}  // namespace
}  // namespace healgrid
