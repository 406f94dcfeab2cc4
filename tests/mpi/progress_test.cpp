// Progress reporting on real MPI ranks: every rank's end reaches rank 0 exactly once, and the
// live progress file (through the run's observer) shows each rank's planned range running,
// then done or failed, with the ranges and counts of the plan; and each round a rank completes
// reaches rank 0 at once and advances the file's done count by that round's parents.
#include "healgrid/pipeline/progress.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "healgrid/pipeline/run_observers.hpp"

namespace healgrid {
namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Parents 0..3*size-1, parent p holding p + 1 points.
WorkPlan plan_for(int ranks) {
  std::vector<ParentLoad> loads;
  for (int p = 0; p < 3 * ranks; ++p) loads.push_back({p, p + 1});
  return make_plan(loads, ranks);
}

TEST(Progress, EveryRankFinishesOnceAndTheProgressFileFollows) {
  const auto c = Communicator::world();
  std::string output = ::testing::TempDir() + "healgrid_progress_" + std::to_string(::getpid());
  c.bcast(output);
  const HealpixGrid grid(1, 3, LatitudeConvention::geodetic);
  ProgressFileObserver file(c, grid, output + ".nc");
  const auto plan = plan_for(c.size);
  if (c.is_root()) {
    file.on_plan(plan);
    const auto j = read_json(output + ".nc.progress.json");
    EXPECT_EQ(j["state"], "aggregating");
    EXPECT_EQ(j["parent_cells"]["planned"], 3 * c.size);
    EXPECT_EQ(j["latitude_convention"], "geodetic");
    for (int r = 0; r < c.size; ++r) EXPECT_EQ(j["ranges"][r]["state"], "running");
  }
  std::vector<int> finished;
  {
    PhaseProgress progress(c, "read+aggregate", 0.0, true);
    progress.on_rank_finished([&](int rank) {
      finished.push_back(rank);
      file.on_rank_finished(rank);
    });
    for (int t = 1; t <= 20; ++t) progress.update(t, 20, 100 * t);
    progress.finish(20, 20, 2000, plan.ranks[c.rank].planned_parents);
  }
  if (!c.is_root()) {
    EXPECT_TRUE(finished.empty());
    return;
  }
  std::sort(finished.begin(), finished.end());
  std::vector<int> every(c.size);
  for (int r = 0; r < c.size; ++r) every[r] = r;
  EXPECT_EQ(finished, every);
  auto j = read_json(output + ".nc.progress.json");
  EXPECT_EQ(j["parent_cells"]["done"], 3 * c.size);
  std::int64_t first = 0;
  for (int r = 0; r < c.size; ++r) {
    EXPECT_EQ(j["ranges"][r]["state"], "done");
    EXPECT_EQ(j["ranges"][r]["first"], first);
    EXPECT_EQ(j["ranges"][r]["count"], plan.ranks[r].planned_parents);
    first += plan.ranks[r].planned_parents;
  }
  // A failure naming the last rank marks its range failed and records the message.
  file.on_failed({"rank " + std::to_string(c.size - 1) + ": cannot read x.h5"});
  j = read_json(output + ".nc.progress.json");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_EQ(j["ranges"][c.size - 1]["state"], "failed");
  // Its completed rounds stay done (journaled), none is counted failed twice.
  EXPECT_EQ(j["parent_cells"]["done"], 3 * c.size);
  EXPECT_EQ(j["parent_cells"]["failed"], 0);
  EXPECT_EQ(j["errors"][0], "rank " + std::to_string(c.size - 1) + ": cannot read x.h5");
  file.on_complete(RunFigures{});
  EXPECT_NE(::access((output + ".nc.progress.json").c_str(), F_OK), 0) << "not removed";
}

// Every rank reports its parents one round per parent, pausing between rounds: rank 0's file
// must count them one by one (strictly between 0 and all before the ranks end), in done_spans.
TEST(Progress, EachRoundAdvancesTheProgressFile) {
  const auto c = Communicator::world();
  std::string output = ::testing::TempDir() + "healgrid_rounds_" + std::to_string(::getpid());
  c.bcast(output);
  const HealpixGrid grid(1, 3, LatitudeConvention::geodetic);
  ProgressFileObserver file(c, grid, output + ".nc");
  const auto plan = plan_for(c.size);
  if (c.is_root()) file.on_plan(plan);
  const std::int64_t total = 3 * c.size;
  std::vector<std::int64_t> done_after_round;  // rank 0: the file's count after each report
  {
    PhaseProgress progress(c, "read+aggregate", 1000.0, true);
    progress.on_rank_finished([&](int rank) { file.on_rank_finished(rank); });
    progress.on_round_done([&](int rank, std::int64_t first, std::int64_t last) {
      file.on_rank_round(rank, first, last);
      done_after_round.push_back(read_json(output + ".nc.progress.json")["parent_cells"]["done"]);
    });
    const auto& mine = plan.ranks[c.rank];
    std::int64_t t = 0;
    for (std::int64_t p = mine.first_parent; p <= mine.last_parent; ++p) {
      progress.round_done(p, p);
      ++t;
      progress.update(t, mine.planned_parents, t);
      ::usleep(20000);
    }
    progress.finish(t, t, t, mine.planned_parents);
  }
  if (!c.is_root()) {
    EXPECT_TRUE(done_after_round.empty());
    return;
  }
  ASSERT_EQ(static_cast<std::int64_t>(done_after_round.size()), total);
  for (std::int64_t i = 0; i < total; ++i) EXPECT_EQ(done_after_round[i], i + 1) << "report " << i;
  const auto j = read_json(output + ".nc.progress.json");
  EXPECT_EQ(j["parent_cells"]["done"], total);
  for (int r = 0; r < c.size; ++r) {
    EXPECT_EQ(j["ranges"][r]["done_parents"], plan.ranks[r].planned_parents);
    // One merged span: the rank's whole range, as indexes into planned_parents.
    ASSERT_EQ(j["ranges"][r]["done_spans"].size(), 1u);
    EXPECT_EQ(j["ranges"][r]["done_spans"][0][0], j["ranges"][r]["first"]);
    EXPECT_EQ(j["ranges"][r]["done_spans"][0][1], plan.ranks[r].planned_parents);
  }
  file.on_complete(RunFigures{});
}

}  // namespace
}  // namespace healgrid
