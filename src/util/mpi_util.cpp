#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

MpiContext MpiContext::world() {
  MpiContext m;
  MPI_Comm_rank(m.comm, &m.rank);
  MPI_Comm_size(m.comm, &m.size);
  return m;
}

void bcast_string(const MpiContext& mpi, std::string& s, int root) {
  long long n = static_cast<long long>(s.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, root, mpi.comm);
  s.resize(static_cast<std::size_t>(n));
  if (n > 0) MPI_Bcast(s.data(), static_cast<int>(n), MPI_CHAR, root, mpi.comm);
}

void bcast_strings(const MpiContext& mpi, std::vector<std::string>& v, int root) {
  std::string packed;
  if (mpi.rank == root)
    for (const auto& s : v) packed += s + '\0';
  bcast_string(mpi, packed, root);
  if (mpi.rank == root) return;
  v.clear();
  for (std::size_t pos = 0; pos < packed.size();) {
    const auto end = packed.find('\0', pos);
    v.push_back(packed.substr(pos, end - pos));
    pos = end + 1;
  }
}

void bcast_int64(const MpiContext& mpi, std::vector<std::int64_t>& v, int root) {
  long long n = static_cast<long long>(v.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, root, mpi.comm);
  v.resize(static_cast<std::size_t>(n));
  if (n > 0) MPI_Bcast(v.data(), static_cast<int>(n), MPI_INT64_T, root, mpi.comm);
}

std::vector<std::string> gather_strings(const MpiContext& mpi, const std::string& mine) {
  int n = static_cast<int>(mine.size());
  std::vector<int> sizes(mpi.size), displs(mpi.size);
  MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, mpi.comm);
  std::string all;
  if (mpi.rank == 0) {
    int total = 0;
    for (int r = 0; r < mpi.size; ++r) {
      displs[r] = total;
      total += sizes[r];
    }
    all.resize(total);
  }
  MPI_Gatherv(mine.data(), n, MPI_CHAR, all.data(), sizes.data(), displs.data(), MPI_CHAR, 0,
              mpi.comm);
  std::vector<std::string> out;
  if (mpi.rank == 0)
    for (int r = 0; r < mpi.size; ++r) out.push_back(all.substr(displs[r], sizes[r]));
  return out;
}

std::vector<std::int64_t> gather_int64(const MpiContext& mpi,
                                       const std::vector<std::int64_t>& mine) {
  int n = static_cast<int>(mine.size());
  std::vector<int> sizes(mpi.size), displs(mpi.size);
  MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, mpi.comm);
  std::vector<std::int64_t> all;
  if (mpi.rank == 0) {
    int total = 0;
    for (int r = 0; r < mpi.size; ++r) {
      displs[r] = total;
      total += sizes[r];
    }
    all.resize(total);
  }
  MPI_Gatherv(mine.data(), n, MPI_INT64_T, all.data(), sizes.data(), displs.data(), MPI_INT64_T, 0,
              mpi.comm);
  return all;
}

std::vector<std::int64_t> scatter_int64(const MpiContext& mpi,
                                        const std::vector<std::vector<std::int64_t>>& parts) {
  std::vector<int> sizes(mpi.size), displs(mpi.size);
  std::vector<std::int64_t> packed;
  if (mpi.rank == 0) {
    for (int r = 0; r < mpi.size; ++r) {
      sizes[r] = static_cast<int>(parts[r].size());
      displs[r] = static_cast<int>(packed.size());
      packed.insert(packed.end(), parts[r].begin(), parts[r].end());
    }
  }
  int n = 0;
  MPI_Scatter(sizes.data(), 1, MPI_INT, &n, 1, MPI_INT, 0, mpi.comm);
  std::vector<std::int64_t> mine(n);
  MPI_Scatterv(packed.data(), sizes.data(), displs.data(), MPI_INT64_T, mine.data(), n, MPI_INT64_T,
               0, mpi.comm);
  return mine;
}

int max_over_ranks(const MpiContext& mpi, int value) {
  int all = value;
  MPI_Allreduce(&value, &all, 1, MPI_INT, MPI_MAX, mpi.comm);
  return all;
}

bool all_ok(const MpiContext& mpi, const std::string& my_error,
            std::vector<std::string>* messages) {
  int failed = my_error.empty() ? 0 : 1, any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, mpi.comm);
  if (!any) return true;
  const auto all = gather_strings(mpi, my_error);
  if (messages)
    for (int r = 0; r < static_cast<int>(all.size()); ++r)
      if (!all[r].empty()) messages->push_back("rank " + std::to_string(r) + ": " + all[r]);
  return false;
}

}  // namespace healgrid
