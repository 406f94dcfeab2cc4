#include "healgrid/write/write_headroom.hpp"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace healgrid {
namespace {

std::string mib(std::uint64_t bytes) {
  std::ostringstream out;
  out.precision(3);
  out << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  return out.str();
}

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::uint64_t collective_write_bound(const CollectiveWriteSize& size) {
  return (std::uint64_t{1} << 18) + size.variables * 16384 + size.chunks * 512 +
         2 * size.text_bytes + size.raw_data_bytes;
}

std::string file_size_limit_problem(const std::string& path, std::uint64_t bytes) {
  rlimit limit{};
  if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return "";
  if (bytes <= limit.rlim_cur) return "";
  return path + ": the file-size limit (ulimit -f) of " + mib(limit.rlim_cur) + " is below the " +
         mib(bytes) +
         " the output's header, indexes and provenance may take: raise the limit or write "
         "fewer cells";
}

std::string free_space_problem(const std::string& path, std::uint64_t bytes) {
  const std::string dir = directory_of(path);
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0)
    return dir + ": cannot read the free space: " + std::strerror(errno);
  const std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (bytes <= free) return "";
  return dir + ": No space left on device for the output: " + mib(free) + " free, the " +
         "output's header, indexes and provenance may take " + mib(bytes);
}

}  // namespace healgrid
