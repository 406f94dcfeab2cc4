// A sample of a file's bytes: its first and last 64 KiB and 8 blocks spread between them (the
// whole file when it is smaller than their sum). The restart journal hashes it to notice a
// granule rewritten in place (pipeline/input_fingerprint.hpp); the granule list compares it to
// find copies among files of one size (catalog/granule_list.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace healgrid {

constexpr std::uint64_t kSampleBlockBytes = 64 * 1024;
constexpr int kSpreadBlocks = 8;

// The byte ranges (offset, length) sampled in a file of `size` bytes, ascending, disjoint.
std::vector<std::pair<std::uint64_t, std::uint64_t>> sampled_ranges(std::uint64_t size);

// The sampled bytes of open file `fd` of `size` bytes, concatenated (a file that shrank while
// read gives fewer). Throws std::runtime_error naming `path` when a read fails.
std::string read_sample(int fd, const std::string& path, std::uint64_t size);

}  // namespace healgrid
