#include "healgrid/pipeline/collective_step.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/util/fault.hpp"

namespace healgrid {
namespace {

struct Outcome {
  int status = 0;
  std::vector<std::string> messages;
};

Outcome run_step(const std::function<void()>& step) {
  Outcome out;
  try {
    step();
  } catch (const RunFailure& e) {
    out = {e.exit_status(), e.messages()};
  } catch (const ConfigError& e) {
    out = {kExitUsage, {e.what()}};
  } catch (const std::invalid_argument& e) {
    out = {kExitUsage, {e.what()}};
  } catch (const std::exception& e) {
    out = {kExitFailure, {e.what()}};
  }
  if (stop_signal() != 0 && out.status == 0) out.messages = {stop_reason()};
  if (stop_signal() != 0 || out.status != 0) out.status = failure_status(out.status);
  return out;
}

// Rank 0: what to report of the gathered (rank, message) pairs.
std::vector<std::string> report_of(const std::vector<std::int64_t>& ranks,
                                   const std::vector<std::string>& messages, Reporting reporting) {
  std::vector<std::string> report;
  const bool root_spoke = std::find(ranks.begin(), ranks.end(), 0) != ranks.end();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (reporting == Reporting::every_rank) {
      report.push_back("rank " + std::to_string(ranks[i]) + ": " + messages[i]);
    } else if (ranks[i] == 0 || !root_spoke) {  // e.g. a stop signal that reached rank 1 only
      if (std::find(report.begin(), report.end(), messages[i]) == report.end())
        report.push_back(messages[i]);
    }
  }
  return report;
}

// The largest status over the ranks. A rank waits here while others still work; polling
// stop_signal() meanwhile relays a signal that reaches it now to those others (util/fault.hpp),
// which would otherwise finish their whole phase before hearing of it.
int max_status(const Communicator& comm, int mine) {
  int status = 0;
  MPI_Request request;
  MPI_Iallreduce(&mine, &status, 1, MPI_INT, MPI_MAX, comm.comm, &request);
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return status;
    stop_signal();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void agree(const Communicator& comm, const Outcome& mine, Reporting reporting) {
  const int status = max_status(comm, mine.status);
  if (status == 0) return;
  // Every rank's messages, tagged with their rank, gathered as two typed arrays.
  const auto ranks = comm.gather(std::vector<std::int64_t>(mine.messages.size(), comm.rank));
  const auto messages = comm.gather(mine.messages);
  throw RunFailure(status, report_of(ranks, messages, reporting));
}

}  // namespace

RunFailure::RunFailure(int exit_status, std::vector<std::string> messages)
    : std::runtime_error(messages.empty() ? "the run failed" : messages.front()),
      exit_status_(exit_status),
      messages_(std::move(messages)) {}

int failure_status(int status_without_signal) {
  if (stop_signal() != 0) return 128 + stop_signal();
  return status_without_signal != 0 ? status_without_signal : kExitFailure;
}

void run_on_every_rank(const Communicator& comm, const std::function<void()>& step,
                       Reporting reporting) {
  agree(comm, run_step(step), reporting);
}

void run_on_root(const Communicator& comm, const std::function<void()>& step) {
  agree(comm, run_step(comm.is_root() ? step : [] {}), Reporting::root_only);
}

}  // namespace healgrid
