#include "healgrid/pipeline/run_observers.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/run_metrics.hpp"

namespace healgrid {

const char* to_string(Phase phase) {
  switch (phase) {
    case Phase::resolve:
      return "resolve";
    case Phase::index:
      return "index";
    case Phase::plan:
      return "plan";
    case Phase::aggregate:
      return "read+aggregate";
    case Phase::write:
      return "write";
  }
  return "?";
}

ConsoleLog::ConsoleLog(const Communicator& comm, const HealpixGrid& grid, std::string output,
                       bool quiet)
    : comm_(comm), grid_(grid), output_(std::move(output)), quiet_(quiet) {}

void ConsoleLog::on_phase_end(Phase phase, const RunFigures& f) {
  if (!comm_.is_root() || quiet_) return;
  const auto& s = f.seconds;
  if (phase == Phase::resolve)
    std::printf(
        "[resolve] %lld granules, %.2f s (parent order %d, child order %d, %s latitude, %d "
        "ranks)\n",
        f.granules, s.resolve, grid_.parent_order(), grid_.child_order(),
        to_string(grid_.convention()), f.ranks);
  if (phase == Phase::plan)  // the index figures are complete once planned
    std::printf(
        "[index] %lld rows scanned, %lld without a valid position, %lld points pass filters, "
        "%lld parent cells with data, %.2f s\n[plan] %lld parent cells over %d ranks, %.2f s\n",
        f.rows_scanned, f.rows_without_position, f.planned_points, f.planned_parents, s.index,
        f.planned_parents, f.ranks, s.plan);
  std::fflush(stdout);
}

void ConsoleLog::on_note(const std::string& line) {
  if (!comm_.is_root() || quiet_) return;
  std::printf("%s%s", line.c_str(), line.back() == '\n' ? "" : "\n");
  std::fflush(stdout);
}

namespace {

// "A-B s (rank R slowest)": the least and the most of the ranks' figures, R the first rank
// with the most.
std::string spread(const std::vector<double>& busy) {
  const auto low = std::min_element(busy.begin(), busy.end());
  const auto high = std::max_element(busy.begin(), busy.end());
  char text[96];
  std::snprintf(text, sizeof text, "%.2f-%.2f s (rank %td slowest)", *low, *high,
                high - busy.begin());
  return text;
}

// The spread of the ranks' own work: what the slowest costs the others in waiting.
void print_busy(const RunFigures& f) {
  const auto& busy = f.busy;
  const bool passes =
      std::any_of(busy.passes.begin(), busy.passes.end(), [](double s) { return s > 0; });
  std::printf("  ranks' own work: index %s, %sread+aggregate %s; the rest of a phase is waiting\n",
              spread(busy.index).c_str(),
              passes ? ("passes' points " + spread(busy.passes) + ", ").c_str() : "",
              spread(busy.read_aggregate).c_str());
}

}  // namespace

void ConsoleLog::on_complete(const RunFigures& f) {
  if (!comm_.is_root()) return;
  const auto& s = f.seconds;
  std::printf(
      "healgrid run: done. %lld granules (%lld skipped), %lld rows read, %lld points used, "
      "%lld cells with data in %lld parent cells\n"
      "  seconds: resolve %.2f, index %.2f, plan %.2f, read+aggregate %.2f, write %.2f, "
      "total %.2f\n"
      "  %.3g points/s (%.3g per rank), output %s: %.1f MB\n",
      f.granules, f.granules_skipped, f.rows_read, f.points_used, f.cells_with_data, f.parent_cells,
      s.resolve, s.index, s.plan, s.aggregate, s.write, s.total, f.points_used / s.total,
      f.points_used / s.total / f.ranks, output_.c_str(), f.output_bytes / 1e6);
  if (f.busy.index.size() > 1) print_busy(f);
  std::fflush(stdout);
  if (f.cells_with_data == 0)  // points passed the filters, but no statistic has a value
    std::fprintf(stderr,
                 "healgrid run: warning: no cell has data in %s: every value of the statistics' "
                 "variables was missing (a fill value, NaN or outside its valid range)\n",
                 output_.c_str());
}

void ConsoleLog::on_failed(const std::vector<std::string>& messages) {
  print_errors(comm_, messages);
}

void ConsoleLog::print_errors(const Communicator& comm, const std::vector<std::string>& messages) {
  if (!comm.is_root()) return;
  for (const auto& m : messages) std::fprintf(stderr, "healgrid run: error: %s\n", m.c_str());
  std::fflush(stderr);
}

ProgressFileObserver::ProgressFileObserver(const Communicator& comm, const HealpixGrid& grid,
                                           std::string output)
    : comm_(comm), grid_(grid), output_(std::move(output)) {}

void ProgressFileObserver::on_plan(const WorkPlan& plan) {
  file_.emplace(comm_.is_root(), output_, grid_.parent_order(), grid_.child_order(),
                to_string(grid_.convention()), comm_.size);
  file_->planned(plan);
}

void ProgressFileObserver::on_rank_finished(int rank) {
  if (file_) file_->rank_finished(rank);
}

void ProgressFileObserver::on_rank_round(int rank, std::int64_t first, std::int64_t last) {
  if (file_) file_->round_done(rank, first, last);
}

void ProgressFileObserver::on_phase_begin(Phase phase, const RunFigures&) {
  if (file_ && phase == Phase::write) file_->writing();
}

void ProgressFileObserver::on_complete(const RunFigures&) {
  if (file_) file_->complete();
}

void ProgressFileObserver::on_failed(const std::vector<std::string>& messages) {
  if (file_) file_->failed(messages);
}

void ProgressFileObserver::on_aborting(const std::string& message) {
  if (file_) file_->failed({message});
}

void MetricsObserver::on_complete(const RunFigures& f) {
  if (path_.empty()) return;
  RunMetrics m;
  m.granules = f.granules;
  m.rows_read = f.rows_read;
  m.points_used = f.points_used;
  m.cells_with_data = f.cells_with_data;
  m.parent_cells = f.parent_cells;
  m.resolve = f.seconds.resolve;
  m.index = f.seconds.index;
  m.plan = f.seconds.plan;
  m.read_bin = f.seconds.read_bin;
  m.reduce = f.seconds.reduce;
  m.write = f.seconds.write;
  m.total = f.seconds.total;
  m.bytes_per_point = f.bytes_per_point;
  m.output_bytes = f.output_bytes;
  m.index_rows_read = f.index_rows_read;
  m.index_rows_in_beams = f.index_rows_in_beams;
  m.preselection_fallbacks = f.preselection_fallbacks;
  m.rows_without_position = f.rows_without_position;
  m.busy = f.busy;
  // The output is complete; the run still fails: a metrics file asked for is not there.
  if (const auto why = write_metrics_json(comm_, path_, m); !why.empty())
    throw RunFailure(kExitFailure,
                     {"--metrics-json " + path_ + ": cannot write the metrics file (" + why +
                      "); the output is complete"});
}

}  // namespace healgrid
