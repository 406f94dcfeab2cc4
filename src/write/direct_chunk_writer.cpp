#include "healgrid/write/direct_chunk_writer.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/write/chunk_encoder.hpp"

namespace healgrid {
namespace {

constexpr int kSizesTag = 7101, kBytesTag = 7102;

// One rank's chunks of one column: the index of the first, each size, the bytes end to end.
struct EncodedBlock {
  std::vector<std::uint64_t> header;  // [first chunk, size of each chunk...]
  std::vector<unsigned char> bytes;
};

EncodedBlock encode_block(const ChunkedColumn& column, std::size_t first_element,
                          std::size_t elements, std::size_t chunk_elements, int level) {
  EncodedBlock block;
  block.header.push_back(first_element / chunk_elements);
  const auto* data = static_cast<const unsigned char*>(column.data);
  const std::size_t chunk_bytes = chunk_elements * column.element_size;
  for (std::size_t done = 0; done < elements; done += chunk_elements) {
    const auto chunk =
        encode_chunk(data + done * column.element_size, chunk_bytes, column.element_size, level);
    block.header.push_back(chunk.size());
    block.bytes.insert(block.bytes.end(), chunk.begin(), chunk.end());
  }
  return block;
}

// The bytes go in pieces of at most 1 GiB: MPI counts are ints.
constexpr std::size_t kPiece = std::size_t{1} << 30;

void send_block(const MpiContext& mpi, const EncodedBlock& block) {
  MPI_Send(block.header.data(), static_cast<int>(block.header.size()), MPI_UINT64_T, 0, kSizesTag,
           mpi.comm);
  for (std::size_t at = 0; at < block.bytes.size(); at += kPiece)
    MPI_Send(block.bytes.data() + at, static_cast<int>(std::min(kPiece, block.bytes.size() - at)),
             MPI_BYTE, 0, kBytesTag, mpi.comm);
}

EncodedBlock receive_block(const MpiContext& mpi, int from) {
  EncodedBlock block;
  MPI_Status status;
  int count = 0;
  MPI_Probe(from, kSizesTag, mpi.comm, &status);
  MPI_Get_count(&status, MPI_UINT64_T, &count);
  block.header.resize(static_cast<std::size_t>(count));
  MPI_Recv(block.header.data(), count, MPI_UINT64_T, from, kSizesTag, mpi.comm, MPI_STATUS_IGNORE);
  std::size_t total = 0;
  for (std::size_t c = 1; c < block.header.size(); ++c) total += block.header[c];
  block.bytes.resize(total);
  for (std::size_t at = 0; at < total; at += kPiece)
    MPI_Recv(block.bytes.data() + at, static_cast<int>(std::min(kPiece, total - at)), MPI_BYTE,
             from, kBytesTag, mpi.comm, MPI_STATUS_IGNORE);
  return block;
}

// Rank 0: stores one rank's chunks of `dataset`; returns "" or what went wrong.
std::string store_block(hid_t dataset, const EncodedBlock& block, std::size_t chunk_elements,
                        std::int64_t time_index) {
  std::size_t at = 0;
  for (std::size_t c = 1; c < block.header.size(); ++c) {
    const hsize_t offset = (block.header[0] + c - 1) * chunk_elements;
    const auto size = static_cast<std::size_t>(block.header[c]);
    const hsize_t row_offset[2] = {static_cast<hsize_t>(time_index), offset};
    // Filter mask 0: every filter of the pipeline (shuffle, deflate) was applied.
    if (H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, time_index < 0 ? &offset : row_offset, size,
                       block.bytes.data() + at) < 0)
      return "cannot write the chunk at element " + std::to_string(offset) + ": " + h5_error_line();
    at += size;
  }
  return "";
}

}  // namespace

void write_chunks_directly(const MpiContext& mpi, const std::string& path,
                           const std::vector<ChunkedColumn>& columns, std::size_t first_element,
                           std::size_t elements, std::size_t chunk_elements, int level) {
  std::string error;  // rank 0's first failure; it keeps receiving so no sender waits forever
  hid_t file = H5I_INVALID_HID;  // closed explicitly below: a failed close is an error
  if (mpi.rank == 0) {
    h5_quiet_errors();
    file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (file < 0) error = path + ": cannot reopen for the chunk writes: " + h5_error_line();
  }
  for (const auto& column : columns) {
    auto mine = encode_block(column, first_element, elements, chunk_elements, level);
    if (mpi.rank != 0) {
      send_block(mpi, mine);
      continue;
    }
    H5Handle dataset;
    if (error.empty()) {
      dataset = H5Handle(H5Dopen2(file, column.dataset.c_str(), H5P_DEFAULT), H5Dclose);
      if (!dataset.valid())
        error = path + ": dataset " + column.dataset + ": cannot open: " + h5_error_line();
    }
    for (int r = 0; r < mpi.size; ++r) {
      const EncodedBlock block = r == 0 ? std::move(mine) : receive_block(mpi, r);
      if (!error.empty()) continue;
      if (auto why = store_block(dataset.get(), block, chunk_elements, column.time_index);
          !why.empty())
        error = path + ": dataset " + column.dataset + ": " + why;
    }
  }
  if (file >= 0 && H5Fclose(file) < 0 && error.empty())
    error = path + ": cannot close after the chunk writes: " + h5_error_line();
  bcast_string(mpi, error);
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace healgrid
