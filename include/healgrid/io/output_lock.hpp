// One run per output at a time: rank 0 holds an exclusive flock(2) on `OUT.lock` for the whole
// run, taken before any work. A second run on the same output finds it taken and fails at once
// naming the holder (host, pid, start time). The kernel releases the lock when its holder dies
// (SIGKILL, node crash on a local file system), so a stale lock file never blocks a rerun. On NFS
// v4 flock is a POSIX lock the server arbitrates across clients; Lustre needs the `flock`
// mount option for cluster-wide locks (`localflock` locks per node only); a file system that
// refuses locks (ENOLCK, EOPNOTSUPP, ENOSYS) gives a warning and an unlocked run, since the
// run-unique temporary names (io/run_partial.hpp) still keep two runs from sharing a partial file.
#pragma once

#include <string>

namespace healgrid::io {

class OutputLock {
 public:
  // Checks the output's location first (check_output_location). Throws std::runtime_error
  // naming the lock file and its holder when another run holds it, or when it is not a regular
  // file (a symlink is never followed). `busy` and `advice` word the message for a lock held
  // by another process: "OUTPUT: <busy> (<holder>; lock OUTPUT.lock)<advice>".
  explicit OutputLock(
      const std::string& output,
      const std::string& busy = "another healgrid run is writing this output",
      const std::string& advice = ": wait for it to end or choose another --output");
  ~OutputLock();  // removes the lock file, then releases the lock
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  bool held() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Before anything is created beside the output: throws std::runtime_error when the output is
// a directory or another non-regular file (a device), or its directory is missing or not
// writable (naming it).
void check_output_location(const std::string& output);

// "<output>.lock".
std::string lock_path(const std::string& output);

}  // namespace healgrid::io
