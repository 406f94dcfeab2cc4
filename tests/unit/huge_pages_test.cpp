#include "healgrid/util/huge_pages.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
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

// Whether the mapping of this process holding `address` carries the huge-page advice ("hg"
// among its VmFlags in /proc/self/smaps).
bool advised_at(const void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  bool holds = false;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long long first = 0, last = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> first >> dash >> last && dash == '-') holds = first <= at && at < last;
    if (holds && line.rfind("VmFlags:", 0) == 0)
      return (line + " ").find(" hg ") != std::string::npos;
  }
  return false;
}

// The heap grows by the pad set, and the advice reaches the part of it grown last, where the
// kernel gives huge pages on advice and malloc is glibc's (not a sanitizer's). What the test
// changes stays for the tests after it: the heap keeps the advice and the pad is glibc's
// default again, but glibc no longer adapts its mmap threshold (any M_TOP_PAD call stops that).
TEST(HugePages, HeapGrowsAheadAndIsAdvised) {
  constexpr std::size_t kPad = std::size_t{16} << 20, kBlock = std::size_t{64} << 10;
  if (!grow_heap_ahead(kPad))
    GTEST_SKIP() << "no pad here: no huge pages on advice, or address space is limited";
  std::vector<unsigned char*> blocks;
  struct Restore {  // also when an assertion below returns early
    std::vector<unsigned char*>& blocks;
    ~Restore() {
      for (auto* b : blocks) std::free(b);
      grow_heap_ahead(0);  // back to glibc's default pad
    }
  } restore{blocks};
  auto add_block = [&] {
    const std::size_t i = blocks.size();
    blocks.push_back(static_cast<unsigned char*>(std::malloc(kBlock)));
    if (blocks.back() == nullptr) return false;
    blocks.back()[0] = static_cast<unsigned char>(i);
    blocks.back()[kBlock - 1] = static_cast<unsigned char>(i + 1);
    return true;
  };
  // Blocks below malloc's mmap threshold until the heap grows (whatever it held free before).
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  auto now = before;
  for (int i = 0; i < 1024 && now == before; ++i) {
    ASSERT_TRUE(add_block());
    now = reinterpret_cast<std::uintptr_t>(sbrk(0));
  }
  if (now == before) GTEST_SKIP() << "malloc grows no brk heap here (another allocator)";
  EXPECT_GE(now - before, kPad) << "the heap grew by less than the pad";
  // Then into the pad, past the next 2 MB boundary (what the advice covers), without growing.
  const auto deep = ((before + (std::uintptr_t{2} << 20)) | ((std::uintptr_t{2} << 20) - 1)) + 1;
  while (reinterpret_cast<std::uintptr_t>(blocks.back()) < deep) ASSERT_TRUE(add_block());
  ASSERT_EQ(reinterpret_cast<std::uintptr_t>(sbrk(0)), now) << "the pad did not hold the blocks";
  EXPECT_FALSE(advised_at(blocks.back()));
  advise_heap_huge_pages();
  EXPECT_TRUE(advised_at(blocks.back()));
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i][0], static_cast<unsigned char>(i));
    EXPECT_EQ(blocks[i][kBlock - 1], static_cast<unsigned char>(i + 1));
  }
}

}  // namespace
}  // namespace healgrid
