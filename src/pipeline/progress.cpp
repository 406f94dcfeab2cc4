#include "healgrid/pipeline/progress.hpp"

#include <cstdio>
#include <string>

namespace healgrid {
namespace {
constexpr int kProgressTag = 7301;
// done, total, points, parents, finished, round's first parent, round's last parent (-1: none)
constexpr int kMessageWords = 7;
}  // namespace

PhaseProgress::PhaseProgress(const Communicator& mpi, std::string phase, double interval_seconds,
                             bool quiet)
    : mpi_(mpi),
      phase_(std::move(phase)),
      interval_(interval_seconds),
      start_(MPI_Wtime()),
      last_send_(start_),
      last_print_(start_),
      quiet_(quiet),
      ranks_(mpi.rank == 0 ? mpi.size : 0) {}

void PhaseProgress::send(std::int64_t finished, std::int64_t round_first, std::int64_t round_last) {
  mine_.finished = finished;
  if (mpi_.rank == 0) {
    ranks_[0] = mine_;
    return;
  }
  std::int64_t msg[kMessageWords] = {mine_.done,     mine_.total, mine_.points, mine_.parents,
                                     mine_.finished, round_first, round_last};
  MPI_Send(msg, kMessageWords, MPI_INT64_T, 0, kProgressTag, mpi_.comm);
}

void PhaseProgress::round_done(std::int64_t first_parent, std::int64_t last_parent) {
  if (mpi_.rank == 0) {
    if (round_done_) round_done_(0, first_parent, last_parent);
    return;
  }
  send(0, first_parent, last_parent);
  last_send_ = MPI_Wtime();
}

void PhaseProgress::drain(bool block) {
  auto finished_all = [&] {
    for (const auto& s : ranks_)
      if (!s.finished) return false;
    return true;
  };
  while (true) {
    int flag = 0;
    MPI_Status status;
    if (block && !finished_all()) {
      MPI_Probe(MPI_ANY_SOURCE, kProgressTag, mpi_.comm, &status);
      flag = 1;
    } else {
      MPI_Iprobe(MPI_ANY_SOURCE, kProgressTag, mpi_.comm, &flag, &status);
    }
    if (!flag) return;
    std::int64_t msg[kMessageWords];
    MPI_Recv(msg, kMessageWords, MPI_INT64_T, status.MPI_SOURCE, kProgressTag, mpi_.comm,
             MPI_STATUS_IGNORE);
    auto& s = ranks_[status.MPI_SOURCE];
    const bool newly_finished = msg[4] && !s.finished;
    s = {msg[0], msg[1], msg[2], msg[3], msg[4]};
    if (msg[5] >= 0 && round_done_) round_done_(status.MPI_SOURCE, msg[5], msg[6]);
    if (newly_finished && s.finished == kFinished && rank_finished_)
      rank_finished_(status.MPI_SOURCE);
    if (newly_finished && !quiet_) print_end(status.MPI_SOURCE, s);
  }
}

void PhaseProgress::print_end(int rank, const State& s) const {
  if (s.finished == kFailed)
    std::printf("[%s] rank %d stopped after %lld of its %lld work items\n", phase_.c_str(), rank,
                static_cast<long long>(s.done), static_cast<long long>(s.total));
  else
    std::printf("[%s] rank %d finished %lld parent cells (%lld points)\n", phase_.c_str(), rank,
                static_cast<long long>(s.parents), static_cast<long long>(s.points));
  std::fflush(stdout);
}

void PhaseProgress::print_line() {
  State sum;
  long long done = 0, stopped = 0;
  for (const auto& s : ranks_) {
    sum.done += s.done;
    sum.total += s.total;
    sum.points += s.points;
    done += s.finished == kFinished;
    stopped += s.finished == kFailed;
  }
  const double t = MPI_Wtime() - start_;
  const double pct = sum.total ? 100.0 * sum.done / sum.total : 100.0;
  const std::string stop_text = stopped ? ", " + std::to_string(stopped) + " stopped" : "";
  std::printf("[%s] %.1f s: %lld/%lld work items (%.0f%%), %.3g points, %lld/%d ranks done%s\n",
              phase_.c_str(), t, static_cast<long long>(sum.done),
              static_cast<long long>(sum.total), pct, static_cast<double>(sum.points), done,
              mpi_.size, stop_text.c_str());
  std::fflush(stdout);
  last_print_ = MPI_Wtime();
}

void PhaseProgress::update(std::int64_t done, std::int64_t total, std::int64_t points) {
  mine_.done = done;
  mine_.total = total;
  mine_.points = points;
  const double now = MPI_Wtime();
  if (mpi_.rank != 0) {
    if (now - last_send_ >= interval_ / 2) {
      send(0);
      last_send_ = now;
    }
    return;
  }
  ranks_[0] = mine_;
  drain(false);
  if (!quiet_ && now - last_print_ >= interval_) print_line();
}

void PhaseProgress::finish(std::int64_t done, std::int64_t total, std::int64_t points,
                           std::int64_t parents, bool failed) {
  mine_ = failed ? State{mine_.done, total, mine_.points, 0, kFailed}
                 : State{done, total, points, parents, kFinished};
  send(mine_.finished);
  if (mpi_.rank != 0) return;
  if (rank_finished_ && !failed) rank_finished_(0);
  if (!quiet_) print_end(0, mine_);
  drain(true);
  if (!quiet_) print_line();
}

}  // namespace healgrid
