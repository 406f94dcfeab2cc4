// Thin helpers over MPI for the few shapes healgrid exchanges: strings, int64 arrays, and an
// all-ranks agreement on success so no rank is ever left waiting in a collective.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace healgrid {

struct MpiContext {
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0;
  int size = 1;
  static MpiContext world();
};

void bcast_string(const MpiContext& mpi, std::string& s, int root = 0);
void bcast_strings(const MpiContext& mpi, std::vector<std::string>& v, int root = 0);
// Rank `root`'s array on every rank.
void bcast_int64(const MpiContext& mpi, std::vector<std::int64_t>& v, int root = 0);
// Every rank's string, on rank 0 only (empty elsewhere).
std::vector<std::string> gather_strings(const MpiContext& mpi, const std::string& mine);
// Every rank's array concatenated in rank order, on rank 0 only.
std::vector<std::int64_t> gather_int64(const MpiContext& mpi,
                                       const std::vector<std::int64_t>& mine);
// Rank 0 hands parts[r] to rank r; returns this rank's part.
std::vector<std::int64_t> scatter_int64(const MpiContext& mpi,
                                        const std::vector<std::vector<std::int64_t>>& parts);

// The largest of every rank's `value` (e.g. exit codes: every rank returns the worst).
int max_over_ranks(const MpiContext& mpi, int value);

// All ranks learn whether every rank succeeded; on failure rank 0 receives each failing rank's
// message in `messages` (as "rank R: ...").
bool all_ok(const MpiContext& mpi, const std::string& my_error, std::vector<std::string>* messages);

}  // namespace healgrid
