#include "healgrid/write/deflate_filter.hpp"

#include <hdf5.h>
#include <libdeflate.h>

#include <algorithm>
#include <cstddef>
#include <limits>

#include "healgrid/util/deflate_codecs.hpp"
#include "healgrid/write/greedy_deflate.hpp"
#include "healgrid/write/predefined_filter.hpp"

namespace healgrid {
namespace {

constexpr int kMaxLevel = 9;        // zlib's scale, as H5Pset_deflate accepts
constexpr int kGreedyMaxLevel = 4;  // levels 1..4: write/greedy_deflate; above: libdeflate

// Replaces *buf (HDF5's allocation) with `out` of `size` bytes.
void hand_over(void** buf, std::size_t* buf_size, void* out, std::size_t size) {
  H5free_memory(*buf);
  *buf = out;
  *buf_size = size;
}

// Compresses into a new HDF5 allocation of `bound` bytes with `compress(out, bound)` (the
// bytes written, 0 on failure) and hands it over in place of *buf.
template <typename Compress>
std::size_t compress_into(void** buf, std::size_t* buf_size, std::size_t bound, Compress compress) {
  void* out = H5allocate_memory(bound, false);
  if (!out) return 0;
  const std::size_t written = compress(out, bound);
  if (written == 0) {
    H5free_memory(out);
    return 0;
  }
  hand_over(buf, buf_size, out, bound);
  return written;
}

// The H5Z_func_t: returns the bytes now valid in *buf, 0 on failure (HDF5 then stores a write
// unfiltered, the deflate filter being optional, or fails the read).
std::size_t deflate_filter(unsigned flags, std::size_t cd_nelmts, const unsigned cd_values[],
                           std::size_t nbytes, std::size_t* buf_size, void** buf) {
  if (flags & H5Z_FLAG_REVERSE) {
    auto* d = thread_decompressor();
    if (!d) return 0;
    // The chunk size is not passed in; 4x the stream fits shuffled floats, and it doubles
    // until the stream fits.
    std::size_t cap = std::max(
        *buf_size, nbytes > std::numeric_limits<std::size_t>::max() / 4 ? nbytes : nbytes * 4);
    for (;;) {
      void* out = H5allocate_memory(cap, false);
      if (!out) return 0;
      std::size_t produced = 0;
      const auto rc = libdeflate_zlib_decompress(d, *buf, nbytes, out, cap, &produced);
      if (rc == LIBDEFLATE_SUCCESS) {
        hand_over(buf, buf_size, out, cap);
        return produced;
      }
      H5free_memory(out);
      if (rc != LIBDEFLATE_INSUFFICIENT_SPACE || cap > std::numeric_limits<std::size_t>::max() / 2)
        return 0;
      cap *= 2;
    }
  }
  if (cd_nelmts < 1) return 0;  // H5Pset_deflate always stores the level
  const int level = static_cast<int>(std::min<unsigned>(cd_values[0], kMaxLevel));
  if (level >= 1 && level <= kGreedyMaxLevel)
    return compress_into(buf, buf_size, greedy_zlib_bound(nbytes), [&](void* out, std::size_t) {
      return greedy_zlib_compress(static_cast<const unsigned char*>(*buf), nbytes,
                                  static_cast<unsigned char*>(out));
    });
  auto* c = thread_compressor(level);
  if (!c) return 0;
  return compress_into(buf, buf_size, libdeflate_zlib_compress_bound(c, nbytes),
                       [&](void* out, std::size_t cap) {
                         return libdeflate_zlib_compress(c, *buf, nbytes, out, cap);
                       });
}

}  // namespace

bool use_fast_hdf5_deflate() {
  return replace_predefined_filter(H5Z_FILTER_DEFLATE, "deflate", deflate_filter);
}

}  // namespace healgrid
