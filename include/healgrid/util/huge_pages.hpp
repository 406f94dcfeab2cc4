// Asks the kernel for transparent huge pages over a large buffer about to be filled once (the
// index pass's points): one fault per 2 MB instead of one per 4 KB page, where the kernel offers
// them ("madvise" or "always" mode of /sys/kernel/mm/transparent_hugepage/enabled). Only the
// whole 2 MB-aligned pages inside [data, data + bytes) are advised; a no-op elsewhere.
#pragma once

#include <cstddef>
#include <vector>

namespace healgrid {

void advise_huge_pages(void* data, std::size_t bytes);

// `v` resized to `n` value-initialised elements in fresh storage advised as above (for large
// buffers filled once: the exchange's receive arrays); its old contents are dropped.
template <typename T>
void resize_in_huge_pages(std::vector<T>& v, std::size_t n) {
  std::vector<T>().swap(v);
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(T));
  v.resize(n);
}

}  // namespace healgrid
