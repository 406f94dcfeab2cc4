// One output chunk as HDF5's shuffle + deflate filters store it, made by healgrid before the
// chunk reaches the file (write/direct_chunk_writer writes it as it is): the elements'
// bytes byte-plane shuffled (byte k of element i at k * n + i, HDF5's H5Z_FILTER_SHUFFLE
// layout), then one zlib stream (RFC 1950) from libdeflate at the given level.
//
// Contract: the result is what any HDF5/netCDF reader decodes with its own zlib and shuffle
// filters back to the input bytes. Its bytes depend on the input bytes, the element size, the
// level and the libdeflate release only (not on earlier calls, the thread or the rank), which
// keeps outputs byte-identical across reruns and rank counts. Throws std::runtime_error when
// libdeflate cannot allocate a compressor.
#pragma once

#include <cstddef>
#include <vector>

namespace healgrid {

// Byte-plane shuffle of n elements of `element_size` bytes from src into dst (n * size bytes).
void shuffle_bytes(const unsigned char* src, std::size_t n, std::size_t element_size,
                   unsigned char* dst);

// Shuffles (when element_size > 1) and deflates `nbytes` bytes, a whole number of elements,
// at `level` (1..9, zlib's scale as H5Pset_deflate takes it).
std::vector<unsigned char> encode_chunk(const void* data, std::size_t nbytes,
                                        std::size_t element_size, int level);

}  // namespace healgrid
