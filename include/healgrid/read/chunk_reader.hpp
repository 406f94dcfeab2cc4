// Fast reads of 1-D chunked datasets stored with deflate (and optionally shuffle), the layout
// of every ICESat-2 granule: whole raw chunks come from H5Dread_chunk, are inflated with
// libdeflate (2-3x faster than zlib on the same streams), unshuffled and converted to double
// here. A chunk never written (HDF5 allocates chunks as they are written) reads as the
// dataset's fill value, as H5Dread returns it; a chunk that inflates to more or fewer rows is
// taken as HDF5 takes it when it holds every row inside the dataset. Datasets with any other
// layout, filter (fletcher32, szip, scaleoffset, n-bit, plugins...), type, an undefined fill
// value or unfiltered partial edge chunks are not `supported` and the caller reads them with
// H5Dread.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/chunk_carry.hpp"

namespace healgrid {

class ChunkReader {
 public:
  // Inspects `dataset` (not owned; must outlive this) and its creation property list `dcpl`
  // (H5Dget_create_plist: given where the caller holds it already). supported() tells whether
  // read() works.
  ChunkReader(hid_t dataset, const H5Handle& dcpl);
  explicit ChunkReader(hid_t dataset);

  bool supported() const { return supported_; }

  // Rows [row0, row0 + n) as double into out[0..n). Throws std::runtime_error on a chunk that
  // cannot be read or inflated (the message says which chunk).
  void read(std::uint64_t row0, std::uint64_t n, double* out);

  // From now on, a chunk this reader leaves without having read its first or its last row goes
  // to `carry` under (granule, beam, variable), and a chunk it needs is first looked for there
  // (read/chunk_carry.hpp). `carry` must outlive this reader or the next call.
  void carry_through(ChunkCarry* carry, std::uint32_t granule, std::uint32_t beam,
                     std::uint32_t variable);
  // Leaves the chunk now decoded: to the carry if it was read only in part (also before the
  // reader is dropped).
  void release_to_carry();

 private:
  enum class Kind { i8, u8, i16, u16, i32, u32, i64, u64, f32, f64 };
  void decode_chunk(std::uint64_t index);
  void fill_chunk();  // chunk_ = the fill value in every row
  std::size_t inflate_chunk(const unsigned char* in, std::size_t n,
                            std::vector<unsigned char>& out) const;

  hid_t dataset_;
  bool supported_ = false;
  bool deflate_ = false, shuffle_ = false;
  Kind kind_ = Kind::f64;
  std::size_t element_size_ = 0;
  std::uint64_t chunk_rows_ = 0, rows_ = 0;
  std::uint64_t decoded_index_ = UINT64_MAX;  // the chunk now in `chunk_`
  std::vector<unsigned char> chunk_;          // the decoded chunk (sized at the first read)
  std::vector<unsigned char> fill_element_;   // one element of the fill value, file byte order
  ChunkCarry* carry_ = nullptr;
  ChunkCarry::Key carry_key_{};
  bool read_first_ = false, read_last_ = false;  // the decoded chunk's first and last row read
};

}  // namespace healgrid
