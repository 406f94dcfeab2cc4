#include "healgrid/write/deflate_filter.hpp"

#include <dlfcn.h>
#include <hdf5.h>
#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>

namespace healgrid {
namespace {

constexpr int kMaxLevel = 9;  // zlib's scale, as H5Pset_deflate accepts

libdeflate_compressor* compressor(int level) {
  // One per level per thread, kept for the process: allocating one per chunk costs more than
  // compressing a 16 KB chunk.
  thread_local struct Holder {
    std::array<libdeflate_compressor*, kMaxLevel + 1> c{};
    ~Holder() {
      for (auto* p : c) libdeflate_free_compressor(p);
    }
  } holder;
  auto*& c = holder.c[static_cast<std::size_t>(level)];
  if (!c) c = libdeflate_alloc_compressor(level);
  return c;
}

libdeflate_decompressor* decompressor() {
  thread_local struct Holder {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    ~Holder() { libdeflate_free_decompressor(d); }
  } holder;
  return holder.d;
}

// Replaces *buf (HDF5's allocation) with `out` of `size` bytes.
void hand_over(void** buf, std::size_t* buf_size, void* out, std::size_t size) {
  H5free_memory(*buf);
  *buf = out;
  *buf_size = size;
}

// The H5Z_func_t: returns the bytes now valid in *buf, 0 on failure (HDF5 then stores a write
// unfiltered, the deflate filter being optional, or fails the read).
std::size_t deflate_filter(unsigned flags, std::size_t cd_nelmts, const unsigned cd_values[],
                           std::size_t nbytes, std::size_t* buf_size, void** buf) {
  if (flags & H5Z_FLAG_REVERSE) {
    auto* d = decompressor();
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
  auto* c = compressor(level);
  if (!c) return 0;
  const std::size_t bound = libdeflate_zlib_compress_bound(c, nbytes);
  void* out = H5allocate_memory(bound, false);
  if (!out) return 0;
  const std::size_t written = libdeflate_zlib_compress(c, *buf, nbytes, out, bound);
  if (written == 0) {
    H5free_memory(out);
    return 0;
  }
  hand_over(buf, buf_size, out, bound);
  return written;
}

// The public H5Zregister refuses ids below H5Z_FILTER_RESERVED ("unable to modify predefined
// filters"); H5Z_register, which it wraps and which replaces a registered id in place, is
// exported by HDF5's shared library (checked on 1.10.8) but not declared in its headers.
// Looked up at run time, so an HDF5 without it keeps its zlib filter instead of failing.
using RegisterFn = herr_t (*)(const H5Z_class2_t*);

RegisterFn internal_register() {
  static const auto fn = reinterpret_cast<RegisterFn>(dlsym(RTLD_DEFAULT, "H5Z_register"));
  return fn;
}

}  // namespace

bool use_libdeflate_for_hdf5_deflate() {
  static const H5Z_class2_t cls = [] {
    H5Z_class2_t c{};
    c.version = H5Z_CLASS_T_VERS;
    c.id = H5Z_FILTER_DEFLATE;
    c.encoder_present = 1;
    c.decoder_present = 1;
    c.name = "deflate";  // HDF5's own name: version-1 pipeline messages store it in the file
    c.filter = deflate_filter;
    return c;
  }();
  // Only the releases whose H5Z_register(const H5Z_class2_t*) is known (1.10 to 1.14).
  unsigned major = 0, minor = 0, release = 0;
  if (H5get_libversion(&major, &minor, &release) < 0 || major != 1 || minor < 10 || minor > 14)
    return false;
  const RegisterFn reg = internal_register();
  // H5open and a public H5Z call first: they initialise the library and the filter table, so
  // the built-in filter is there to be replaced, not registered again after ours.
  if (!reg || H5open() < 0 || H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) return false;
  // Registering again (e.g. after an H5close reset the table) just rewrites the same entry.
  return reg(&cls) >= 0;
}

}  // namespace healgrid
