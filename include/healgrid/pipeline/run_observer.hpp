// What watches a run without changing its result: the console log, the live progress file, the
// restart journal's round files, the metrics file. Each is a RunObserver; the phases report to
// all of them through one RunObservers list, at phase boundaries and a few events, never per
// point (the read loop stays free of virtual calls).
//
// Which ranks call what: on_phase_begin/on_phase_end, on_round_committed, on_complete and
// on_failed are called on every rank (on_complete and on_failed may use collectives: every rank
// calls them at the same point); on_note, on_plan, on_rank_finished and on_rank_round on rank 0
// only; on_aborting on the one rank that aborts the job.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "healgrid/pipeline/journal.hpp"
#include "healgrid/pipeline/run_metrics.hpp"
#include "healgrid/plan/work_plan.hpp"

namespace healgrid {

enum class Phase { resolve, index, plan, aggregate, write };
const char* to_string(Phase phase);  // "resolve", ..., "read+aggregate", "write"

// The run's figures as the phases fill them in (totals over all ranks unless noted).
struct RunFigures {
  int ranks = 1;
  long long granules = 0, granules_skipped = 0;
  long long rows_scanned = 0, planned_points = 0, planned_parents = 0;  // rank 0
  long long rows_without_position = 0;  // rank 0: scanned rows without a valid lat/lon
  // Every index pass (one, or one more per memory pass), rank 0: rows read, the rows of the
  // beams they indexed (fewer read: the segment pre-selection), beams read whole after all.
  long long index_rows_read = 0, index_rows_in_beams = 0, preselection_fallbacks = 0;
  long long rows_read = 0, points_used = 0, cells_with_data = 0, parent_cells = 0;
  struct Seconds {
    double resolve = 0, index = 0, plan = 0, aggregate = 0, write = 0, total = 0;
    double read_bin = 0, reduce = 0;  // this rank's split of aggregate
    // This rank's own work, not its waits for the others: indexing (the index phase), each
    // pass's points indexed again or read back (passes only), reading and reducing its cells.
    double index_busy = 0, passes_busy = 0, aggregate_busy = 0;
  } seconds;
  RankBusySeconds busy;               // rank 0, at completion: every rank's busy seconds above
  std::uint64_t bytes_per_point = 0;  // this rank's aggregator
  long long output_bytes = 0;         // once written
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_phase_begin(Phase, const RunFigures&) {}
  virtual void on_phase_end(Phase, const RunFigures&) {}
  // A line for the log (rank 0), e.g. what the journal resumes.
  virtual void on_note(const std::string&) {}
  // Rank 0, once every rank's work is fixed and before the reads start; no collective call
  // follows until the write, so nothing here holds a rank back.
  virtual void on_plan(const WorkPlan&) {}
  // This rank reduced one round of its parent cells.
  virtual void on_round_committed(const JournalPiece&) {}
  // Rank 0: `rank` (itself included) finished its parent cells.
  virtual void on_rank_finished(int) {}
  // Rank 0: `rank` completed a round, its planned parents with ids in [first, last].
  virtual void on_rank_round(int, std::int64_t, std::int64_t) {}
  // The output is complete (every rank; collective).
  virtual void on_complete(const RunFigures&) {}
  // The run failed, every rank agreeing; `messages` (rank 0: every failing rank's) say why.
  virtual void on_failed(const std::vector<std::string>&) {}
  // This rank alone is about to abort the MPI job (the write failed; util/fault.hpp prints
  // the message): record it where it outlives the job.
  virtual void on_aborting(const std::string&) {}
};

// The observers of one run, called in the order they were added.
class RunObservers {
 public:
  void add(std::unique_ptr<RunObserver> observer) { list_.push_back(std::move(observer)); }

  void phase_begin(Phase p, const RunFigures& f) { each(&RunObserver::on_phase_begin, p, f); }
  void phase_end(Phase p, const RunFigures& f) { each(&RunObserver::on_phase_end, p, f); }
  void note(const std::string& line) {
    if (!line.empty()) each(&RunObserver::on_note, line);
  }
  void plan(const WorkPlan& plan) { each(&RunObserver::on_plan, plan); }
  void round_committed(const JournalPiece& p) { each(&RunObserver::on_round_committed, p); }
  void rank_finished(int rank) { each(&RunObserver::on_rank_finished, rank); }
  void rank_round(int rank, std::int64_t first, std::int64_t last) {
    each(&RunObserver::on_rank_round, rank, first, last);
  }
  void complete(const RunFigures& f) { each(&RunObserver::on_complete, f); }
  void failed(const std::vector<std::string>& m) { each(&RunObserver::on_failed, m); }
  void aborting(const std::string& message) { each(&RunObserver::on_aborting, message); }

 private:
  template <typename Hook, typename... Args>
  void each(Hook hook, const Args&... args) {
    for (auto& o : list_) ((*o).*hook)(args...);
  }
  std::vector<std::unique_ptr<RunObserver>> list_;
};

}  // namespace healgrid
