#include "healgrid/util/deflate_codecs.hpp"

#include <array>
#include <cstddef>

namespace healgrid {

libdeflate_decompressor* thread_decompressor() {
  thread_local struct Holder {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    ~Holder() { libdeflate_free_decompressor(d); }
  } holder;
  return holder.d;
}

libdeflate_compressor* thread_compressor(int level) {
  thread_local struct Holder {
    std::array<libdeflate_compressor*, kMaxDeflateLevel + 1> c{};
    ~Holder() {
      for (auto* p : c) libdeflate_free_compressor(p);
    }
  } holder;
  auto*& c = holder.c[static_cast<std::size_t>(level)];
  if (!c) c = libdeflate_alloc_compressor(level);
  return c;
}

}  // namespace healgrid
