// Progress of a phase across ranks: every rank reports (throttled) to rank 0 with small eager
// messages, and unthrottled each round of parent cells it completes; rank 0 polls between its
// own work items and prints one line now and then, and a line each time a rank finishes its
// parent cells. finish() on rank 0 waits for every rank (and so receives every round report,
// which one rank's messages deliver in order before its end).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

class PhaseProgress {
 public:
  PhaseProgress(const Communicator& mpi, std::string phase, double interval_seconds, bool quiet);

  // This rank's state: work items done of total, points so far.
  void update(std::int64_t done, std::int64_t total, std::int64_t points);
  // This rank is finished with `parents` parent cells; rank 0 then collects every rank. A rank
  // that failed (or was stopped) reports so, with the work items it had done, not as finished.
  void finish(std::int64_t done, std::int64_t total, std::int64_t points, std::int64_t parents,
              bool failed = false);
  // This rank completed one round: its planned parents with nested ids in [first_parent,
  // last_parent] are reduced. Sent at once (a small eager message), so live progress advances
  // round by round instead of jumping when the rank ends.
  void round_done(std::int64_t first_parent, std::int64_t last_parent);
  // Rank 0 calls `listener(rank)` as each rank (itself included) finishes (live progress file).
  void on_rank_finished(std::function<void(int)> listener) { rank_finished_ = std::move(listener); }
  // Rank 0 calls `listener(rank, first_parent, last_parent)` for each round a rank completes.
  using RoundListener = std::function<void(int, std::int64_t, std::int64_t)>;
  void on_round_done(RoundListener listener) { round_done_ = std::move(listener); }

 private:
  struct State {
    std::int64_t done = 0, total = 0, points = 0, parents = 0;
    std::int64_t finished = 0;  // 0: working, kFinished or kFailed
  };
  static constexpr std::int64_t kFinished = 1, kFailed = 2;
  void send(std::int64_t finished, std::int64_t round_first = -1, std::int64_t round_last = -1);
  void drain(bool block);
  void print_line();
  void print_end(int rank, const State& s) const;  // a rank finished or stopped

  Communicator mpi_;
  std::string phase_;
  double interval_, start_, last_send_, last_print_;
  bool quiet_;
  State mine_;
  std::vector<State> ranks_;  // rank 0 only
  std::function<void(int)> rank_finished_;
  RoundListener round_done_;
};

}  // namespace healgrid
