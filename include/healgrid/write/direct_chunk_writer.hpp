// Writes the output's compressed chunks through HDF5's public direct chunk write
// (H5Dwrite_chunk), in place of HDF5's filter pipeline: each rank shuffles and deflates the
// chunks of its own cells with libdeflate (write/chunk_encoder), in parallel, and rank 0 stores
// them, chunk after chunk in file order, into the file the collective netCDF write defined and
// closed. HDF5 1.10 does not support direct chunk writes on a file opened with the MPI-IO
// driver (chunk allocation is collective there), hence the one writer; it receives one rank's
// chunks of one variable at a time, so its memory holds at most that.
//
// Contract: collective over mpi.comm. The datasets exist (chunked 1-D, `chunk_elements` per
// chunk, or 2-D (time, cells) with chunks of one row of `chunk_elements`: ChunkedColumn::
// time_index; shuffle + deflate in their pipeline, nothing written yet) and the file is closed on
// every rank. Rank r passes its contiguous range [first_element, first_element + its elements)
// of every column, the ranges tiling [0, total_elements) in rank order; a range may have any
// length. Chunk c is encoded by the rank holding its first element, which receives the rest of
// it from the following ranks (less than one chunk per rank boundary; write/cell_layout: sparse
// chunks cross rank boundaries, dense ones never do); the dataset's last chunk is padded with
// zero bytes. The stored chunks are what HDF5's own filters decode; the file's bytes depend on
// the data and the level only, never on the rank count. Throws std::runtime_error naming the
// file and dataset on every rank when rank 0 fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

struct ChunkedColumn {
  std::string dataset;  // path in the file, e.g. "h_mean"
  const void* data = nullptr;
  std::size_t element_size = 0;  // bytes
  // >= 0: the dataset is 2-D (time, cells) with chunks of one row: these are row time_index's.
  std::int64_t time_index = -1;
};

void write_chunks_directly(const Communicator& mpi, const std::string& path,
                           const std::vector<ChunkedColumn>& columns, std::uint64_t first_element,
                           std::uint64_t total_elements, std::size_t chunk_elements, int level);

}  // namespace healgrid
