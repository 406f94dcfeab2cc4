#include "healgrid/write/shuffle_filter.hpp"

#include <hdf5.h>

#include <cstdint>
#include <cstring>

#include "healgrid/write/predefined_filter.hpp"

namespace healgrid {
namespace {

// Byte k of element i goes to plane k (dst[k * n + i]), as H5Z__filter_shuffle lays it out.
template <typename Word>
void shuffle_words(const unsigned char* src, std::size_t n, unsigned char* dst) {
  constexpr std::size_t size = sizeof(Word);
  for (std::size_t i = 0; i < n; ++i) {
    Word w;
    std::memcpy(&w, src + i * size, size);
    for (std::size_t k = 0; k < size; ++k)
      dst[k * n + i] = static_cast<unsigned char>(w >> (8 * k));
  }
}

template <typename Word>
void unshuffle_words(const unsigned char* src, std::size_t n, unsigned char* dst) {
  constexpr std::size_t size = sizeof(Word);
  for (std::size_t i = 0; i < n; ++i) {
    Word w = 0;
    for (std::size_t k = 0; k < size; ++k) w |= static_cast<Word>(src[k * n + i]) << (8 * k);
    std::memcpy(dst + i * size, &w, size);
  }
}

void shuffle_bytes(const unsigned char* src, std::size_t n, std::size_t size, unsigned char* dst,
                   bool reverse) {
  if (size == 4 && !reverse) return shuffle_words<std::uint32_t>(src, n, dst);
  if (size == 4) return unshuffle_words<std::uint32_t>(src, n, dst);
  if (size == 8 && !reverse) return shuffle_words<std::uint64_t>(src, n, dst);
  if (size == 8) return unshuffle_words<std::uint64_t>(src, n, dst);
  for (std::size_t k = 0; k < size; ++k)
    for (std::size_t i = 0; i < n; ++i) {
      if (reverse)
        dst[i * size + k] = src[k * n + i];
      else
        dst[k * n + i] = src[i * size + k];
    }
}

// The H5Z_func_t: returns the bytes now valid in *buf, 0 on failure.
std::size_t shuffle_filter(unsigned flags, std::size_t cd_nelmts, const unsigned cd_values[],
                           std::size_t nbytes, std::size_t* buf_size, void** buf) {
  if (cd_nelmts < 1 || cd_values[0] == 0) return 0;
  const std::size_t size = cd_values[0], n = nbytes / size;
  if (size == 1 || n <= 1) return nbytes;  // nothing to reorder
  auto* out = static_cast<unsigned char*>(H5allocate_memory(nbytes, false));
  if (!out) return 0;
  const auto* in = static_cast<const unsigned char*>(*buf);
  shuffle_bytes(in, n, size, out, (flags & H5Z_FLAG_REVERSE) != 0);
  const std::size_t left = nbytes - n * size;  // a partial element stays as it is, at the end
  if (left) std::memcpy(out + n * size, in + n * size, left);
  H5free_memory(*buf);
  *buf = out;
  *buf_size = nbytes;
  return nbytes;
}

// The H5Z_set_local_func_t: stores the dataset type's size in cd_values[0], as HDF5's does.
herr_t shuffle_set_local(hid_t dcpl, hid_t type, hid_t) {
  unsigned flags = 0, cd_values[1] = {0};
  std::size_t cd_nelmts = 1;
  if (H5Pget_filter_by_id2(dcpl, H5Z_FILTER_SHUFFLE, &flags, &cd_nelmts, cd_values, 0, nullptr,
                           nullptr) < 0)
    return -1;
  const std::size_t size = H5Tget_size(type);
  if (size == 0) return -1;
  cd_values[0] = static_cast<unsigned>(size);
  return H5Pmodify_filter(dcpl, H5Z_FILTER_SHUFFLE, flags, 1, cd_values);
}

}  // namespace

bool use_fast_hdf5_shuffle() {
  return replace_predefined_filter(H5Z_FILTER_SHUFFLE, "shuffle", shuffle_filter,
                                   shuffle_set_local);
}

}  // namespace healgrid
