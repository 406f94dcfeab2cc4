#include "healgrid/util/huge_pages.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "healgrid/plan/point_exchange.hpp"

namespace healgrid {
namespace {

// Large blocks are their own 2 MB-aligned mappings; every block, large or small, holds what
// is written to it, and vectors over the allocator behave as std::vector does (value-initialised
// elements, copies, growth across the own-mapping threshold, shrinking, freeing).
TEST(HugePages, AllocatorHoldsItsBlocksWhateverTheirSize) {
  for (const std::size_t bytes :
       {std::size_t{0}, std::size_t{1}, std::size_t{4096}, kOwnMappingBytes - 1, kOwnMappingBytes,
        kOwnMappingBytes + 1, std::size_t{37} << 20}) {
    auto* p = static_cast<unsigned char*>(allocate_huge(bytes));
    ASSERT_NE(p, nullptr);
    if (bytes >= kOwnMappingBytes) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % (std::uintptr_t{2} << 20), 0u) << bytes;
    }
    for (std::size_t i = 0; i < bytes; i += 4093) p[i] = static_cast<unsigned char>(i % 251);
    if (bytes > 0) p[bytes - 1] = 7;
    for (std::size_t i = 0; i + 1 < bytes; i += 4093)
      ASSERT_EQ(p[i], static_cast<unsigned char>(i % 251)) << bytes;
    if (bytes > 0) {
      EXPECT_EQ(p[bytes - 1], 7);
    }
    deallocate_huge(p, bytes);
  }
  deallocate_huge(nullptr, kOwnMappingBytes);  // like free(nullptr)
}

TEST(HugePages, PointVectorIsAVector) {
  PointVector v(3, PointEntry{7});
  v.resize(std::size_t{10} << 20);  // 40 MB: an own mapping
  ASSERT_EQ(v.size(), std::size_t{10} << 20);
  EXPECT_EQ(v[2].word, 7u);
  for (std::size_t i = 3; i < v.size(); i += 4099) EXPECT_EQ(v[i].word, 0u);
  v[v.size() - 1] = PointEntry{9};
  PointVector copy(v.begin() + 2, v.end());
  EXPECT_EQ(copy.front().word, 7u);
  EXPECT_EQ(copy.back().word, 9u);
  v.resize(2);
  v.shrink_to_fit();  // back to malloc's blocks
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].word, 7u);
  v = {};
  EXPECT_TRUE(v.empty());
}

// Advice over a buffer shorter than a huge page, or unaligned, is a harmless no-op.
TEST(HugePages, AdviceOnSmallOrUnalignedBuffersIsHarmless) {
  std::vector<std::uint8_t> small(100, 9);
  advise_huge_pages(small.data() + 1, small.size() - 1);
  advise_huge_pages(nullptr, 0);
  EXPECT_EQ(small[50], 9);
}

// Whether some [heap] mapping of this process carries the huge-page advice ("hg" among the
// VmFlags of /proc/self/smaps).
bool heap_advised() {
  std::ifstream smaps("/proc/self/smaps");
  bool in_heap = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.find("[heap]") != std::string::npos) in_heap = true;
    if (in_heap && line.rfind("VmFlags:", 0) == 0) {
      if ((line + " ").find(" hg ") != std::string::npos) return true;
      in_heap = false;
    }
  }
  return false;
}

// The heap grown with a pad and then advised holds its blocks' bytes and carries the advice,
// where the kernel gives huge pages on advice and malloc grows a brk heap (not under a
// sanitizer's allocator).
TEST(HugePages, HeapGrownAheadIsAdvised) {
  std::ifstream mode_file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(mode_file, mode);
  if (mode.find("[always]") == std::string::npos && mode.find("[madvise]") == std::string::npos)
    GTEST_SKIP() << "the kernel gives no huge pages on advice (transparent_hugepage: " << mode
                 << ")";
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  grow_heap_ahead(std::size_t{16} << 20);
  std::vector<unsigned char*> blocks;
  for (int i = 0; i < 64; ++i) {  // 4 MB in blocks below malloc's mmap threshold
    blocks.push_back(static_cast<unsigned char*>(std::malloc(64 << 10)));
    ASSERT_NE(blocks.back(), nullptr);
    blocks.back()[0] = static_cast<unsigned char>(i);
    blocks.back()[(64 << 10) - 1] = static_cast<unsigned char>(i + 1);
  }
  const auto after = reinterpret_cast<std::uintptr_t>(sbrk(0));
  advise_heap_huge_pages();
  const bool advised = heap_advised();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i][0], static_cast<unsigned char>(i));
    EXPECT_EQ(blocks[i][(64 << 10) - 1], static_cast<unsigned char>(i + 1));
    std::free(blocks[i]);
  }
  grow_heap_ahead(128 << 10);  // glibc's default pad again
  if (after < before + (std::uintptr_t{4} << 20))
    GTEST_SKIP() << "malloc did not grow a brk heap (another allocator)";
  EXPECT_TRUE(advised);
}

}  // namespace
}  // namespace healgrid
