#include "healgrid/util/fault.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace healgrid {
namespace {

volatile sig_atomic_t g_signal = 0;
// The partial output to remove on a hard stop; a fixed buffer, readable from a signal handler.
char g_partial[4096] = {0};
int g_grace = kDefaultStopGraceSeconds;

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

// Async-signal-safe: write(2), unlink(2) and _exit(2) only.
void say(const char* a, const char* b) {
  ssize_t ignored = write(STDERR_FILENO, a, std::strlen(a));
  ignored = write(STDERR_FILENO, b, std::strlen(b));
  (void)ignored;
}

[[noreturn]] void hard_stop(int sig) {
  say("healgrid: stopping now after ", signal_name(sig));
  say(" (grace period over or second signal): partial output removed", "\n");
  if (g_partial[0] != '\0') unlink(g_partial);
  _exit(128 + (g_signal != 0 ? g_signal : sig));
}

void on_stop_signal(int sig) {
  if (g_signal != 0) hard_stop(sig);
  g_signal = sig;
  alarm(static_cast<unsigned>(g_grace));
}

void on_alarm(int sig) {
  if (g_signal != 0) hard_stop(sig);
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
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // HDF5/MPI calls keep going; the flag is polled
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaction(sig, &sa, nullptr);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, nullptr);
  signal(SIGXFSZ, SIG_IGN);
}

int stop_signal() { return g_signal; }

std::string stop_reason() {
  if (g_signal == 0) return "";
  return std::string("stopped by ") + signal_name(g_signal) +
         " (e.g. Slurm at walltime): no output written, an existing output file is left as it "
         "was; rerun the job to produce it";
}

void abort_job(const MpiContext& mpi, const std::string& message, int code) {
  std::fprintf(stderr, "healgrid: error: rank %d: %s (aborting the MPI job)\n", mpi.rank,
               message.c_str());
  std::fflush(stderr);
  if (g_partial[0] != '\0') unlink(g_partial);
  MPI_Abort(mpi.comm, code);
  std::_Exit(code);  // MPI_Abort does not return; this satisfies [[noreturn]]
}

}  // namespace healgrid
