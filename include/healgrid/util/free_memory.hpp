// Gives the pages of freed heap memory back to the kernel. healgrid keeps freed memory in the
// process by default (main.cpp: no mmap, no trimming), which makes a fresh buffer cheap but lets
// the resident set creep over a run in passes as each pass's buffers land at other addresses of
// the heap; a bounded-memory run calls this between passes so that a pass's peak is its own
// live set plus a fixed overhead (docs/performance.md). Costs the re-faulting of those pages.
#pragma once

namespace healgrid {

void return_free_memory();

}  // namespace healgrid
