#include "healgrid/util/mpi_util.hpp"

#include <climits>
#include <stdexcept>

#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

int checked_count(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw std::length_error("more than 2^31 elements in one MPI call");
  return static_cast<int>(n);
}

// Rank 0: the displacements of `sizes` laid end to end, and their total.
int displacements(const std::vector<int>& sizes, std::vector<int>& displs) {
  long long total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    displs[r] = checked_count(static_cast<std::size_t>(total));
    total += sizes[r];
  }
  return checked_count(static_cast<std::size_t>(total));
}

// Every rank's `mine` (count elements of `type`) concatenated on rank 0.
template <typename T>
std::vector<T> gather_array(const Communicator& c, const T* mine, std::size_t count,
                            MPI_Datatype type) {
  int n = checked_count(count);
  std::vector<int> sizes(c.size), displs(c.size);
  MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, c.comm);
  std::vector<T> all;
  if (c.is_root()) all.resize(static_cast<std::size_t>(displacements(sizes, displs)));
  MPI_Gatherv(mine, n, type, all.data(), sizes.data(), displs.data(), type, 0, c.comm);
  return all;
}

}  // namespace

Communicator Communicator::world() { return of(MPI_COMM_WORLD); }

Communicator Communicator::of(MPI_Comm c) {
  Communicator m;
  m.comm = c;
  MPI_Comm_rank(c, &m.rank);
  MPI_Comm_size(c, &m.size);
  return m;
}

void Communicator::bcast(std::string& s, int root) const {
  long long n = static_cast<long long>(s.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, root, comm);
  s.resize(static_cast<std::size_t>(n));
  if (n > 0) MPI_Bcast(s.data(), checked_count(s.size()), MPI_CHAR, root, comm);
}

// Sent as the lengths, then the characters: any bytes (NUL included) survive.
void Communicator::bcast(std::vector<std::string>& v, int root) const {
  std::vector<std::int64_t> lengths;
  std::string packed;
  if (rank == root)
    for (const auto& s : v) {
      lengths.push_back(static_cast<std::int64_t>(s.size()));
      packed += s;
    }
  bcast(lengths, root);
  bcast(packed, root);
  if (rank == root) return;
  v.clear();
  std::size_t at = 0;
  for (const auto n : lengths) {
    v.push_back(packed.substr(at, static_cast<std::size_t>(n)));
    at += static_cast<std::size_t>(n);
  }
}

void Communicator::bcast(std::vector<std::int64_t>& v, int root) const {
  long long n = static_cast<long long>(v.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, root, comm);
  v.resize(static_cast<std::size_t>(n));
  if (n > 0) MPI_Bcast(v.data(), checked_count(v.size()), MPI_INT64_T, root, comm);
}

std::vector<std::string> Communicator::gather(const std::string& mine) const {
  return gather(std::vector<std::string>{mine});
}

std::vector<std::int64_t> Communicator::gather(const std::vector<std::int64_t>& mine) const {
  return gather_array(*this, mine.data(), mine.size(), MPI_INT64_T);
}

std::vector<std::string> Communicator::gather(const std::vector<std::string>& mine) const {
  std::vector<std::int64_t> lengths;
  std::string packed;
  for (const auto& s : mine) {
    lengths.push_back(static_cast<std::int64_t>(s.size()));
    packed += s;
  }
  const auto all_lengths = gather(lengths);
  const auto all_chars = gather_array(*this, packed.data(), packed.size(), MPI_CHAR);
  std::vector<std::string> out;
  std::size_t at = 0;
  for (const auto n : all_lengths) {
    out.emplace_back(all_chars.data() + at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n);
  }
  return out;
}

std::vector<double> Communicator::gather(double mine) const {
  return gather_array(*this, &mine, 1, MPI_DOUBLE);
}

std::vector<long long> Communicator::gather(long long mine) const {
  return gather_array(*this, &mine, 1, MPI_LONG_LONG);
}

long long Communicator::sum(long long value) const {
  long long all = 0;
  MPI_Allreduce(&value, &all, 1, MPI_LONG_LONG, MPI_SUM, comm);
  return all;
}

void Communicator::sum_in_place(std::vector<long long>& values) const {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), checked_count(values.size()), MPI_LONG_LONG, MPI_SUM,
                comm);
}

long long Communicator::sum_to_root(long long value) const {
  long long all = 0;
  MPI_Reduce(&value, &all, 1, MPI_LONG_LONG, MPI_SUM, 0, comm);
  return is_root() ? all : 0;
}

int Communicator::max(int value) const {
  int all = value;
  MPI_Allreduce(&value, &all, 1, MPI_INT, MPI_MAX, comm);
  return all;
}

double Communicator::max(double value) const {
  double all = value;
  MPI_Allreduce(&value, &all, 1, MPI_DOUBLE, MPI_MAX, comm);
  return all;
}

long long Communicator::exclusive_prefix_sum(long long value) const {
  long long before = 0;
  MPI_Exscan(&value, &before, 1, MPI_LONG_LONG, MPI_SUM, comm);
  return is_root() ? 0 : before;  // MPI leaves rank 0's result undefined
}

std::vector<int> Communicator::alltoall(const std::vector<int>& counts) const {
  HEALGRID_REQUIRE(static_cast<int>(counts.size()) == size, "one count per rank");
  std::vector<int> received(static_cast<std::size_t>(size));
  MPI_Alltoall(counts.data(), 1, MPI_INT, received.data(), 1, MPI_INT, comm);
  return received;
}

bool Communicator::all_ok(const std::string& my_error, std::vector<std::string>* messages) const {
  if (max(my_error.empty() ? 0 : 1) == 0) return true;
  const auto all = gather(my_error);
  if (messages)
    for (int r = 0; r < static_cast<int>(all.size()); ++r)
      if (!all[r].empty()) messages->push_back("rank " + std::to_string(r) + ": " + all[r]);
  return false;
}

}  // namespace healgrid
