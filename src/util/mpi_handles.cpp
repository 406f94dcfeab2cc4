#include "healgrid/util/mpi_handles.hpp"

#include <utility>

#include "healgrid/util/require.hpp"

namespace healgrid {

MpiDatatype MpiDatatype::bytes(std::size_t n) {
  MPI_Datatype t;
  MPI_Type_contiguous(static_cast<int>(n), MPI_BYTE, &t);
  MPI_Type_commit(&t);
  return MpiDatatype(t);
}

MpiDatatype MpiDatatype::at_addresses(const std::vector<int>& lengths,
                                      const std::vector<MPI_Aint>& addresses,
                                      const MpiDatatype& element) {
  HEALGRID_REQUIRE(lengths.size() == addresses.size(), "one address per block");
  MPI_Datatype t;
  MPI_Type_create_hindexed(static_cast<int>(lengths.size()), lengths.data(), addresses.data(),
                           element.get(), &t);
  MPI_Type_commit(&t);
  return MpiDatatype(t);
}

MpiDatatype::MpiDatatype(MpiDatatype&& other) noexcept
    : type_(std::exchange(other.type_, MPI_DATATYPE_NULL)) {}

MpiDatatype& MpiDatatype::operator=(MpiDatatype&& other) noexcept {
  if (this != &other) {
    if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
    type_ = std::exchange(other.type_, MPI_DATATYPE_NULL);
  }
  return *this;
}

MpiDatatype::~MpiDatatype() {
  if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
}

OwnedCommunicator::OwnedCommunicator(MPI_Comm comm) : comm_(comm) {
  if (comm_ != MPI_COMM_NULL) view_ = Communicator::of(comm_);
}

OwnedCommunicator OwnedCommunicator::duplicate(const Communicator& of) {
  MPI_Comm c;
  MPI_Comm_dup(of.comm, &c);
  return OwnedCommunicator(c);
}

OwnedCommunicator OwnedCommunicator::split(const Communicator& of, int color, int key) {
  MPI_Comm c;
  MPI_Comm_split(of.comm, color, key, &c);
  return OwnedCommunicator(c);
}

OwnedCommunicator::OwnedCommunicator(OwnedCommunicator&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)), view_(other.view_) {}

OwnedCommunicator& OwnedCommunicator::operator=(OwnedCommunicator&& other) noexcept {
  if (this != &other) {
    release();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    view_ = other.view_;
  }
  return *this;
}

OwnedCommunicator::~OwnedCommunicator() { release(); }

void OwnedCommunicator::release() {
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

const Communicator& OwnedCommunicator::get() const {
  HEALGRID_REQUIRE(valid(), "a communicator this rank is not part of");
  return view_;
}

}  // namespace healgrid
