// Asks the kernel for transparent huge pages over a large buffer about to be filled once (the
// index pass's points): one fault per 2 MB instead of one per 4 KB page, where the kernel offers
// them ("madvise" or "always" mode of /sys/kernel/mm/transparent_hugepage/enabled). Only the
// whole 2 MB-aligned pages inside [data, data + bytes) are advised; a no-op elsewhere.
#pragma once

#include <cstddef>

namespace healgrid {

void advise_huge_pages(void* data, std::size_t bytes);

}  // namespace healgrid
