// Fast reads of chunked datasets stored with deflate (and optionally shuffle), the layout of
// every ICESat-2 granule: whole raw chunks come from H5Dread_chunk, are inflated with
// libdeflate (2-3x faster than zlib on the same streams), unshuffled and converted to double
// here. A dataset of any rank is read through a selection that keeps one or two of its
// dimensions (the rows, then the columns) and fixes every other at one index: a 1-D dataset
// whole, a 2-D one whole (rows x columns, row-major) or one column of it (ATL03's
// signal_conf_ph[:, k]). A chunk never written (HDF5 allocates chunks as they are written)
// reads as the dataset's fill value, as H5Dread returns it; a 1-D chunk that inflates to more
// or fewer rows is taken as HDF5 takes it when it holds every row inside the dataset, a chunk
// of more dimensions only at its full size or more. Datasets with any other layout, filter
// (fletcher32, szip, scaleoffset, n-bit, plugins...), type, an undefined fill value or
// unfiltered partial edge chunks are not `supported` and the caller reads them with H5Dread.
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
  // (H5Dget_create_plist: given where the caller holds it already). `select` has one item per
  // dataset dimension, -1 to keep it, else the index it is fixed at (in range); empty keeps
  // every dimension. supported() tells whether read() works: also false unless one or two
  // dimensions are kept.
  ChunkReader(hid_t dataset, const H5Handle& dcpl, const std::vector<std::int64_t>& select = {});
  explicit ChunkReader(hid_t dataset, const std::vector<std::int64_t>& select = {});

  bool supported() const { return supported_; }
  // Values per row: the length of the second kept dimension, 1 when one is kept.
  std::uint64_t width() const { return cols_; }

  // Rows [row0, row0 + n) as double into out[0..n * width()), row-major. Throws
  // std::runtime_error on a chunk that cannot be read or inflated (the message says which).
  void read(std::uint64_t row0, std::uint64_t n, double* out);

  // From now on, a chunk this reader leaves without having read its first or its last row goes
  // to `carry` under (granule, beam, variable), and a chunk it needs is first looked for there
  // (read/chunk_carry.hpp). `carry` must outlive this reader or the next call.
  void carry_through(ChunkCarry* carry, std::uint32_t granule, std::uint32_t beam,
                     std::uint32_t variable);
  // Leaves the chunk now decoded: to the carry if it was read only in part (also before the
  // reader is dropped).
  void release_to_carry();

  // Parking (GranuleReader::park: a reader kept between the read loop's rounds without HDF5).
  // locate_all() finds where every stored chunk of the selection lies in the file (false when
  // a chunk cannot be located, or the selection has more than kMaxParkedChunks chunks: the
  // table would grow too large); reads still go through HDF5. Then park() frees the decoded
  // chunks (release_to_carry first) and lets go of the dataset, which the caller may close,
  // and read_from(fd) serves the reads from the same file opened for plain reads (not owned;
  // open while this reads). REQUIRES: locate_all() returned true before park().
  bool locate_all();
  void park();
  void read_from(int fd) { fd_ = fd; }
  std::size_t parked_bytes() const { return places_.capacity() * sizeof(Stored); }
  static constexpr std::uint64_t kMaxParkedChunks = 1 << 16;

 private:
  // Converts rows x cols stored elements (src, row step, column step) to doubles (out, row
  // step): one instance per stored type.
  using Convert = void (*)(const unsigned char* src, std::size_t rows, std::size_t cols,
                           std::size_t row_step, std::size_t col_step, std::size_t out_step,
                           double* out);
  // A decoded chunk: one is kept per column chunk, so a row range read in several calls
  // inflates each chunk of its rows once.
  struct Decoded {
    std::vector<unsigned char> bytes;            // sized at the first read
    std::uint64_t index = UINT64_MAX;            // row chunk x column chunks + column chunk
    bool read_first = false, read_last = false;  // its first and last row read
  };
  bool inspect_layout(const H5Handle& dcpl, hid_t space, const std::vector<std::int64_t>& select);
  bool inspect_type(hid_t type);
  Decoded& decode_chunk(std::uint64_t row_chunk, std::uint64_t col_chunk);
  // Where a chunk is stored (HADDR_UNDEF: never written) and which filters it skipped.
  struct Stored {
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    unsigned mask = 0;
  };
  Stored locate(const std::vector<hsize_t>& offset, std::uint64_t row_chunk,
                std::uint64_t col_chunk) const;
  std::vector<hsize_t> chunk_offset(std::uint64_t row_chunk, std::uint64_t col_chunk) const;
  // Reads the stored chunk at `offset` (from the file after park()) and decodes it into `chunk`.
  void decode_stored(const std::vector<hsize_t>& offset, const Stored& stored,
                     std::uint64_t row_chunk, std::uint64_t col_chunk,
                     std::vector<unsigned char>& chunk) const;
  void read_parked(const Stored& stored, std::uint64_t row_chunk, std::uint64_t col_chunk,
                   unsigned char* raw) const;
  void leave(Decoded& d);  // to the carry if read only in part; d holds no chunk after
  void fill_from(std::vector<unsigned char>& chunk, std::size_t element) const;  // fill values
  std::size_t inflate_chunk(const unsigned char* in, std::size_t n,
                            std::vector<unsigned char>& out) const;
  std::string chunk_name(std::uint64_t row_chunk, std::uint64_t col_chunk) const;
  // Converts `rows` rows of `cols` elements of the decoded chunk, from element `first` with
  // `row_step` elements between rows and `col_step` between columns, to out (rows apart by
  // width()).
  void convert_block(const Decoded& d, std::size_t first, std::size_t rows, std::size_t cols,
                     std::size_t row_step, std::size_t col_step, double* out) const;

  hid_t dataset_;
  bool supported_ = false;
  bool deflate_ = false, shuffle_ = false;
  Convert convert_ = nullptr;  // of the stored type
  std::size_t element_size_ = 0;
  int row_dim_ = 0, col_dim_ = -1;     // the kept dimensions (-1: no columns)
  std::vector<hsize_t> chunk_dims_;    // per dataset dimension
  std::vector<hsize_t> origin_;        // the chunk's first index: fixed dimensions set
  std::vector<std::size_t> step_;      // elements between neighbours of each dimension
  std::size_t fixed_element_ = 0;      // the fixed indices' element inside a chunk
  std::uint64_t rows_ = 0, cols_ = 1;  // the selection's shape
  std::uint64_t chunk_rows_ = 0, chunk_cols_ = 1, col_chunks_ = 1;
  std::size_t chunk_elements_ = 0;
  std::vector<Decoded> decoded_;             // per column chunk
  std::vector<unsigned char> fill_element_;  // one element of the fill value, file byte order
  ChunkCarry* carry_ = nullptr;
  ChunkCarry::Key carry_key_{};
  std::vector<Stored> places_;  // locate_all(): every chunk's place, by row x column chunk
  int fd_ = -1;                 // read_from(): the file, for pread
};

}  // namespace healgrid
