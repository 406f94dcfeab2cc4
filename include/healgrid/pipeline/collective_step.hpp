// "Run this on every rank, agree on failure, report the first error(s)": the one pattern by
// which the run's phases fail. A step runs (on every rank, or on rank 0 alone while the others
// wait); whatever it throws, and a stop signal that arrived meanwhile (util/fault.hpp), becomes
// this rank's exit status and message; then every rank learns the worst status, and rank 0 the
// failing ranks' messages. On failure every rank throws the same RunFailure, so no rank is
// left waiting in a later collective call.
//
// Exit status: 2 for a ConfigError or std::invalid_argument (a bad config or option value),
// 128 + signal when a rank was asked to stop, 1 for any other failure; the largest over the
// ranks wins. A step may throw RunFailure itself to report several messages or a status.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

class RunFailure : public std::runtime_error {
 public:
  RunFailure(int exit_status, std::vector<std::string> messages);
  int exit_status() const { return exit_status_; }
  // After agreement: on rank 0 every failing rank's messages (empty on the other ranks).
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  int exit_status_;
  std::vector<std::string> messages_;
};

// Whose messages a failure reports: every failing rank's, as "rank R: ..." (the form the live
// progress file parses to mark R's range failed), or rank 0's alone, as they are (for a step
// that runs on rank 0 only, or gives the same outcome on every rank, e.g. parsing one text).
enum class Reporting { every_rank, root_only };

// Collective: `step` runs on every rank.
void run_on_every_rank(const Communicator& comm, const std::function<void()>& step,
                       Reporting reporting = Reporting::every_rank);
// Collective: `step` runs on rank 0 only (Reporting::root_only) while the others wait.
void run_on_root(const Communicator& comm, const std::function<void()>& step);

// This rank's exit status for a failure while it was (or was not) asked to stop.
int failure_status(int status_without_signal);

}  // namespace healgrid
