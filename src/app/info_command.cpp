// `healgrid info OUT.nc [--json]`: what a healgrid output holds (include/healgrid/render/
// output_summary.hpp). Serial: under mpirun only rank 0 reads the file and prints.
#include <mpi.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/app/commands.hpp"
#include "healgrid/render/healgrid_output.hpp"
#include "healgrid/render/output_summary.hpp"

namespace healgrid {

namespace {

constexpr const char* kHelp =
    "usage: healgrid info OUT.nc [--json]\n\n"
    "Summarises a healgrid output: the grid (level, parent order, cell size, latitude\n"
    "convention), cells in the file and with data, the area they cover, each variable's range,\n"
    "mean and units over the cells holding a value, granules and points used, the time span of\n"
    "the granules' start times, and the granules that did not contribute (empty or skipped).\n\n"
    "  --json     the same figures as one JSON object (null where a figure is undefined)\n"
    "  -h, --help show this help\n";

}  // namespace

int info_command(const std::vector<std::string>& args) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::string input, error;
  bool json = false, help = false;
  for (const auto& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a == "--help" || a == "-h") {
      help = true;
    } else if (!a.empty() && a[0] == '-') {
      error = "unknown option '" + a + "'";
    } else if (input.empty()) {
      input = a;
    } else {
      error = "one output file at a time (got '" + input + "' and '" + a + "')";
    }
  }
  if (!help && error.empty() && input.empty()) error = "the output file is missing";
  int rc = 0;
  if (rank == 0) {
    if (help) {
      std::fputs(kHelp, stdout);
    } else if (!error.empty()) {
      std::fprintf(stderr, "healgrid info: %s (try healgrid info --help)\n", error.c_str());
      rc = 2;
    } else {
      try {
        const HealgridOutput output(input);
        const OutputSummary summary = summarize_output(output);
        std::fputs((json ? summary_json(summary) : summary_text(summary)).c_str(), stdout);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "healgrid info: %s\n", e.what());
        rc = 1;
      }
    }
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return rc;
}

}  // namespace healgrid
