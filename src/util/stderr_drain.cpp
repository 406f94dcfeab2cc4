#include "healgrid/util/stderr_drain.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

namespace healgrid {
namespace {

long long now_milliseconds() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<long long>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

// Nobody has the pipe open for reading any more: what is in it will never be read.
bool reader_gone(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

}  // namespace

bool wait_until_read(int fd, int max_milliseconds) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return true;
  // A deadline, not a count of sleeps: on a loaded machine a 1 ms sleep may last far longer.
  const long long deadline = now_milliseconds() + max_milliseconds;
  for (;;) {
    // FIONREAD on either end of a pipe: the bytes written and not yet read.
    int unread = 0;
    if (ioctl(fd, FIONREAD, &unread) != 0 || unread <= 0) return true;
    if (reader_gone(fd) || now_milliseconds() >= deadline) return false;
    const timespec one_millisecond{0, 1000000};
    nanosleep(&one_millisecond, nullptr);
  }
}

}  // namespace healgrid
