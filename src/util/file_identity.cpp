#include "healgrid/util/file_identity.hpp"

namespace healgrid {
namespace {

std::int64_t nanoseconds(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

}  // namespace

FileIdentity FileIdentity::of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size), nanoseconds(st.st_mtim), nanoseconds(st.st_ctim)};
}

std::string FileIdentity::text() const {
  return "size=" + std::to_string(size) + " mtime_ns=" + std::to_string(mtime_ns) +
         " ctime_ns=" + std::to_string(ctime_ns) + " dev=" + std::to_string(device) +
         " ino=" + std::to_string(inode);
}

}  // namespace healgrid
