#include "healgrid/util/free_memory.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

namespace healgrid {
namespace {

// From the page tables (smaps_rollup), not statm's counters, which lag behind by up to 64 pages
// per thread on some kernels.
long long resident_bytes() {
  std::ifstream rollup("/proc/self/smaps_rollup");
  std::string key;
  long long kb = 0;
  while (rollup >> key) {
    if (key == "Rss:" && rollup >> kb) return kb * 1024;
    rollup.ignore(1 << 12, '\n');
  }
  return -1;
}

// With healgrid's heap settings (main.cpp: no mmap, no trimming) a freed 256 MB buffer stays
// resident until return_free_memory() gives its pages back.
TEST(FreeMemory, GivesFreedHeapPagesBack) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer has its own allocator";
#else
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);
  constexpr std::size_t kBytes = std::size_t{256} << 20;
  const auto before = resident_bytes();
  // Written page by page through a volatile pointer: a buffer freed unread may be elided.
  auto* buffer = static_cast<volatile char*>(std::malloc(kBytes));
  ASSERT_NE(buffer, nullptr);
  for (std::size_t i = 0; i < kBytes; i += 4096) buffer[i] = 1;
  EXPECT_GT(resident_bytes(), before + static_cast<long long>(kBytes) / 2);
  // A block after the buffer, so that the freed buffer is not merged into the heap's top (which
  // glibc may be unable to shrink: trimming must release pages inside the heap too).
  void* after = std::malloc(std::size_t{256} << 10);
  std::free(const_cast<char*>(buffer));
  const auto kept = resident_bytes();
  EXPECT_GT(kept, before + static_cast<long long>(kBytes) / 2);  // freed, still resident
  return_free_memory();
  EXPECT_LT(resident_bytes(), kept - static_cast<long long>(kBytes) / 2);
  std::free(after);
  mallopt(M_MMAP_MAX, 65536);  // glibc's defaults again for the other tests
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
}

}  // namespace
}  // namespace healgrid
