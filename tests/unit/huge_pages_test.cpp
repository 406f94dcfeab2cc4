#include "healgrid/util/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "healgrid/plan/point_exchange.hpp"

namespace healgrid {
namespace {

// The exchange receives into these arrays: exactly n value-initialised elements, the old
// contents gone, whether or not the kernel grants huge pages.
TEST(HugePages, ResizeGivesNZeroedElementsAndDropsTheOldContents) {
  std::vector<PointRef> v(3, PointRef{7, 1, 2});
  resize_in_huge_pages(v, 5u << 20);  // 80 MB: spans whole 2 MB pages
  ASSERT_EQ(v.size(), std::size_t{5} << 20);
  for (std::size_t i = 0; i < v.size(); i += 4099) {
    EXPECT_EQ(v[i].cell, 0);
    EXPECT_EQ(v[i].granule_group, 0u);
    EXPECT_EQ(v[i].row, 0u);
  }
  resize_in_huge_pages(v, 2);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].cell, 0);
  resize_in_huge_pages(v, 0);
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
