// healgrid: HEALPix gridded statistics from satellite point observations, with MPI.
#include <malloc.h>
#include <mpi.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "healgrid/app/commands.hpp"
#include "healgrid/git_commit.hpp"
#include "healgrid/util/fault.hpp"
#include "healgrid/util/library_threads.hpp"
#include "healgrid/util/mpi_startup.hpp"
#include "healgrid/util/stderr_drain.hpp"

namespace {

void print_usage() {
  std::printf(
      "healgrid %s: gridded statistics of satellite point observations on HEALPix\n"
      "\n"
      "Usage: [mpirun -np N] healgrid COMMAND [options]\n"
      "       healgrid help COMMAND       (the same as healgrid COMMAND --help)\n"
      "\n"
      "Commands:\n"
      "  run       aggregate granules into one NetCDF-4 file (the main job; mpirun)\n"
      "  synth     write synthetic ATL06 granules (under mpirun: split over the ranks)\n"
      "  resolve   query NASA CMR or a STAC API for granules; write a catalog file\n"
      "  fetch     download a catalog's granules into a cache directory (under mpirun)\n"
      "  view      serve the browser viewer of an output (or a running job), locally\n"
      "  campaign  plan, check and submit (Slurm job array) the runs of a campaign file\n"
      "  render    draw a variable of an output as a map picture (PNG)\n"
      "  info      summarise an output: grid, cells, area, variables, granules (--json)\n"
      "\n"
      "Examples:\n"
      "  mpirun -np 4 healgrid synth --granules 60 --output-dir granules/\n"
      "  mpirun -np 4 healgrid run --input granules/ --output antarctica.nc\n"
      "  healgrid help run\n",
      HEALGRID_VERSION);
}

}  // namespace

int main(int argc, char** argv) {
  // Keep freed memory in the process: the pipeline allocates and frees buffers of hundreds of
  // MB (points, exchange, rounds), and each fresh page from the kernel costs a fault and a
  // clear (28% of the CPU time at 2 ranks, measured). glibc serves blocks above 32 MB with
  // mmap and gives them back on free; with mmap off and no trimming, later buffers reuse them.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);  // "never"
  // A closed stdout (`healgrid run ... | head`) must not kill a run mid-way, leaving its lock
  // and journal: the log lines are lost, the run goes on (and the view server's clients hang up).
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("healgrid %s (commit %s)\n", HEALGRID_VERSION, HEALGRID_GIT_COMMIT);
    return 0;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "help") {  // `healgrid help CMD [SUBCOMMAND]` is `healgrid CMD [SUB] --help`
    if (args.empty()) {
      print_usage();
      return 0;
    }
    command = args.front();
    args.erase(args.begin());
    args.push_back("--help");
  }
  // `view` is a plain HTTP server on one process: no MPI.
  if (command == "view") return healgrid::view_command(args);
  if (command == "campaign") return healgrid::campaign_command(args);  // no MPI: runs sbatch

  // [reproducibility] OpenMPI's aggregated collective writes (OMPIO fcoll dynamic/vulcan) also
  // write the holes between the HDF5 chunks they gather, with stale bytes of earlier writes
  // that depend on the rank count; independent writes keep `run`'s output byte-identical for
  // any number of ranks. Read at MPI_Init; a user's own OMPI_MCA_fcoll wins.
  if (command == "run") setenv("OMPI_MCA_fcoll", "individual", 0);
  // OpenMPI's lockedfile shared-file-pointer component builds its lock file's name from the
  // output's in a fixed buffer, which overflows (abort) for names of ~220 characters; healgrid
  // uses no shared file pointer, so the component that builds no name is chosen.
  if (command == "run") setenv("OMPI_MCA_sharedfp", "individual", 0);
  healgrid::apply_mpi_startup_defaults();  // a one-process world skips the network probes
  healgrid::limit_library_threads();       // one core per rank: no OpenMP threads of its own
  int provided = 0;
  {
    // The threads MPI starts (its progress threads) inherit the stop signals held, so those
    // signals reach this thread alone, where StopSignalsHeld defers them (util/fault.hpp).
    const healgrid::StopSignalsHeld held;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    // Before the hold ends, so a signal sent during MPI_Init is handled by it. `run` installs
    // its own handlers (a stop the ranks agree on: pipeline/run_pipeline.cpp).
    if (command != "run") healgrid::install_quick_stop_handlers(command.c_str());
  }
  int rc = 2;
  // An exception escaping a command is a bug or a fatal condition (e.g. out of memory) on one
  // rank: end the whole job, naming the rank, rather than leave the others in a collective.
  try {
    if (command == "run") {
      rc = healgrid::run_command(args);
    } else if (command == "synth") {
      rc = healgrid::synth_command(args);
    } else if (command == "resolve") {
      rc = healgrid::resolve_command(args);
    } else if (command == "fetch") {
      rc = healgrid::fetch_command(args);
    } else if (command == "render") {
      rc = healgrid::render_command(args);
    } else if (command == "info") {
      rc = healgrid::info_command(args);
    }
  } catch (const std::exception& e) {
    healgrid::abort_job(healgrid::Communicator::world(),
                        std::string("unexpected error: ") + e.what());
  } catch (...) {
    healgrid::abort_job(healgrid::Communicator::world(), "unexpected error (unknown exception)");
  }
  if (command != "run" && command != "synth" && command != "render" && command != "info" &&
      command != "resolve" && command != "fetch") {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
      std::fprintf(stderr, "healgrid: unknown command '%s' (try healgrid --help)\n",
                   command.c_str());
    }
  }
  // A failing rank's exit makes mpirun end the job: its error message must be read first.
  if (rc != 0) healgrid::wait_until_read(STDERR_FILENO, healgrid::kStderrDrainMilliseconds);
  MPI_Finalize();
  return rc;
}
