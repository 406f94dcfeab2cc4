#include "healgrid/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

#include "healgrid/util/fault.hpp"

namespace healgrid::io {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(err));
}

std::string parent_directory(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// "<path>.tmp.<pid>.<n>.<random>": unique within the process by the counter, across processes
// by the pid and across hosts sharing the directory by the random part.
std::string temporary_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  static const unsigned long long salt = std::random_device{}();
  char suffix[80];
  std::snprintf(suffix, sizeof suffix, ".tmp.%ld.%u.%llx", static_cast<long>(::getpid()),
                counter.fetch_add(1), salt);
  return path + suffix;
}

// Whether `s` is a non-empty run of characters of which `ok` approves.
bool all_of_class(std::string_view s, int (*ok)(int)) {
  if (s.empty()) return false;
  for (const char c : s)
    if (!ok(static_cast<unsigned char>(c))) return false;
  return true;
}

void fsync_or_throw(int fd, const std::string& path) {
  if (::fsync(fd) != 0) fail(path, "cannot sync to disk", errno);
}

}  // namespace

bool is_temporary_suffix(std::string_view suffix) {
  constexpr std::string_view kTmp = ".tmp.";
  if (suffix.substr(0, kTmp.size()) != kTmp) return false;
  suffix.remove_prefix(kTmp.size());
  const auto a = suffix.find('.');
  const auto b = a == std::string_view::npos ? a : suffix.find('.', a + 1);
  if (b == std::string_view::npos) return false;
  return all_of_class(suffix.substr(0, a), ::isdigit) &&
         all_of_class(suffix.substr(a + 1, b - a - 1), ::isdigit) &&
         all_of_class(suffix.substr(b + 1), ::isxdigit) && suffix.size() - b - 1 <= 16;
}

void sync_parent_directory(const std::string& path) {
  const std::string dir = parent_directory(path);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(dir, "cannot open directory to sync it", errno);
  // Some file systems (and /proc-like mounts) refuse fsync on a directory: nothing to make
  // durable there, so only real I/O errors count.
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
    const int err = errno;
    ::close(fd);
    fail(dir, "cannot sync directory", err);
  }
  ::close(fd);
}

namespace {

// Renames `from` to `to` unless something is at `to`: false (errno EEXIST) when something is.
bool rename_without_replacing(const std::string& from, const std::string& to) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;  // EEXIST, or a real failure
#endif
  if (::link(from.c_str(), to.c_str()) != 0) return false;  // a file system without renameat2's
  ::unlink(from.c_str());
  return true;
}

// `from` renamed to `to` as MayReplace says (atomic_file.hpp); throws naming `to`.
void rename_into_place(const std::string& from, const std::string& to,
                       const MayReplace& may_replace) {
  if (may_replace) {
    if (rename_without_replacing(from, to)) return;  // the name was free
    if (errno != EEXIST) fail(to, "cannot rename " + from + " to it", errno);
    if (!may_replace(to))  // what is there now: it may have appeared while the work ran
      throw std::runtime_error(to + ": a file healgrid did not write is at this name (it " +
                               "appeared while healgrid worked): left untouched; move it away " +
                               "and rerun");
  }
  if (::rename(from.c_str(), to.c_str()) != 0) fail(to, "cannot rename " + from + " to it", errno);
}

}  // namespace

AtomicFile::AtomicFile(std::string final_path) : final_path_(std::move(final_path)) {
  // Created and tracked as one step: a hard stop (a second signal) between the two would leave
  // the temporary behind.
  const StopSignalsHeld held;
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temporary_path_ = temporary_name(final_path_);
    fd_ =
        ::open(temporary_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    const int err = fd_ < 0 ? errno : 0;  // before the messages' allocations
    if (err == ENOENT)  // the common mistake: say which directory, not the temporary's name
      fail(final_path_, "its directory " + parent_directory(final_path_) + " is missing", err);
    if (err != 0 && err != EEXIST)
      fail(final_path_, "cannot create a file in its directory (" + temporary_path_ + ")", err);
  }
  if (fd_ < 0) fail(final_path_, "no free temporary name beside it", EEXIST);
  tracked_ = track_temporary(temporary_path_);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temporary_path_.empty()) ::unlink(temporary_path_.c_str());
  untrack_temporary(tracked_);  // after: a hard stop before it finds the name gone, harmlessly
}

void AtomicFile::write(std::string_view bytes) {
  if (fd_ < 0) throw std::logic_error(final_path_ + ": write after commit");
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(final_path_, "cannot write " + temporary_path_, errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void AtomicFile::commit(const MayReplace& may_replace) {
  if (fd_ < 0) throw std::logic_error(final_path_ + ": commit twice");
  fsync_or_throw(fd_, temporary_path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(final_path_, "cannot close " + temporary_path_, errno);
  rename_into_place(temporary_path_, final_path_, may_replace);
  temporary_path_.clear();  // nothing left to remove
  untrack_temporary(tracked_);
  tracked_ = -1;
  sync_parent_directory(final_path_);
}

void write_file_atomically(const std::string& path, std::string_view contents,
                           const MayReplace& may_replace) {
  AtomicFile file(path);
  file.write(contents);
  file.commit(may_replace);
}

void commit_file(const std::string& from, const std::string& to, const MayReplace& may_replace) {
  const int fd = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) fail(from, "cannot open to sync it", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(from + ": not a regular file; not renamed to " + to);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail(from, "cannot sync to disk", err);
  }
  ::close(fd);
  rename_into_place(from, to, may_replace);
  sync_parent_directory(to);
}

}  // namespace healgrid::io
