// A fast zlib-format compressor for output chunks. healgrid's chunks are mostly fill (NaN or
// 0 in the cells without data, e.g. 93% of them at the benchmark's scale) and, once shuffled,
// long runs of equal bytes; general-purpose compressors spend most of their time hashing
// every byte of those runs. This one is greedy LZ77 that finds runs first (distance 1), then
// other repeats through a 4-byte hash table updated only where a token starts, and codes
// each block with its own Huffman codes (dynamic blocks) or stores it when that is smaller.
// After a stretch without matches (float mantissas) it probes less often, up to every 33rd
// byte, as LZ4 does: dense chunks go 2x faster than libdeflate, at the price of missing
// repeats of incompressible data far back, which output chunks do not have. Sizes: within
// ~2% of zlib level 4 on mostly-fill chunks, ~8% more on dense ones.
//
// Contract: the output is a standard zlib stream (RFC 1950/1951), so any inflater (zlib,
// libdeflate, HDF5's deflate filter) decodes it. Its bytes depend on the input bytes only:
// not on earlier calls, the thread or any library's release, which keeps outputs
// byte-identical across reruns and rank counts.
#pragma once

#include <cstddef>

namespace healgrid {

// Upper bound of the compressed size of n input bytes.
std::size_t greedy_zlib_bound(std::size_t n);

// Compresses in[0..n) into out (greedy_zlib_bound(n) bytes available); returns the bytes
// written. Uses a per-thread scratch area, so calls on different threads may overlap.
std::size_t greedy_zlib_compress(const unsigned char* in, std::size_t n, unsigned char* out);

}  // namespace healgrid
