// Communicator: the one place healgrid talks MPI collectives. A communicator (MPI_COMM_WORLD or
// one owned by util/mpi_handles.hpp) with this process's rank and the size, and the few shapes
// healgrid exchanges: strings, string lists, int64 arrays and plain values, broadcast from a
// root, gathered on rank 0, summed, prefix-summed; and the agreement on success that keeps a
// rank from ever being left waiting in a collective after another one failed.
// Every member function is collective over `comm` (all ranks must call it, in the same order)
// unless it says otherwise. Counts are limited to INT_MAX elements per call (MPI's int counts).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace healgrid {

class Communicator {
 public:
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0;
  int size = 1;

  static Communicator world();
  // A view of `c` (not owned: see OwnedCommunicator for one that is freed).
  static Communicator of(MPI_Comm c);
  bool is_root() const { return rank == 0; }

  // Rank `root`'s value on every rank.
  void bcast(std::string& s, int root = 0) const;
  void bcast(std::vector<std::string>& v, int root = 0) const;
  void bcast(std::vector<std::int64_t>& v, int root = 0) const;
  template <typename T>
  void bcast_value(T& value, int root = 0) const {
    static_assert(std::is_trivially_copyable<T>::value, "bcast_value sends raw bytes");
    MPI_Bcast(&value, static_cast<int>(sizeof(T)), MPI_BYTE, root, comm);
  }

  // Every rank's value, on rank 0 only (empty elsewhere), in rank order.
  std::vector<std::string> gather(const std::string& mine) const;
  // Every rank's elements concatenated in rank order, on rank 0 only.
  std::vector<std::int64_t> gather(const std::vector<std::int64_t>& mine) const;
  std::vector<std::string> gather(const std::vector<std::string>& mine) const;
  std::vector<double> gather(double mine) const;
  std::vector<long long> gather(long long mine) const;

  // Sums over every rank, known to every rank (in place: element by element).
  long long sum(long long value) const;
  void sum_in_place(std::vector<long long>& values) const;
  // The sum on rank 0 only (the others get 0).
  long long sum_to_root(long long value) const;
  // The largest value over every rank, known to every rank.
  int max(int value) const;
  double max(double value) const;
  // The sum over the ranks before this one (0 on rank 0).
  long long exclusive_prefix_sum(long long value) const;
  // counts[r] sent to rank r; returns what each rank sent to this one.
  std::vector<int> alltoall(const std::vector<int>& counts) const;

  // All ranks learn whether every rank succeeded (my_error empty); on failure rank 0 receives
  // each failing rank's message in `messages` (as "rank R: ..."; nullptr: not gathered).
  bool all_ok(const std::string& my_error, std::vector<std::string>* messages) const;
};

}  // namespace healgrid
