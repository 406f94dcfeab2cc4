#include "healgrid/util/fault.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string>
#include <thread>

#include "healgrid/util/stderr_drain.hpp"

namespace healgrid {
namespace {

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
volatile sig_atomic_t g_signal = 0;     // the stop asked for: this process's or relayed
volatile sig_atomic_t g_delivered = 0;  // the first stop signal this process received itself
// The partial output to remove on a hard stop; a fixed buffer, readable from a signal handler.
char g_partial[4096] = {0};
char g_lock[4096] = {0};  // the output lock file this rank holds (util/fault.hpp), or empty
int g_grace = kDefaultStopGraceSeconds;

// Temporaries in flight: a slot is claimed (kWriting), its path copied, then published
// (kPublished); the signal handler unlinks published paths only, so never a half-copied one.
constexpr int kFree = 0, kWriting = 1, kPublished = 2;
struct TemporarySlot {
  std::atomic<int> state{kFree};
  char path[4096] = {0};
};
TemporarySlot g_temporaries[8];
static_assert(std::atomic<int>::is_always_lock_free, "read from a signal handler");

// What this rank made and must not leave behind on a hard stop or an abort: the partial
// output, the output lock, the temporaries in flight. Async-signal-safe: atomic loads and
// unlink(2).
void remove_own_files() {
  if (g_partial[0] != '\0') unlink(g_partial);
  if (g_lock[0] != '\0') unlink(g_lock);
  for (auto& t : g_temporaries)
    if (t.state.load() == kPublished) unlink(t.path);
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGALRM:
      return "SIGALRM";
    default:
      return "a signal";
  }
}

// Async-signal-safe: write(2), unlink(2), _exit(2) and lock-free atomics only. The parts go
// out in one write, so the lines of ranks stopping together do not interleave.
void say(std::initializer_list<const char*> parts) {
  char line[512];
  std::size_t n = 0;
  for (const char* part : parts)
    for (const char* c = part; *c != '\0' && n < sizeof line; ++c) line[n++] = *c;
  ssize_t ignored = write(STDERR_FILENO, line, n);
  (void)ignored;
}

// Ends the process from a signal handler: what it made goes, the message said reaches mpirun.
[[noreturn]] void end_now(int status) {
  remove_own_files();
  wait_until_read(STDERR_FILENO, kStderrDrainMilliseconds / 2);
  _exit(status);
}

[[noreturn]] void hard_stop(int sig) {
  say({"healgrid: stopping now after ", signal_name(sig),
       " (grace period over or second signal): partial output removed\n"});
  end_now(128 + (g_signal != 0 ? g_signal : sig));
}

void on_stop_signal(int sig) {
  // A second signal of this process's own, not the first after a stop relayed from another
  // rank: Slurm signals every task, and one may hear of another's signal before its own.
  if (g_delivered != 0) hard_stop(sig);
  g_delivered = sig;
  if (g_signal != 0) return;  // adopted already: its grace period runs
  g_signal = sig;
  alarm(static_cast<unsigned>(g_grace));
}

// The command install_quick_stop_handlers was given, for its message.
char g_command[32] = {0};

void on_quick_stop(int sig) {
  say({"healgrid ", g_command, ": stopped by ", signal_name(sig),
       ": rerun it to finish; the files it completed are kept, none is left half-written under "
       "its final name\n"});
  end_now(128 + sig);
}

void on_alarm(int sig) {
  if (g_signal != 0) hard_stop(sig);
}

// The run's communicator over which a stop is relayed (util/fault.hpp StopRelay).
constexpr int kStopTag = 7401;
MPI_Comm g_relay_comm = MPI_COMM_NULL;
bool g_relayed = false;    // this rank's stop was sent to (or came from) the others
int g_relayed_from = -1;   // the rank whose signal this rank adopted
int g_relayed_signal = 0;  // the send buffer: must outlive the sends

// Tells every other rank to stop (they poll in stop_signal()); the sends are never waited for.
void relay_stop() {
  g_relayed = true;
  g_relayed_signal = g_signal;
  int rank = 0, size = 1;
  MPI_Comm_rank(g_relay_comm, &rank);
  MPI_Comm_size(g_relay_comm, &size);
  for (int r = 0; r < size; ++r) {
    if (r == rank) continue;
    MPI_Request request;
    MPI_Isend(&g_relayed_signal, 1, MPI_INT, r, kStopTag, g_relay_comm, &request);
    MPI_Request_free(&request);
  }
}

// A handler for the stop signals and the alarm: none of them interrupts another's handler,
// so two different signals arriving together are a first and a second, not two firsts.
struct sigaction stop_action(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  for (int sig : kStopSignals) sigaddset(&sa.sa_mask, sig);
  sigaddset(&sa.sa_mask, SIGALRM);
  sa.sa_flags = SA_RESTART;  // HDF5/MPI calls keep going; the flag is polled
  return sa;
}

}  // namespace

void install_stop_handlers(const std::string& partial_path) {
  if (partial_path.size() < sizeof g_partial) {
    std::memcpy(g_partial, partial_path.c_str(), partial_path.size() + 1);
  }
  if (const char* env = std::getenv("HEALGRID_STOP_GRACE_SECONDS")) {
    const int v = std::atoi(env);
    if (v > 0) g_grace = v;
  }
  struct sigaction sa = stop_action(on_stop_signal);
  for (int sig : kStopSignals) sigaction(sig, &sa, nullptr);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, nullptr);
  signal(SIGXFSZ, SIG_IGN);
}

void install_quick_stop_handlers(const char* command) {
  std::snprintf(g_command, sizeof g_command, "%s", command);
  const struct sigaction sa = stop_action(on_quick_stop);  // one message, one exit
  for (int sig : kStopSignals) sigaction(sig, &sa, nullptr);
}

void remove_lock_on_hard_stop(const std::string& lock_path) {
  if (lock_path.size() < sizeof g_lock)
    std::memcpy(g_lock, lock_path.c_str(), lock_path.size() + 1);
}

int stop_signal() {
  if (g_relay_comm == MPI_COMM_NULL) return g_signal;
  if (g_signal != 0) {
    if (!g_relayed) relay_stop();
    return g_signal;
  }
  // A stop that reached another rank only: adopted as if this rank had received it.
  int pending = 0;
  MPI_Status status;
  MPI_Iprobe(MPI_ANY_SOURCE, kStopTag, g_relay_comm, &pending, &status);
  if (pending) {
    int sig = 0;
    MPI_Recv(&sig, 1, MPI_INT, status.MPI_SOURCE, kStopTag, g_relay_comm, MPI_STATUS_IGNORE);
    g_relayed = true;  // the sender told every rank
    g_relayed_from = status.MPI_SOURCE;
    if (g_signal == 0) {
      g_signal = sig;
      alarm(static_cast<unsigned>(g_grace));  // the same grace period as a signal of its own
    }
  }
  return g_signal;
}

std::string stop_reason() {
  if (g_signal == 0) return "";
  const std::string where =
      g_relayed_from >= 0 ? " (sent to rank " + std::to_string(g_relayed_from) + ")" : "";
  const char* why = g_signal == SIGTERM  ? " (e.g. Slurm at walltime, scancel, or Ctrl-C to mpirun)"
                    : g_signal == SIGINT ? " (e.g. Ctrl-C)"
                    : g_signal == SIGHUP ? " (e.g. the terminal closed)"
                                         : "";
  return std::string("stopped by ") + signal_name(g_signal) + where + why +
         ": no output written, an existing output file is left as it was; rerun the job to "
         "produce it";
}

StopRelay::StopRelay(MPI_Comm comm) {
  g_relay_comm = comm;
  g_relayed = false;
  g_relayed_from = -1;
}

StopRelay::~StopRelay() { g_relay_comm = MPI_COMM_NULL; }

void abort_job(const Communicator& mpi, const std::string& message, int code) {
  std::fprintf(stderr, "healgrid: error: rank %d: %s (aborting the MPI job)\n", mpi.rank,
               message.c_str());
  std::fflush(stderr);
  remove_own_files();
  wait_until_read(STDERR_FILENO, kStderrDrainMilliseconds);  // before mpirun ends the job
  MPI_Abort(mpi.comm, code);
  std::_Exit(code);  // MPI_Abort does not return; this satisfies [[noreturn]]
}

int track_temporary(const std::string& path) {
  if (path.size() >= sizeof g_temporaries[0].path) return -1;
  for (int k = 0; k < static_cast<int>(std::size(g_temporaries)); ++k) {
    auto& t = g_temporaries[k];
    int free = kFree;
    if (!t.state.compare_exchange_strong(free, kWriting)) continue;
    std::memcpy(t.path, path.c_str(), path.size() + 1);
    t.state.store(kPublished);
    return k;
  }
  return -1;
}

void untrack_temporary(int slot) {
  if (slot >= 0) g_temporaries[slot].state.store(kFree);
}

StopSignalsHeld::StopSignalsHeld() {
  sigset_t held;
  sigemptyset(&held);
  for (int sig : kStopSignals) sigaddset(&held, sig);
  sigaddset(&held, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &held, &previous_);
}

StopSignalsHeld::~StopSignalsHeld() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

void pause_for_tests(const char* name) {
  const char* pause = std::getenv(name);
  const double s = pause ? std::atof(pause) : 0.0;
  if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace healgrid
