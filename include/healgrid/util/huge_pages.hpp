// Large buffers filled once (the index pass's points, the exchange's receive arrays) in
// transparent huge pages: one fault per 2 MB instead of one per 4 KB page, where the kernel
// offers them ("madvise" or "always" mode of /sys/kernel/mm/transparent_hugepage/enabled).
// Elsewhere the same calls work, in ordinary pages.
#pragma once

#include <cstddef>
#include <vector>

namespace healgrid {

// Advises the whole 2 MB-aligned pages inside [data, data + bytes); a no-op elsewhere.
void advise_huge_pages(void* data, std::size_t bytes);

// Malloc's heap in huge pages too. healgrid's malloc serves every block from its brk heap
// (mmap off: src/main.cpp), which glibc grows by what is asked plus a pad (M_TOP_PAD, 128 KB).
// grow_heap_ahead(pad) sets that pad (at least 128 KB) and returns true, where it is safe and
// useful: the kernel gives huge pages on advice (THP "always" or "madvise"), and no limit
// counts address space (vm.overcommit_memory 2, RLIMIT_AS, RLIMIT_DATA), under which the pad
// would make malloc fail up to a pad early; elsewhere it does nothing and returns false.
// advise_heap_huge_pages() advises the heap mapped so far, so the pad's pages, touched later,
// fault 2 MB at a time (a 1-rank run's page faults about halved, ~2 % of its time on a VM:
// docs/performance-history.md). The read loop calls it at each round's start and before each
// reduction. Both act on glibc's malloc only; with another (a sanitizer's, an LD_PRELOADed
// one) they change nothing that matters.
bool grow_heap_ahead(std::size_t pad_bytes);
void advise_heap_huge_pages();

// Blocks of at least kOwnMappingBytes (one huge page: a granule's 4-byte points are 1-4 MB)
// get their own 2 MB-aligned mapping (its length rounded to 4 KB pages), advised as above (only
// a last, partial 2 MB page is in 4 KB pages), returned to the system when freed; smaller ones
// come from malloc. Throws std::bad_alloc when no memory is left. deallocate_huge takes the size
// given to allocate_huge.
constexpr std::size_t kOwnMappingBytes = std::size_t{2} << 20;
void* allocate_huge(std::size_t bytes);
void deallocate_huge(void* data, std::size_t bytes) noexcept;

// A standard allocator over allocate_huge: std::vector<T, HugePageAllocator<T>>.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_huge(n * sizeof(T))); }
  void deallocate(T* data, std::size_t n) noexcept { deallocate_huge(data, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const noexcept {
    return false;
  }
};

}  // namespace healgrid
