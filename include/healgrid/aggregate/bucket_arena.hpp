// One round's storage for the aggregator's buckets: a buffer sized to the round's expected
// points (the plan's loads), in huge pages (util/huge_pages.hpp), handed out by bumping a
// pointer and reused round after round. Without it every round's buckets were separate
// malloc blocks, faulted in 4 KB pages and zero-filled by vector::resize before the values were
// written over them (docs/performance-history.md: 1.4 % of a 1-rank run's CPU, a third of its
// faults).
// ArenaAllocator<T> is the standard allocator over it; elements it constructs without
// arguments are left uninitialised (default-initialised), so resize() then writing every new
// element is one pass over memory, not two. Allocations that do not fit, or made with no arena,
// come from allocate_huge (util/huge_pages.hpp); memory from the buffer is given back all at
// once, by reset().
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

#include "healgrid/util/huge_pages.hpp"

namespace healgrid {

class BucketArena {
 public:
  BucketArena() = default;
  BucketArena(const BucketArena&) = delete;
  BucketArena& operator=(const BucketArena&) = delete;
  ~BucketArena();

  // Empties the buffer and makes it at least `bytes` large (a larger one is kept).
  // REQUIRES: no block taken from the buffer is still in use.
  void reset(std::size_t bytes);
  // A block of `bytes`, aligned to kAlignment: from the buffer while it has room, else from
  // allocate_huge. Throws std::bad_alloc when no memory is left.
  void* allocate(std::size_t bytes);
  // A block from allocate(): one from outside the buffer is freed; one from the buffer waits
  // for reset().
  void deallocate(void* data, std::size_t bytes) noexcept;

  std::size_t capacity() const { return capacity_; }
  std::size_t used() const { return used_; }
  // What allocate() asks of the buffer for `bytes` (its alignment included): the sum over the
  // blocks of a round is the size to reset() to.
  static std::size_t footprint(std::size_t bytes) {
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
  }
  static constexpr std::size_t kAlignment = 64;  // a cache line

 private:
  bool holds(const void* data) const;
  unsigned char* data_ = nullptr;
  std::size_t capacity_ = 0, used_ = 0;
};

template <typename T>
struct ArenaAllocator {
  using value_type = T;
  ArenaAllocator() = default;  // no arena: allocate_huge alone
  explicit ArenaAllocator(BucketArena* arena) noexcept : arena(arena) {}
  template <typename U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept  // NOLINT: rebinding is implicit
      : arena(other.arena) {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(arena != nullptr ? arena->allocate(n * sizeof(T))
                                            : allocate_huge(n * sizeof(T)));
  }
  void deallocate(T* data, std::size_t n) noexcept {
    if (arena != nullptr)
      arena->deallocate(data, n * sizeof(T));
    else
      deallocate_huge(data, n * sizeof(T));
  }
  // Default-initialisation: a trivial T is left as it is (see the file's comment).
  template <typename U>
  void construct(U* p) noexcept(noexcept(U())) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const ArenaAllocator<U>& other) const noexcept {
    return arena == other.arena;
  }
  template <typename U>
  bool operator!=(const ArenaAllocator<U>& other) const noexcept {
    return arena != other.arena;
  }

  BucketArena* arena = nullptr;
};

template <typename T>
using ArenaVector = std::vector<T, ArenaAllocator<T>>;

}  // namespace healgrid
