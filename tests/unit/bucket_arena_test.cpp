#include "healgrid/aggregate/bucket_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace healgrid {
namespace {

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// Blocks come one after the other from the buffer, each at a multiple of the alignment from
// its start, until it is full; then from malloc. reset() hands the buffer out again from its
// start and keeps it when it is large enough.
TEST(BucketArena, HandsOutTheBufferInOrderThenMalloc) {
  BucketArena arena;
  EXPECT_EQ(arena.capacity(), 0u);
  void* outside = arena.allocate(100);  // no buffer yet: malloc
  ASSERT_NE(outside, nullptr);
  arena.deallocate(outside, 100);

  arena.reset(BucketArena::footprint(100) + BucketArena::footprint(1));
  const auto capacity = arena.capacity();
  auto* a = static_cast<unsigned char*>(arena.allocate(100));
  auto* b = static_cast<unsigned char*>(arena.allocate(1));
  EXPECT_EQ(address(b) - address(a), BucketArena::footprint(100));
  EXPECT_EQ(BucketArena::footprint(100) % BucketArena::kAlignment, 0u);
  EXPECT_EQ(arena.used(), capacity);
  auto* c = static_cast<unsigned char*>(arena.allocate(8));  // full: malloc, outside the buffer
  EXPECT_TRUE(address(c) + 8 <= address(a) || address(c) >= address(a) + capacity);
  for (int i = 0; i < 100; ++i) a[i] = static_cast<unsigned char>(i);
  b[0] = 200;
  c[7] = 9;
  EXPECT_EQ(a[99], 99);
  EXPECT_EQ(b[0], 200);
  arena.deallocate(c, 8);
  arena.deallocate(a, 100);  // from the buffer: nothing until reset
  EXPECT_EQ(arena.used(), capacity);

  arena.reset(10);  // smaller: the same buffer, from its start
  EXPECT_EQ(arena.capacity(), capacity);
  EXPECT_EQ(arena.used(), 0u);
  EXPECT_EQ(arena.allocate(10), a);
  arena.reset(std::size_t{6} << 20);  // larger: a new buffer (an own mapping, 2 MB-aligned)
  EXPECT_EQ(arena.capacity(), std::size_t{6} << 20);
  auto* big = static_cast<unsigned char*>(arena.allocate(std::size_t{6} << 20));
  EXPECT_EQ(address(big) % (std::uintptr_t{2} << 20), 0u);
  big[(std::size_t{6} << 20) - 1] = 1;
}

// Vectors over the allocator behave as std::vector does, in the buffer or outside it, and
// growth beyond a reservation moves the elements intact.
TEST(BucketArena, ArenaVectorsAreVectors) {
  BucketArena arena;
  arena.reset(BucketArena::footprint(64 * sizeof(double)));
  ArenaVector<double> v{ArenaAllocator<double>(&arena)};
  v.reserve(64);
  EXPECT_EQ(arena.used(), BucketArena::footprint(64 * sizeof(double)));
  v.resize(64);
  std::iota(v.begin(), v.end(), 0.5);
  v.push_back(64.5);  // beyond the reservation: malloc
  ASSERT_EQ(v.size(), 65u);
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], static_cast<double>(i) + 0.5);
  ArenaVector<double> copy(v);
  EXPECT_EQ(copy, v);
  ArenaVector<float> plain;  // no arena: malloc alone
  plain.assign(v.begin(), v.end());
  EXPECT_EQ(plain[64], 64.5f);
  ArenaVector<double>(v.get_allocator()).swap(v);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), 0u);
}

}  // namespace
}  // namespace healgrid
