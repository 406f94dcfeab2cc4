#include "healgrid/aggregate/bucket_arena.hpp"

#include <cstdint>

namespace healgrid {

BucketArena::~BucketArena() { deallocate_huge(data_, capacity_); }

void BucketArena::reset(std::size_t bytes) {
  used_ = 0;
  if (bytes <= capacity_) return;
  deallocate_huge(data_, capacity_);
  data_ = nullptr;  // empty, not dangling, if the allocation below throws
  capacity_ = 0;
  data_ = static_cast<unsigned char*>(allocate_huge(bytes));
  capacity_ = bytes;
}

void* BucketArena::allocate(std::size_t bytes) {
  // Blocks lie at multiples of kAlignment from the buffer's start (malloc's 16-byte alignment
  // for a small buffer, 2 MB for a large one): enough for any element type of a bucket.
  const std::size_t need = footprint(bytes);
  if (data_ != nullptr && bytes > 0 && need <= capacity_ - used_) {
    void* p = data_ + used_;
    used_ += need;
    return p;
  }
  return allocate_huge(bytes);
}

void BucketArena::deallocate(void* data, std::size_t bytes) noexcept {
  if (!holds(data)) deallocate_huge(data, bytes);
}

bool BucketArena::holds(const void* data) const {
  const auto p = reinterpret_cast<std::uintptr_t>(data);
  const auto begin = reinterpret_cast<std::uintptr_t>(data_);
  return data_ != nullptr && p >= begin && p - begin < capacity_;
}

}  // namespace healgrid
