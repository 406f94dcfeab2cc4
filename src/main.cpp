// healgrid: HEALPix gridded statistics from satellite point observations, with MPI.
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "healgrid/app/commands.hpp"

namespace {

void print_usage() {
  std::printf(
      "healgrid %s - gridded statistics of satellite point observations on a HEALPix grid\n"
      "\n"
      "usage: [mpirun -np N] healgrid <command> [options]\n"
      "\n"
      "commands:\n"
      "  run     aggregate granules into one NetCDF-4 file (the main job; runs under mpirun)\n"
      "  synth   write synthetic ATL06 granules (runs under mpirun: granules split over ranks)\n"
      "\n"
      "`healgrid <command> --help` explains each command's options.\n",
      HEALGRID_VERSION);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("healgrid %s\n", HEALGRID_VERSION);
    return 0;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);

  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rc = 2;
  if (command == "run") {
    rc = healgrid::run_command(args);
  } else if (command == "synth") {
    rc = healgrid::synth_command(args);
  } else {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
      std::fprintf(stderr, "healgrid: unknown command '%s' (try healgrid --help)\n", command.c_str());
    }
  }
  MPI_Finalize();
  return rc;
}
