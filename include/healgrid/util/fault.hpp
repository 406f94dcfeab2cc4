// Process-level fault handling of `healgrid run`: termination signals become a clean, agreed
// stop; fatal errors end the whole MPI job (never a rank left waiting in a collective).
//
// install_stop_handlers(partial): SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 (what Slurm sends
// at walltime, or `scancel --signal`) set a flag that the run checks between granules and at
// every phase boundary; the ranks agree and exit with 128 + signal, removing `partial`.
// If the run has not stopped `grace` seconds after the first signal (a rank busy in a long
// HDF5 call), or a second signal arrives, the process removes `partial` and exits at once. A
// stop relayed from another rank (StopRelay) is not a first signal: the process's own signal
// after it starts no hard stop (Slurm signals every task, not all at the same instant).
// SIGXFSZ is ignored so that a file-size limit (ulimit -f) makes writes fail with EFBIG, an
// error healgrid reports, instead of killing the rank.
#pragma once

#include <signal.h>

#include <string>

#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// Default grace period, overridable with HEALGRID_STOP_GRACE_SECONDS (> 0).
constexpr int kDefaultStopGraceSeconds = 20;

void install_stop_handlers(const std::string& partial_path);
// For the commands that have no run to agree on (synth, render, resolve, fetch, info): a stop
// signal removes the temporaries in flight (track_temporary: a granule, map or catalog being
// written), names the signal, and ends the process at once with 128 + signal; files already
// complete are kept, and so is a download's NAME.partial (not a temporary: the next fetch
// resumes it). Without it the default action killed the process and left those temporaries.
void install_quick_stop_handlers(const char* command);
// The output's lock file (io/output_lock.hpp) this rank holds: removed with the partial output
// on a hard stop or abort_job, so neither leaves it behind (the kernel releases the lock).
void remove_lock_on_hard_stop(const std::string& lock_path);

// Temporaries in flight (io/atomic_file.hpp: a progress file or journal round being written):
// a hard stop or abort_job removes them too, so a second signal never leaves one behind.
// track_temporary returns a slot for untrack_temporary, or -1 when all 8 are taken or the
// path is longer than 4095 bytes (that file is then left as before). Thread-safe.
int track_temporary(const std::string& path);
void untrack_temporary(int slot);

// Holds the stop signals and the grace period's alarm back in this thread for its lifetime, so
// that a hard stop never falls between two steps it must see together (a temporary created,
// then tracked); a signal sent meanwhile is handled when it ends. main() holds them while MPI
// starts its threads, which keep them held: a stop signal reaches the main thread only.
class StopSignalsHeld {
 public:
  StopSignalsHeld();
  ~StopSignalsHeld();
  StopSignalsHeld(const StopSignalsHeld&) = delete;
  StopSignalsHeld& operator=(const StopSignalsHeld&) = delete;

 private:
  sigset_t previous_;
};

// The signal that asked this process to stop, 0 if none. While a StopRelay is alive, a signal
// that reached some ranks only stops them all: the first call that sees this rank's own signal
// sends it to every other rank of the communicator (tag 7401, never waited for), and a call
// on a rank without a signal probes for such a message (MPI_Iprobe, well under a microsecond)
// and adopts the signal it carries, grace period included. Callers poll between granules and
// row blocks, so every rank stops within about one row block's read.
int stop_signal();

// Relays stop signals over `comm` (the run's own communicator) for its lifetime.
class StopRelay {
 public:
  explicit StopRelay(MPI_Comm comm);
  ~StopRelay();
  StopRelay(const StopRelay&) = delete;
  StopRelay& operator=(const StopRelay&) = delete;
};
// "stopped by SIGTERM" style text for messages (empty when no signal arrived).
std::string stop_reason();

// Test hook: sleeps the seconds the environment variable `name` gives (unset, 0 or not a
// number: no pause), so tests can signal a run at a known point (HEALGRID_TEST_*_PAUSE_SECONDS).
void pause_for_tests(const char* name);

// Fatal error on this rank: prints "healgrid: error: rank R: message" to stderr, removes the
// partial output registered by install_stop_handlers (if any) and calls MPI_Abort.
[[noreturn]] void abort_job(const Communicator& mpi, const std::string& message, int code = 1);

}  // namespace healgrid
