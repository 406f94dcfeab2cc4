#include "healgrid/read/chunk_reader.hpp"

#include <libdeflate.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/util/cpu_features.hpp"
#include "healgrid/util/deflate_codecs.hpp"

namespace healgrid {
namespace {

// n elements of T in `src` to doubles.
template <typename T>
void convert_contiguous(const unsigned char* src, std::size_t n, double* out) {
  with_simd(
      [](const unsigned char* from, std::size_t count, double* to) HEALGRID_SIMD_BODY {
        for (std::size_t i = 0; i < count; ++i) {
          T v;
          std::memcpy(&v, from + i * sizeof(T), sizeof(T));
          to[i] = static_cast<double>(v);
        }
      },
      src, n, out);
}

// Rows of `cols` elements of T, `row_step` and `col_step` elements apart in `src`, to doubles
// `out_step` apart per row.
template <typename T>
void convert(const unsigned char* src, std::size_t rows, std::size_t cols, std::size_t row_step,
             std::size_t col_step, std::size_t out_step, double* out) {
  const auto at = [src](std::size_t element) {
    T v;
    std::memcpy(&v, src + element * sizeof(T), sizeof(T));
    return static_cast<double>(v);
  };
  if ((cols == 1 && row_step == 1 && out_step == 1) ||
      (col_step == 1 && row_step == cols && out_step == cols)) {
    convert_contiguous<T>(src, rows * cols, out);  // vectorised
    return;
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[r * out_step + c] = at(r * row_step + c * col_step);
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

ChunkReader::ChunkReader(hid_t dataset, const std::vector<std::int64_t>& select)
    : ChunkReader(dataset, H5Handle(H5Dget_create_plist(dataset), H5Pclose), select) {}

ChunkReader::ChunkReader(hid_t dataset, const H5Handle& dcpl,
                         const std::vector<std::int64_t>& select)
    : dataset_(dataset) {
  H5Handle space(H5Dget_space(dataset), H5Sclose);
  const H5Handle stored(H5Dget_type(dataset), H5Tclose);
  const H5Handle type = h5::value_type(stored.get());  // an enum's elements: its integers
  if (!dcpl.valid() || !space.valid() || !type.valid()) return;
  if (!inspect_layout(dcpl, space.get(), select) || !inspect_type(type.get())) return;
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

// The chunk geometry of the selection and the filter pipeline; false where H5Dread must read.
bool ChunkReader::inspect_layout(const H5Handle& dcpl, hid_t space,
                                 const std::vector<std::int64_t>& select) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED || rank < 1 || rank > H5S_MAX_RANK) return false;
  if (!select.empty() && select.size() != static_cast<std::size_t>(rank)) return false;
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  chunk_dims_.assign(dims.size(), 0);
  if (H5Pget_chunk(dcpl.get(), rank, chunk_dims_.data()) != rank) return false;
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  origin_.assign(dims.size(), 0);
  step_.assign(dims.size(), 1);
  int kept = 0;
  chunk_elements_ = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const auto u = static_cast<std::size_t>(d);
    if (chunk_dims_[u] == 0) return false;
    step_[u] = chunk_elements_;
    chunk_elements_ *= chunk_dims_[u];
  }
  for (std::size_t d = 0; d < dims.size(); ++d) {
    const std::int64_t fixed = select.empty() ? -1 : select[d];
    if (fixed >= 0) {
      if (static_cast<hsize_t>(fixed) >= dims[d]) return false;
      const auto index = static_cast<hsize_t>(fixed);
      origin_[d] = index - index % chunk_dims_[d];
      fixed_element_ += (index % chunk_dims_[d]) * step_[d];
    } else if (++kept == 1) {
      row_dim_ = static_cast<int>(d);
    } else {
      col_dim_ = static_cast<int>(d);
    }
  }
  if (kept < 1 || kept > 2) return false;
  rows_ = dims[static_cast<std::size_t>(row_dim_)];
  chunk_rows_ = chunk_dims_[static_cast<std::size_t>(row_dim_)];
  if (col_dim_ >= 0) {
    cols_ = dims[static_cast<std::size_t>(col_dim_)];
    chunk_cols_ = chunk_dims_[static_cast<std::size_t>(col_dim_)];
    col_chunks_ = (cols_ + chunk_cols_ - 1) / chunk_cols_;
  }
  decoded_.resize(col_chunks_);
  // Partial edge chunks stored unfiltered (HDF5 1.10's H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS)
  // carry no mark in their filter mask: only H5Dread knows to skip the filters there.
  unsigned chunk_opts = 0;
  if (H5Pget_chunk_opts(dcpl.get(), &chunk_opts) < 0 ||
      (chunk_opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) != 0)
    return false;
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
      return false;
  }
  return true;
}

bool ChunkReader::inspect_type(hid_t type) {
  const auto cls = H5Tget_class(type);
  element_size_ = H5Tget_size(type);
  if (H5Tget_order(type) != H5T_ORDER_LE) return false;  // x86/ARM hosts are little-endian
  if (cls == H5T_FLOAT) {
    if (element_size_ == 4 && H5Tequal(type, H5T_IEEE_F32LE) > 0)
      convert_ = convert<float>;
    else if (element_size_ == 8 && H5Tequal(type, H5T_IEEE_F64LE) > 0)
      convert_ = convert<double>;
    else
      return false;
    return true;
  }
  // Every bit of an integer element holds the value: a reduced precision or a bit offset
  // (HDF5's H5Tset_precision / H5Tset_offset, as n-bit data are stored) is left to H5Dread.
  if (cls != H5T_INTEGER || H5Tget_precision(type) != 8 * element_size_ || H5Tget_offset(type) != 0)
    return false;
  const bool sign = H5Tget_sign(type) == H5T_SGN_2;
  switch (element_size_) {
    case 1:
      convert_ = sign ? convert<std::int8_t> : convert<std::uint8_t>;
      return true;
    case 2:
      convert_ = sign ? convert<std::int16_t> : convert<std::uint16_t>;
      return true;
    case 4:
      convert_ = sign ? convert<std::int32_t> : convert<std::uint32_t>;
      return true;
    case 8:
      convert_ = sign ? convert<std::int64_t> : convert<std::uint64_t>;
      return true;
    default:
      return false;
  }
}

void ChunkReader::fill_from(std::vector<unsigned char>& chunk, std::size_t element) const {
  for (std::size_t i = element; i < chunk_elements_; ++i)
    std::memcpy(chunk.data() + i * element_size_, fill_element_.data(), element_size_);
}

// "chunk 3 (rows 3000..3999)"; with columns "chunk 3, 1 (rows 3000..3999, columns 8..15)".
std::string ChunkReader::chunk_name(std::uint64_t row_chunk, std::uint64_t col_chunk) const {
  const auto span = [](std::uint64_t first, std::uint64_t size, std::uint64_t total) {
    return std::to_string(first) + ".." + std::to_string(std::min(first + size, total) - 1);
  };
  const auto row0 = row_chunk * chunk_rows_;
  if (col_dim_ < 0)
    return "chunk " + std::to_string(row_chunk) + " (rows " + span(row0, chunk_rows_, rows_) + ")";
  return "chunk " + std::to_string(row_chunk) + ", " + std::to_string(col_chunk) + " (rows " +
         span(row0, chunk_rows_, rows_) + ", columns " +
         span(col_chunk * chunk_cols_, chunk_cols_, cols_) + ")";
}

ChunkReader::Decoded& ChunkReader::decode_chunk(std::uint64_t row_chunk, std::uint64_t col_chunk) {
  Decoded& d = decoded_[col_chunk];
  const std::uint64_t index = row_chunk * col_chunks_ + col_chunk;
  if (index == d.index) return d;
  leave(d);  // d.index unset until this chunk is whole: a failed read leaves none
  d.read_first = d.read_last = false;
  if (carry_) {
    carry_key_.chunk = index;
    if (carry_->take(carry_key_, d.bytes)) {
      if (d.bytes.size() == chunk_elements_ * element_size_) {
        d.index = index;
        return d;
      }
      d.bytes.clear();  // not this dataset's geometry: inflated below
    }
  }
  // Sized at the first read, not when opened: a reader opens every dataset of every beam, and
  // a run reads some of them only.
  if (d.bytes.empty()) d.bytes.resize(chunk_elements_ * element_size_);
  const auto offset = chunk_offset(row_chunk, col_chunk);
  const Stored stored = fd_ >= 0 ? places_.at(index) : locate(offset, row_chunk, col_chunk);
  if (stored.address == HADDR_UNDEF || stored.size == 0)  // never written: the fill value,
    fill_from(d.bytes, 0);                                // as HDF5 reads
  else
    decode_stored(offset, stored, row_chunk, col_chunk, d.bytes);
  d.index = index;
  return d;
}

std::vector<hsize_t> ChunkReader::chunk_offset(std::uint64_t row_chunk,
                                               std::uint64_t col_chunk) const {
  std::vector<hsize_t> offset = origin_;
  offset[static_cast<std::size_t>(row_dim_)] = row_chunk * chunk_rows_;
  if (col_dim_ >= 0) offset[static_cast<std::size_t>(col_dim_)] = col_chunk * chunk_cols_;
  return offset;
}

ChunkReader::Stored ChunkReader::locate(const std::vector<hsize_t>& offset, std::uint64_t row_chunk,
                                        std::uint64_t col_chunk) const {
  // A chunk never written has no address (H5Dget_chunk_storage_size fails on it).
  Stored s;
  if (H5Dget_chunk_info_by_coord(dataset_, offset.data(), &s.mask, &s.address, &s.size) < 0)
    throw std::runtime_error("cannot locate " + chunk_name(row_chunk, col_chunk) + " (" +
                             h5_error_line() + ")");
  return s;
}

bool ChunkReader::locate_all() {
  if (!places_.empty() || rows_ == 0) return true;
  const std::uint64_t row_chunks = (rows_ + chunk_rows_ - 1) / chunk_rows_;
  if (row_chunks > kMaxParkedChunks / col_chunks_) return false;
  std::vector<Stored> table(row_chunks * col_chunks_);
  try {
    for (std::uint64_t r = 0; r < row_chunks; ++r)
      for (std::uint64_t c = 0; c < col_chunks_; ++c)
        table[r * col_chunks_ + c] = locate(chunk_offset(r, c), r, c);
  } catch (const std::runtime_error&) {
    return false;  // read on with HDF5, which says what is wrong if the chunk is needed
  }
  places_ = std::move(table);
  return true;
}

void ChunkReader::park() {
  for (auto& d : decoded_) {
    d.index = UINT64_MAX;
    std::vector<unsigned char>().swap(d.bytes);
  }
  dataset_ = H5I_INVALID_HID;
  fd_ = -1;  // until read_from()
}

void ChunkReader::read_parked(const Stored& stored, std::uint64_t row_chunk,
                              std::uint64_t col_chunk, unsigned char* raw) const {
  std::size_t done = 0;
  while (done < stored.size) {
    const ssize_t got =
        pread(fd_, raw + done, stored.size - done, static_cast<off_t>(stored.address + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      throw std::runtime_error(
          "cannot read " + chunk_name(row_chunk, col_chunk) + " (" +
          (got < 0 ? std::string(std::strerror(errno)) : std::string("the file ends before it")) +
          ")");
    done += static_cast<std::size_t>(got);
  }
}

void ChunkReader::decode_stored(const std::vector<hsize_t>& offset, const Stored& s,
                                std::uint64_t row_chunk, std::uint64_t col_chunk,
                                std::vector<unsigned char>& chunk) const {
  auto& [raw, inflated] = decode_scratch();
  const hsize_t stored = s.size;
  if (raw.size() < stored) raw.resize(stored);
  std::uint32_t mask = s.mask;
  if (fd_ >= 0)
    read_parked(s, row_chunk, col_chunk, raw.data());
  else if (H5Dread_chunk(dataset_, H5P_DEFAULT, offset.data(), &mask, raw.data()) < 0)
    throw std::runtime_error("cannot read " + chunk_name(row_chunk, col_chunk) + " (" +
                             h5_error_line() + ")");
  // Filter mask bit i set: filter i of the pipeline was skipped for this chunk.
  const bool inflate = deflate_ && !(mask & (shuffle_ ? 2u : 1u));
  const bool unshuffle = shuffle_ && !(mask & 1u) && element_size_ > 1;  // one byte: as stored
  const unsigned char* data = raw.data();
  std::size_t size = stored;
  if (inflate) {
    // Inflated straight into the chunk unless a shuffle must still reorder the bytes.
    size = inflate_chunk(raw.data(), stored, unshuffle ? inflated : chunk);
    if (size == SIZE_MAX)
      throw std::runtime_error(chunk_name(row_chunk, col_chunk) + ": corrupt deflate stream");
    data = unshuffle ? inflated.data() : chunk.data();
  }
  // HDF5 takes a 1-D chunk that decodes to another length (an edge chunk written with only its
  // rows inside the dataset, or more): the rows inside the dataset must all be there. A chunk of
  // more dimensions must hold every element of the chunk (its rows are not the dataset's).
  const std::size_t elements = size / element_size_;
  const std::size_t needed = origin_.size() == 1
                                 ? std::min<std::uint64_t>(chunk_rows_, rows_ - offset[0])
                                 : chunk_elements_;
  if (size % element_size_ != 0 || elements < needed)
    throw std::runtime_error(chunk_name(row_chunk, col_chunk) + " decodes to " +
                             std::to_string(size) + " bytes, not " + std::to_string(needed) +
                             (origin_.size() == 1 ? " rows" : " elements") + " of " +
                             std::to_string(element_size_) + " bytes");
  const std::size_t kept = std::min<std::size_t>(elements, chunk_elements_);
  if (unshuffle) {
    // Shuffle stores byte k of every element together: byte plane k starts at k * elements.
    for (std::size_t k = 0; k < element_size_; ++k)
      for (std::size_t i = 0; i < kept; ++i) chunk[i * element_size_ + k] = data[k * elements + i];
  } else if (data != chunk.data()) {
    std::memcpy(chunk.data(), data, kept * element_size_);
  }
  chunk.resize(chunk_elements_ * element_size_);  // a longer decode: its bytes beyond the chunk
  fill_from(chunk, kept);                         // a shorter one: rows beyond the dataset
}

// Inflates a zlib stream into `out` (sized to the chunk at least), growing it when the stream
// holds more; returns the bytes produced, SIZE_MAX for a stream that is not valid.
std::size_t ChunkReader::inflate_chunk(const unsigned char* in, std::size_t n,
                                       std::vector<unsigned char>& out) const {
  const std::size_t chunk_bytes = chunk_elements_ * element_size_;
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

void ChunkReader::leave(Decoded& d) {
  const auto left = d.index;
  d.index = UINT64_MAX;  // none until the next is whole: a failed read leaves no chunk
  if (carry_ && left != UINT64_MAX && !(d.read_first && d.read_last)) {
    carry_key_.chunk = left;
    carry_->put(carry_key_, d.bytes);
  }
}

void ChunkReader::release_to_carry() {
  for (auto& d : decoded_) leave(d);
}

void ChunkReader::convert_block(const Decoded& d, std::size_t first, std::size_t rows,
                                std::size_t cols, std::size_t row_step, std::size_t col_step,
                                double* out) const {
  const unsigned char* src = d.bytes.data() + first * element_size_;
  convert_(src, rows, cols, row_step, col_step, cols_, out);
}

void ChunkReader::read(std::uint64_t row0, std::uint64_t n, double* out) {
  if (n == 0) return;
  if (row0 + n > rows_) throw std::runtime_error("rows beyond the end of the dataset");
  const std::size_t row_step = step_[static_cast<std::size_t>(row_dim_)];
  const std::size_t col_step = col_dim_ >= 0 ? step_[static_cast<std::size_t>(col_dim_)] : 0;
  for (std::uint64_t row = row0; row < row0 + n;) {
    const auto row_chunk = row / chunk_rows_;
    const auto first = row - row_chunk * chunk_rows_;
    const auto count = std::min<std::uint64_t>(chunk_rows_ - first, row0 + n - row);
    for (std::uint64_t col_chunk = 0; col_chunk < col_chunks_; ++col_chunk) {
      Decoded& d = decode_chunk(row_chunk, col_chunk);
      d.read_first |= first == 0;
      d.read_last |= first + count == chunk_rows_ || row + count == rows_;
      const auto col0 = col_chunk * chunk_cols_;
      const auto cols = std::min<std::uint64_t>(chunk_cols_, cols_ - col0);
      convert_block(d, fixed_element_ + first * row_step, count, cols, row_step, col_step,
                    out + (row - row0) * cols_ + col0);
    }
    row += count;
  }
}

}  // namespace healgrid
