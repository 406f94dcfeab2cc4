#include "healgrid/read/chunk_reader.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/util/deflate_codecs.hpp"

namespace healgrid {
namespace {

template <typename T>
void convert(const unsigned char* src, std::size_t n, double* out) {
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

// The stored bytes of the chunk being decoded, and its inflated bytes when a shuffle must
// still reorder them (else it is inflated in place): transient, so one pair per thread serves
// every reader (no fresh pages per granule, no regrowth per chunk size).
struct DecodeScratch {
  std::vector<unsigned char> raw, inflated;
};
DecodeScratch& decode_scratch() {
  thread_local DecodeScratch scratch;
  return scratch;
}

}  // namespace

ChunkReader::ChunkReader(hid_t dataset)
    : ChunkReader(dataset, H5Handle(H5Dget_create_plist(dataset), H5Pclose)) {}

ChunkReader::ChunkReader(hid_t dataset, const H5Handle& dcpl) : dataset_(dataset) {
  H5Handle space(H5Dget_space(dataset), H5Sclose);
  H5Handle type(H5Dget_type(dataset), H5Tclose);
  if (!dcpl.valid() || !space.valid() || !type.valid()) return;
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED || H5Sget_simple_extent_ndims(space.get()) != 1)
    return;
  hsize_t chunk = 0, rows = 0;
  if (H5Pget_chunk(dcpl.get(), 1, &chunk) != 1 || chunk == 0) return;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  chunk_rows_ = chunk;
  rows_ = rows;
  // Partial edge chunks stored unfiltered (HDF5 1.10's H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS)
  // carry no mark in their filter mask: only H5Dread knows to skip the filters there.
  unsigned chunk_opts = 0;
  if (H5Pget_chunk_opts(dcpl.get(), &chunk_opts) < 0 ||
      (chunk_opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) != 0)
    return;

  // Filters, in the order they were applied when writing: at most one shuffle, before one
  // deflate (a second shuffle, or one after deflate, is left to H5Dread).
  const int nfilters = H5Pget_nfilters(dcpl.get());
  for (int i = 0; i < nfilters; ++i) {
    unsigned flags = 0;
    std::size_t nelmts = 0;
    const auto id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelmts, nullptr,
                                   0, nullptr, nullptr);
    if (id == H5Z_FILTER_SHUFFLE && !deflate_ && !shuffle_)
      shuffle_ = true;
    else if (id == H5Z_FILTER_DEFLATE && !deflate_)
      deflate_ = true;
    else
      return;
  }

  const auto cls = H5Tget_class(type.get());
  element_size_ = H5Tget_size(type.get());
  if (H5Tget_order(type.get()) != H5T_ORDER_LE) return;  // x86/ARM hosts are little-endian
  if (cls == H5T_FLOAT) {
    if (element_size_ == 4 && H5Tequal(type.get(), H5T_IEEE_F32LE) > 0)
      kind_ = Kind::f32;
    else if (element_size_ == 8 && H5Tequal(type.get(), H5T_IEEE_F64LE) > 0)
      kind_ = Kind::f64;
    else
      return;
  } else if (cls == H5T_INTEGER) {
    // Every bit of the element holds the value: a reduced precision or a bit offset (HDF5's
    // H5Tset_precision / H5Tset_offset, as n-bit data are stored) is left to H5Dread.
    if (H5Tget_precision(type.get()) != 8 * element_size_ || H5Tget_offset(type.get()) != 0) return;
    const bool sign = H5Tget_sign(type.get()) == H5T_SGN_2;
    switch (element_size_) {
      case 1:
        kind_ = sign ? Kind::i8 : Kind::u8;
        break;
      case 2:
        kind_ = sign ? Kind::i16 : Kind::u16;
        break;
      case 4:
        kind_ = sign ? Kind::i32 : Kind::u32;
        break;
      case 8:
        kind_ = sign ? Kind::i64 : Kind::u64;
        break;
      default:
        return;
    }
  } else {
    return;
  }
  // A chunk never written reads as the dataset's fill value, as H5Dread returns it (zero when
  // none was set); with an undefined fill value HDF5 returns arbitrary bytes: leave those to it.
  H5D_fill_value_t fill_status = H5D_FILL_VALUE_ERROR;
  if (H5Pfill_value_defined(dcpl.get(), &fill_status) < 0 ||
      fill_status == H5D_FILL_VALUE_UNDEFINED)
    return;
  fill_element_.assign(element_size_, 0);
  if (fill_status != H5D_FILL_VALUE_DEFAULT &&
      H5Pget_fill_value(dcpl.get(), type.get(), fill_element_.data()) < 0)
    return;
  supported_ = true;
}

void ChunkReader::fill_chunk() {
  for (std::size_t i = 0; i < chunk_rows_; ++i)
    std::memcpy(chunk_.data() + i * element_size_, fill_element_.data(), element_size_);
}

void ChunkReader::decode_chunk(std::uint64_t index) {
  if (index == decoded_index_) return;
  release_to_carry();  // decoded_index_ unset until this chunk is whole: a failed read leaves none
  read_first_ = read_last_ = false;
  if (carry_) {
    carry_key_.chunk = index;
    if (carry_->take(carry_key_, chunk_)) {
      if (chunk_.size() == chunk_rows_ * element_size_) {
        decoded_index_ = index;
        return;
      }
      chunk_.clear();  // not this dataset's geometry: inflated below
    }
  }
  // Sized at the first read, not when opened: a reader opens every dataset of every beam, and
  // a run reads some of them only.
  if (chunk_.empty()) chunk_.resize(chunk_rows_ * element_size_);
  const hsize_t offset = index * chunk_rows_;
  // Messages name the rows too (the caller adds the file and dataset).
  const auto which = [&] {
    const auto last = std::min<std::uint64_t>(offset + chunk_rows_, rows_) - 1;
    return "chunk " + std::to_string(index) + " (rows " + std::to_string(offset) + ".." +
           std::to_string(last) + ")";
  };
  // A chunk never written has no address (H5Dget_chunk_storage_size fails on it).
  unsigned stored_mask = 0;
  haddr_t address = HADDR_UNDEF;
  hsize_t stored = 0;
  if (H5Dget_chunk_info_by_coord(dataset_, &offset, &stored_mask, &address, &stored) < 0)
    throw std::runtime_error("cannot locate " + which() + " (" + h5_error_line() + ")");
  if (address == HADDR_UNDEF || stored == 0) {  // never written: the fill value, as HDF5 reads
    fill_chunk();
    decoded_index_ = index;
    return;
  }
  auto& [raw, inflated] = decode_scratch();
  if (raw.size() < stored) raw.resize(stored);
  std::uint32_t mask = 0;
  if (H5Dread_chunk(dataset_, H5P_DEFAULT, &offset, &mask, raw.data()) < 0)
    throw std::runtime_error("cannot read " + which() + " (" + h5_error_line() + ")");
  // Filter mask bit i set: filter i of the pipeline was skipped for this chunk.
  const bool inflate = deflate_ && !(mask & (shuffle_ ? 2u : 1u));
  const bool unshuffle = shuffle_ && !(mask & 1u) && element_size_ > 1;  // one byte: as stored
  const unsigned char* data = raw.data();
  std::size_t size = stored;
  if (inflate) {
    // Inflated straight into the chunk unless a shuffle must still reorder the bytes.
    size = inflate_chunk(raw.data(), stored, unshuffle ? inflated : chunk_);
    if (size == SIZE_MAX) throw std::runtime_error(which() + ": corrupt deflate stream");
    data = unshuffle ? inflated.data() : chunk_.data();
  }
  // HDF5 takes a chunk that decodes to another length (an edge chunk written with only its
  // rows inside the dataset, or more): the rows inside the dataset must all be there.
  const std::size_t elements = size / element_size_;
  const std::size_t inside = std::min<std::uint64_t>(chunk_rows_, rows_ - offset);
  if (size % element_size_ != 0 || elements < inside)
    throw std::runtime_error(which() + " decodes to " + std::to_string(size) + " bytes, not " +
                             std::to_string(inside) + " rows of " + std::to_string(element_size_) +
                             " bytes");
  const std::size_t kept = std::min<std::size_t>(elements, chunk_rows_);
  if (unshuffle) {
    // Shuffle stores byte k of every element together: byte plane k starts at k * elements.
    for (std::size_t k = 0; k < element_size_; ++k)
      for (std::size_t i = 0; i < kept; ++i) chunk_[i * element_size_ + k] = data[k * elements + i];
  } else if (data != chunk_.data()) {
    std::memcpy(chunk_.data(), data, kept * element_size_);
  }
  chunk_.resize(chunk_rows_ * element_size_);       // a longer decode: its rows beyond the chunk
  for (std::size_t i = kept; i < chunk_rows_; ++i)  // a shorter one: rows beyond the dataset
    std::memcpy(chunk_.data() + i * element_size_, fill_element_.data(), element_size_);
  decoded_index_ = index;
}

// Inflates a zlib stream into `out` (sized to the chunk at least), growing it when the stream
// holds more; returns the bytes produced, SIZE_MAX for a stream that is not valid.
std::size_t ChunkReader::inflate_chunk(const unsigned char* in, std::size_t n,
                                       std::vector<unsigned char>& out) const {
  const std::size_t chunk_bytes = chunk_rows_ * element_size_;
  if (out.size() < chunk_bytes) out.resize(chunk_bytes);
  // Deflate expands by at most 1032:1; beyond that (or 1 GiB) no stream is valid.
  const std::size_t most = std::max(chunk_bytes, std::min<std::size_t>(n * 1032, 1u << 30));
  for (;;) {
    std::size_t produced = 0;
    const auto rc =
        libdeflate_zlib_decompress(thread_decompressor(), in, n, out.data(), out.size(), &produced);
    if (rc == LIBDEFLATE_SUCCESS) return produced;
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE || out.size() >= most) return SIZE_MAX;
    out.resize(std::min(out.size() * 2, most));
  }
}

void ChunkReader::carry_through(ChunkCarry* carry, std::uint32_t granule, std::uint32_t beam,
                                std::uint32_t variable) {
  carry_ = carry;
  carry_key_ = {granule, beam, variable, 0};
}

void ChunkReader::release_to_carry() {
  const auto left = decoded_index_;
  decoded_index_ = UINT64_MAX;  // none until the next is whole: a failed read leaves no chunk
  if (carry_ && left != UINT64_MAX && !(read_first_ && read_last_)) {
    carry_key_.chunk = left;
    carry_->put(carry_key_, chunk_);
  }
}

void ChunkReader::read(std::uint64_t row0, std::uint64_t n, double* out) {
  if (n == 0) return;
  if (row0 + n > rows_) throw std::runtime_error("rows beyond the end of the dataset");
  for (std::uint64_t row = row0; row < row0 + n;) {
    const auto index = row / chunk_rows_;
    decode_chunk(index);
    const auto first = row - index * chunk_rows_;
    const auto count = std::min<std::uint64_t>(chunk_rows_ - first, row0 + n - row);
    read_first_ |= first == 0;
    read_last_ |= first + count == chunk_rows_ || row + count == rows_;
    const unsigned char* src = chunk_.data() + first * element_size_;
    double* dst = out + (row - row0);
    switch (kind_) {
      case Kind::i8:
        convert<std::int8_t>(src, count, dst);
        break;
      case Kind::u8:
        convert<std::uint8_t>(src, count, dst);
        break;
      case Kind::i16:
        convert<std::int16_t>(src, count, dst);
        break;
      case Kind::u16:
        convert<std::uint16_t>(src, count, dst);
        break;
      case Kind::i32:
        convert<std::int32_t>(src, count, dst);
        break;
      case Kind::u32:
        convert<std::uint32_t>(src, count, dst);
        break;
      case Kind::i64:
        convert<std::int64_t>(src, count, dst);
        break;
      case Kind::u64:
        convert<std::uint64_t>(src, count, dst);
        break;
      case Kind::f32:
        convert<float>(src, count, dst);
        break;
      case Kind::f64:
        convert<double>(src, count, dst);
        break;
    }
    row += count;
  }
}

}  // namespace healgrid
