#include "healgrid/io/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <regex>
#include <stdexcept>

#include "healgrid/util/text.hpp"

namespace healgrid::io {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(err));
}

// The holder's line ("host H pid P since T"), as far as it was written.
std::string holder_of(int fd) {
  char text[256] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string line(text, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\0')) line.pop_back();
  return line.empty() ? "unknown holder" : line;
}

// Whether the file behind `fd` is one a healgrid run left as the lock: empty (a run died
// before writing its line, or a run is between truncating and writing it) or exactly one
// holder line. Anything else at this name (even a file that starts like one) is someone's.
bool lock_text_of_healgrid(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  if (st.st_size == 0) return true;
  if (st.st_size > 512) return false;
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  if (::pread(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) return false;
  static const std::regex holder_line(
      "host [^ \n]+ pid [0-9]+ since [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\n");
  return std::regex_match(text, holder_line);
}

std::string this_holder() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "?");
  for (char* c = host; *c != '\0'; ++c)  // one word of printable characters: the line parses
    if (*c <= ' ' || *c > '~') *c = '_';
  char when[32] = {};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string("host ") + host + " pid " + std::to_string(::getpid()) + " since " + when +
         "\n";
}

bool same_file(int fd, const std::string& path) {
  struct stat a {
  }, b{};
  return ::fstat(fd, &a) == 0 && ::lstat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

}  // namespace

std::string lock_path(const std::string& output) { return output + ".lock"; }

void check_output_location(const std::string& output) {
  struct stat st {};
  if (::stat(output.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw std::runtime_error(output + ": output path is a directory");
  if (::stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw std::runtime_error(output + ": output path exists and is not a regular file");
  const std::string dir = dir_name(output);
  if (::access(dir.c_str(), W_OK) != 0)
    throw std::runtime_error(dir + ": output directory is missing or not writable");
}

OutputLock::OutputLock(const std::string& output, const std::string& busy,
                       const std::string& advice)
    : path_(lock_path(output)) {
  check_output_location(output);  // nothing is created beside a device or in /dev
  // A finishing run removes the file while holding the lock: a run that opened the old file
  // and locks it after that finds the name gone or replaced, and tries again.
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ELOOP)
      throw std::runtime_error(path_ +
                               ": the output's lock file is a symbolic link; healgrid does not "
                               "follow it: remove it and rerun");
    if (fd < 0) fail(path_, "cannot create the output's lock file", errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw std::runtime_error(path_ + ": the output's lock file is not a regular file");
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        const auto holder = holder_of(fd);
        ::close(fd);
        throw std::runtime_error(output + ": " + busy + " (" + holder + "; lock " + path_ + ")" +
                                 advice);
      }
      if (err == ENOLCK || err == EOPNOTSUPP || err == ENOSYS) {
        std::fprintf(stderr,
                     "healgrid run: warning: %s: the file system does not support locks (%s); "
                     "running without the output lock: do not start two runs on this output\n",
                     path_.c_str(), std::strerror(err));
        ::close(fd);
        return;
      }
      ::close(fd);
      fail(path_, "cannot lock the output's lock file", err);
    }
    if (!same_file(fd, path_)) {
      ::close(fd);
      continue;
    }
    // Held: a lock a healgrid run left (killed) holds its holder's line, or nothing when it
    // died before writing it (read now, no run can be writing it); any other file at this
    // name is someone's, and stays untouched.
    if (!lock_text_of_healgrid(fd)) {
      ::close(fd);
      throw std::runtime_error(path_ +
                               ": a file healgrid did not write has the name of the output's "
                               "lock file: move it away or choose another --output");
    }
    // Who holds it, for the message of a second run. On a full disk this write fails: the
    // lock is held all the same, and the output probe that follows reports the disk.
    const auto me = this_holder();
    if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, me.data(), me.size(), 0) < 0) {
      const int ignored = ::ftruncate(fd, 0);
      (void)ignored;
    }
    fd_ = fd;
    return;
  }
  throw std::runtime_error(path_ + ": the output's lock file keeps being replaced");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  if (same_file(fd_, path_)) ::unlink(path_.c_str());
  ::close(fd_);
}

}  // namespace healgrid::io
