#include "healgrid/util/file_sample.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace healgrid {
namespace {

[[noreturn]] void fail(const std::string& path, const char* what) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

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
      if (n < 0) fail(path, "cannot read a sample of the file");
      if (n == 0) {  // shrank while read: a fingerprint of it must still differ from the old one
        bytes.resize(at + done);
        break;
      }
      done += static_cast<std::uint64_t>(n);
    }
  }
  return bytes;
}

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

}  // namespace healgrid
