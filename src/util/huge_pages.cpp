#include "healgrid/util/huge_pages.hpp"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>

namespace healgrid {
namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

std::uintptr_t round_up(std::uintptr_t x) { return (x + kHugePage - 1) & ~(kHugePage - 1); }
std::uintptr_t round_to_page(std::uintptr_t x) {
  static const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  return (x + page - 1) / page * page;
}

#ifdef __GLIBC__
// Where the heap began, taken before main.
char* const heap_start_at_load = static_cast<char*>(sbrk(0));

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Huge pages on advice, and no limit on address space that a pad would use up.
bool pad_is_useful_and_safe() {
  const auto thp = first_line("/sys/kernel/mm/transparent_hugepage/enabled");
  if (thp.find("[always]") == std::string::npos && thp.find("[madvise]") == std::string::npos)
    return false;
  if (first_line("/proc/sys/vm/overcommit_memory") == "2") return false;
  for (const int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit limit{};
    if (getrlimit(resource, &limit) != 0 || limit.rlim_cur != RLIM_INFINITY) return false;
  }
  return true;
}
#endif

}  // namespace

void advise_huge_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const auto first = round_up(begin);
  const auto last = (begin + bytes) & ~(kHugePage - 1);
  // Advice only: a kernel without THP refuses it, and the buffer works the same.
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

bool grow_heap_ahead(std::size_t pad_bytes) {
#ifdef __GLIBC__
  if (!pad_is_useful_and_safe()) return false;
  constexpr std::size_t kGlibcDefaultPad = std::size_t{128} << 10;
  mallopt(M_TOP_PAD,
          static_cast<int>(std::clamp<std::size_t>(pad_bytes, kGlibcDefaultPad, INT_MAX)));
  return true;
#else
  (void)pad_bytes;
  return false;
#endif
}

void advise_heap_huge_pages() {
#ifdef __GLIBC__
  if (heap_start_at_load == nullptr) return;  // called before static initialisation
  // The heap's whole 2 MB pages; a kernel without THP, or a heap no longer one range, refuses.
  const auto* end = static_cast<char*>(sbrk(0));
  if (end > heap_start_at_load)
    advise_huge_pages(heap_start_at_load, static_cast<std::size_t>(end - heap_start_at_load));
#endif
}

void* allocate_huge(std::size_t bytes) {
  if (bytes < kOwnMappingBytes) {
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  // Map 2 MB more than needed, keep the 2 MB-aligned part and give the ends back. The length is
  // rounded to 4 KB pages only: a last, partial 2 MB page would be resident whole, memory the
  // bounded-memory plan does not count; its part faults in 4 KB pages instead.
  const std::uintptr_t size = round_to_page(bytes);
  void* raw =
      mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto begin = reinterpret_cast<std::uintptr_t>(raw);
  const auto aligned = round_up(begin);
  if (aligned > begin) munmap(raw, aligned - begin);
  const auto tail = begin + size + kHugePage - (aligned + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  advise_huge_pages(reinterpret_cast<void*>(aligned), size);
  return reinterpret_cast<void*>(aligned);
}

void deallocate_huge(void* data, std::size_t bytes) noexcept {
  if (data == nullptr) return;
  if (bytes < kOwnMappingBytes)
    std::free(data);
  else
    munmap(data, round_to_page(bytes));
}

}  // namespace healgrid
