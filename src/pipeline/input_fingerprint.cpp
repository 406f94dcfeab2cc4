#include "healgrid/pipeline/input_fingerprint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "healgrid/catalog/checksum.hpp"

namespace healgrid {
namespace {

[[noreturn]] void fail(const std::string& path, const char* what) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

// The sampled bytes of an open file, concatenated (each range read in full).
std::string read_sample(int fd, const std::string& path, std::uint64_t size) {
  std::string bytes;
  for (const auto& [offset, length] : sampled_ranges(size)) {
    const auto at = bytes.size();
    bytes.resize(at + length);
    std::uint64_t done = 0;
    while (done < length) {
      const ssize_t n =
          ::pread(fd, &bytes[at + done], length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail(path, "cannot read the granule to fingerprint it");
      if (n == 0) {  // shrank while we read: the fingerprint must still differ from the old one
        bytes.resize(at + done);
        break;
      }
      done += static_cast<std::uint64_t>(n);
    }
  }
  return bytes;
}

}  // namespace

std::vector<std::pair<std::uint64_t, std::uint64_t>> sampled_ranges(std::uint64_t size) {
  const std::uint64_t block = kSampleBlockBytes;
  if (size <= block * (kSpreadBlocks + 2)) return {{0, size}};
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges{{0, block}};
  // Spread blocks start at equal steps over [block, size - 2 block]: disjoint and ascending.
  const std::uint64_t span = size - 3 * block;
  for (int k = 0; k < kSpreadBlocks; ++k)
    ranges.emplace_back(block + span * static_cast<std::uint64_t>(k) / (kSpreadBlocks - 1), block);
  ranges.emplace_back(size - block, block);
  // Neighbours may touch (small files): merge overlaps so no byte is hashed twice.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && r.first < merged.back().first + merged.back().second) {
      merged.back().second = r.first + r.second - merged.back().first;
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

std::string granule_fingerprint(const std::string& path, InputVerification mode) {
  // A granule that cannot be read still gets a fingerprint (of what stat says, and why it
  // cannot be read): the index pass reports it by --on-bad-granule, as for any bad granule.
  struct stat st {};
  std::string digest;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    digest = std::string("unreadable=") + std::strerror(errno);
    if (fd < 0) ::stat(path.c_str(), &st);
  } else {
    try {
      digest = mode == InputVerification::full
                   ? "full_sha256=" + file_digest_hex(path, "SHA-256")
                   : "sample_sha256=" +
                         digest_hex(read_sample(fd, path, static_cast<std::uint64_t>(st.st_size)));
    } catch (const std::runtime_error& e) {
      digest = std::string("unreadable=") + e.what();
    }
  }
  if (fd >= 0) ::close(fd);
  const long long mtime_ns =
      static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  return "size=" + std::to_string(st.st_size) + " mtime_ns=" + std::to_string(mtime_ns) +
         " dev=" + std::to_string(st.st_dev) + " ino=" + std::to_string(st.st_ino) + " " + digest;
}

}  // namespace healgrid
