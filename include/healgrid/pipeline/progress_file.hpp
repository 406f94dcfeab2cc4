// The live progress file of `healgrid run`: `<output>.progress.json`, written by rank 0 only and
// replaced atomically (written to `<file>.tmp`, then renamed) at each event, so a reader (the
// browser viewer, `healgrid view`) never sees half a file. It lists the planned parent cells
// (sorted nested ids at parent_order) and, per rank, the contiguous range of them that rank
// reduces, with its state (running, done, failed) and the second it finished, and the parent
// cells of that range already reduced while it runs: `done_parents` and `done_spans` ([first
// index into planned_parents, count] pairs), advanced each time the rank completes a round of
// the journal (pipeline/journal.hpp), so cells complete round by round (rank 0 rewrites the
// file at each report: ranks x rounds times in a run, plus once per rank at its end). It is
// removed when the output is complete and kept (state "failed", with the errors; a failed
// rank's reduced rounds stay in its done_spans and count as done) when the job
// fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "healgrid/plan/work_plan.hpp"

namespace healgrid {

std::string progress_path(const std::string& output_path);

class ProgressFile {
 public:
  // Does nothing at all unless `enabled` (rank 0).
  ProgressFile(bool enabled, std::string output_path, int parent_order, int child_order,
               std::string latitude_convention, int ranks);

  void planned(const WorkPlan& plan);  // state "aggregating": every range running
  void rank_finished(int rank);        // that rank's parent cells are reduced
  // That rank reduced the round of its planned parents with ids in [first_parent, last_parent].
  void round_done(int rank, std::int64_t first_parent, std::int64_t last_parent);
  void writing();   // state "writing": the collective NetCDF write
  void complete();  // state "complete", then the file is removed
  // State "failed": ranges of ranks named "rank R: ..." in `messages` (all unfinished ranges
  // when none is named) become failed; the messages are recorded.
  void failed(const std::vector<std::string>& messages);

  // The JSON text of the current state (also what write() puts in the file).
  std::string json() const;

 private:
  struct Range {
    std::int64_t first = 0, count = 0, points = 0;  // first: index into planned_
    std::string state = "running";
    double done_seconds = -1;
    std::vector<std::pair<std::int64_t, std::int64_t>> done_spans;  // (first, count), sorted
    std::int64_t done_parents() const;
  };
  void write() const;
  double elapsed() const;

  bool enabled_;
  std::string output_path_;
  int parent_order_, child_order_, ranks_;
  std::string latitude_, state_ = "planning", started_utc_;
  std::chrono::steady_clock::time_point start_;
  std::vector<std::int64_t> planned_;
  std::vector<Range> ranges_;
  std::vector<std::string> errors_;
};

}  // namespace healgrid
