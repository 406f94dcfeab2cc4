// Threads of the libraries healgrid calls. healgrid runs one MPI rank per core; muparser's
// bulk evaluation (config expressions, read/granule_reader.cpp) spreads over OpenMP threads,
// as many as the rank's CPU mask holds (at most 16). On a full node, 16 ranks would each start
// 16 threads that take the other ranks' cores. A rank therefore evaluates on one thread,
// unless OMP_NUM_THREADS says otherwise (a rank given several cores by its launcher).
#pragma once

#include "healgrid/util/mpi_startup.hpp"

namespace healgrid {

// The OpenMP threads a rank uses: OMP_NUM_THREADS's first number when set to a positive
// integer (its list form "4,2" gives 4), else 1.
int library_threads(const EnvLookup& env);

// Sets the OpenMP runtime's thread count to library_threads(getenv). Call before the first
// expression is evaluated.
void limit_library_threads();

}  // namespace healgrid
