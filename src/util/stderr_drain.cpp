#include "healgrid/util/stderr_drain.hpp"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

namespace healgrid {

bool wait_until_read(int fd, int max_milliseconds) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return true;
  // FIONREAD on either end of a pipe: the bytes written and not yet read.
  for (int waited = 0;; ++waited) {
    int unread = 0;
    if (ioctl(fd, FIONREAD, &unread) != 0 || unread <= 0) return true;
    if (waited >= max_milliseconds) return false;
    const timespec one_millisecond{0, 1000000};
    nanosleep(&one_millisecond, nullptr);
  }
}

}  // namespace healgrid
