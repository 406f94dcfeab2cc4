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

// Where each rank's elements are before and after the chunks are gathered: chunk c goes to the
// rank holding its first element, so rank r encodes [align_up(first_r), align_up(first_r+1)),
// the last rank up to the total. What moves is less than one chunk per rank boundary.
struct ChunkOwnership {
  std::vector<std::uint64_t> first;  // old ranges: [first[r], first[r + 1]), first[size] = total
  std::vector<std::uint64_t> begin;  // new ranges: [begin[r], begin[r + 1])
};

ChunkOwnership chunk_ownership(const Communicator& mpi, std::uint64_t first_element,
                               std::uint64_t total, std::uint64_t chunk) {
  ChunkOwnership own;
  own.first.resize(static_cast<std::size_t>(mpi.size) + 1);
  MPI_Allgather(&first_element, 1, MPI_UINT64_T, own.first.data(), 1, MPI_UINT64_T, mpi.comm);
  own.first.back() = total;
  for (const auto f : own.first)
    own.begin.push_back(std::min(total, (f + chunk - 1) / chunk * chunk));
  own.begin.back() = total;
  return own;
}

std::uint64_t overlap(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1) {
  return std::max(a0, b0) < std::min(a1, b1) ? std::min(a1, b1) - std::max(a0, b0) : 0;
}

// Sends this rank's elements before its first chunk to that chunk's owner and receives the rest
// of its last chunk from the following ranks: returns the elements after this rank's own.
std::vector<unsigned char> exchange_boundary(const Communicator& mpi, const ChunkOwnership& own,
                                             const ChunkedColumn& column) {
  const auto me = static_cast<std::size_t>(mpi.rank);
  const std::uint64_t first = own.first[me], end = own.first[me + 1];
  const std::uint64_t tail_begin = std::max(end, own.begin[me]), tail_end = own.begin[me + 1];
  const auto size = static_cast<std::size_t>(mpi.size);
  std::vector<int> send(size, 0), send_at(size, 0), recv(size, 0), recv_at(size, 0);
  int received = 0;
  for (std::size_t r = 0; r < size; ++r) {
    if (r == me) continue;
    // Counts in bytes stay below one chunk (at most 2^20 cells x 8 bytes): ints suffice.
    send[r] =
        static_cast<int>(overlap(first, end, own.begin[r], own.begin[r + 1]) * column.element_size);
    recv[r] = static_cast<int>(overlap(own.first[r], own.first[r + 1], tail_begin, tail_end) *
                               column.element_size);
    recv_at[r] = received;
    received += recv[r];
  }
  std::vector<unsigned char> tail(static_cast<std::size_t>(received));
  // This rank's head is the only thing it sends: its first elements, at displacement 0.
  MPI_Alltoallv(column.data, send.data(), send_at.data(), MPI_BYTE, tail.data(), recv.data(),
                recv_at.data(), MPI_BYTE, mpi.comm);
  return tail;
}

// Encodes the chunks this rank owns, from its own elements and the received tail; the last
// chunk of the dataset is padded with zero bytes (beyond the dimension: never read).
EncodedBlock encode_block(const Communicator& mpi, const ChunkOwnership& own,
                          const ChunkedColumn& column, std::uint64_t chunk_elements, int level) {
  const auto me = static_cast<std::size_t>(mpi.rank);
  const auto tail = exchange_boundary(mpi, own, column);
  const std::uint64_t first = own.first[me], end = own.first[me + 1];
  const std::uint64_t begin = own.begin[me], stop = own.begin[me + 1];
  const std::size_t size = column.element_size;
  const auto* data = static_cast<const unsigned char*>(column.data);
  EncodedBlock block;
  block.header.push_back(begin / chunk_elements);
  std::vector<unsigned char> assembled;
  for (std::uint64_t at = begin; at < stop; at += chunk_elements) {
    const std::uint64_t last = std::min(at + chunk_elements, stop);
    const unsigned char* bytes = data + (at - first) * size;
    if (last != at + chunk_elements || last > end) {  // partial or straddling: assemble it
      assembled.assign(chunk_elements * size, 0);
      const std::uint64_t own_end = std::min(last, end);
      if (own_end > at)
        std::copy_n(data + (at - first) * size, (own_end - at) * size, assembled.data());
      const std::uint64_t from = std::max(at, end);
      if (last > from)
        std::copy_n(tail.data() + (from - end) * size, (last - from) * size,
                    assembled.data() + (from - at) * size);
      bytes = assembled.data();
    }
    const auto chunk = encode_chunk(bytes, chunk_elements * size, size, level);
    block.header.push_back(chunk.size());
    block.bytes.insert(block.bytes.end(), chunk.begin(), chunk.end());
  }
  return block;
}

// The bytes go in pieces of at most 1 GiB: MPI counts are ints.
constexpr std::size_t kPiece = std::size_t{1} << 30;

void send_block(const Communicator& mpi, const EncodedBlock& block) {
  MPI_Send(block.header.data(), static_cast<int>(block.header.size()), MPI_UINT64_T, 0, kSizesTag,
           mpi.comm);
  for (std::size_t at = 0; at < block.bytes.size(); at += kPiece)
    MPI_Send(block.bytes.data() + at, static_cast<int>(std::min(kPiece, block.bytes.size() - at)),
             MPI_BYTE, 0, kBytesTag, mpi.comm);
}

EncodedBlock receive_block(const Communicator& mpi, int from) {
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

void write_chunks_directly(const Communicator& mpi, const std::string& path,
                           const std::vector<ChunkedColumn>& columns, std::uint64_t first_element,
                           std::uint64_t total_elements, std::size_t chunk_elements, int level) {
  const auto own = chunk_ownership(mpi, first_element, total_elements, chunk_elements);
  std::string error;  // rank 0's first failure; it keeps receiving so no sender waits forever
  hid_t file = H5I_INVALID_HID;  // closed explicitly below: a failed close is an error
  if (mpi.rank == 0) {
    h5_quiet_errors();
    file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (file < 0) error = path + ": cannot reopen for the chunk writes: " + h5_error_line();
  }
  for (const auto& column : columns) {
    auto mine = encode_block(mpi, own, column, chunk_elements, level);
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
  mpi.bcast(error);
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace healgrid
