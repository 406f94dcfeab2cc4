// libdeflate (de)compressors, one per thread (and per level), kept for the process: allocating
// one per chunk would cost more than (de)compressing a chunk. Shared by the input chunk reader
// and the output deflate filter.
#pragma once

#include <libdeflate.h>

namespace healgrid {

constexpr int kMaxDeflateLevel = 12;  // libdeflate's highest level

libdeflate_decompressor* thread_decompressor();
// `level` in 0..kMaxDeflateLevel; nullptr if libdeflate cannot allocate one.
libdeflate_compressor* thread_compressor(int level);

}  // namespace healgrid
