// RAII owners of the MPI objects healgrid creates: a committed datatype (MpiDatatype) and a
// communicator (OwnedCommunicator), each freed exactly once when its owner goes, also when an
// exception leaves the scope. Move-only. Both must be destroyed before MPI_Finalize.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <vector>

#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

class MpiDatatype {
 public:
  // `n` bytes as one element (e.g. a trivially copyable struct sent as is).
  static MpiDatatype bytes(std::size_t n);
  // Blocks of `lengths[i]` elements of `element` at absolute addresses `addresses[i]` (send it
  // from MPI_BOTTOM). REQUIRES: lengths.size() == addresses.size().
  static MpiDatatype at_addresses(const std::vector<int>& lengths,
                                  const std::vector<MPI_Aint>& addresses,
                                  const MpiDatatype& element);

  MpiDatatype(MpiDatatype&& other) noexcept;
  MpiDatatype& operator=(MpiDatatype&& other) noexcept;
  MpiDatatype(const MpiDatatype&) = delete;
  MpiDatatype& operator=(const MpiDatatype&) = delete;
  ~MpiDatatype();

  MPI_Datatype get() const { return type_; }

 private:
  explicit MpiDatatype(MPI_Datatype committed) : type_(committed) {}
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

class OwnedCommunicator {
 public:
  // A new communicator of the same ranks: its messages never mix with those on `of`.
  static OwnedCommunicator duplicate(const Communicator& of);
  // The ranks of `of` with the same `color`, ordered by `key` (ties: by rank in `of`). Ranks
  // passing MPI_UNDEFINED get an empty owner (valid() false).
  static OwnedCommunicator split(const Communicator& of, int color, int key);

  OwnedCommunicator(OwnedCommunicator&& other) noexcept;
  OwnedCommunicator& operator=(OwnedCommunicator&& other) noexcept;
  OwnedCommunicator(const OwnedCommunicator&) = delete;
  OwnedCommunicator& operator=(const OwnedCommunicator&) = delete;
  ~OwnedCommunicator();

  bool valid() const { return comm_ != MPI_COMM_NULL; }
  // REQUIRES: valid(). The view stays usable while this owner lives.
  const Communicator& get() const;

 private:
  explicit OwnedCommunicator(MPI_Comm comm);
  void release();
  MPI_Comm comm_ = MPI_COMM_NULL;
  Communicator view_;
};

}  // namespace healgrid
