// The observers `healgrid run` attaches (pipeline/run_observer.hpp): each adapts one existing
// piece to the run's events.
//   ConsoleLog           rank 0's console: phase lines, notes, the summary, the errors
//   ProgressFileObserver rank 0's live progress file (pipeline/progress_file.hpp), from the plan on
//   JournalObserver      writes each reduced round to the restart journal; removes the journal
//                        once the output is complete (pipeline/journal.hpp)
//   MetricsObserver      --metrics-json: the figures as JSON (pipeline/run_metrics.hpp)
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/pipeline/journal.hpp"
#include "healgrid/pipeline/progress_file.hpp"
#include "healgrid/pipeline/run_observer.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

class ConsoleLog : public RunObserver {
 public:
  // Lines print on rank 0; `quiet` keeps the summary and the errors only.
  ConsoleLog(const Communicator& comm, const HealpixGrid& grid, std::string output, bool quiet);
  void on_phase_end(Phase phase, const RunFigures& f) override;
  void on_note(const std::string& line) override;
  void on_complete(const RunFigures& f) override;
  void on_failed(const std::vector<std::string>& messages) override;
  // Rank 0: "healgrid run: error: MESSAGE" on stderr, one line each (also before a ConsoleLog
  // exists: a config error).
  static void print_errors(const Communicator& comm, const std::vector<std::string>& messages);

 private:
  Communicator comm_;
  const HealpixGrid& grid_;
  std::string output_;
  bool quiet_;
};

class ProgressFileObserver : public RunObserver {
 public:
  ProgressFileObserver(const Communicator& comm, const HealpixGrid& grid, std::string output);
  void on_plan(const WorkPlan& plan) override;
  void on_rank_finished(int rank) override;
  void on_rank_round(int rank, std::int64_t first, std::int64_t last) override;
  void on_phase_begin(Phase phase, const RunFigures&) override;
  void on_complete(const RunFigures&) override;
  void on_failed(const std::vector<std::string>& messages) override;
  void on_aborting(const std::string& message) override;

 private:
  Communicator comm_;
  const HealpixGrid& grid_;
  std::string output_;
  std::optional<ProgressFile> file_;  // rank 0, from the plan on
};

class JournalObserver : public RunObserver {
 public:
  explicit JournalObserver(RunJournal& journal) : journal_(journal) {}
  void on_round_committed(const JournalPiece& round) override { journal_.write_round(round); }
  void on_complete(const RunFigures&) override { journal_.remove(); }

 private:
  RunJournal& journal_;
};

class MetricsObserver : public RunObserver {
 public:
  MetricsObserver(const Communicator& comm, std::string path)
      : comm_(comm), path_(std::move(path)) {}
  void on_complete(const RunFigures& f) override;

 private:
  Communicator comm_;
  std::string path_;
};

}  // namespace healgrid
