#include "healgrid/util/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
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

}  // namespace
}  // namespace healgrid
