// `healgrid info OUT.nc [--json]`: what a healgrid output holds (include/healgrid/render/
// output_summary.hpp). Serial: under mpirun only rank 0 reads the file and prints.
#include <mpi.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/render/healgrid_output.hpp"
#include "healgrid/render/output_summary.hpp"
#include "healgrid/render/stored_overviews.hpp"

namespace healgrid {

namespace {

namespace po = boost::program_options;

struct InfoArgs {
  std::string input;
  bool json = false, help = false;
  int time = kNoTime;  // --time: the window of a time-windowed output
};

po::options_description info_options(InfoArgs& a) {
  auto d = options_list("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("json", po::bool_switch(&a.json),
     "the same figures as one JSON object (null where a figure is undefined)")
    ("time", value(&a.time, "N"),
     "time window to summarise (0-based) of a time-windowed output (config time_windows); "
     "required there");
  // clang-format on
  return d;
}

std::string info_help(const po::options_description& options) {
  return format_help(
      {{"healgrid info OUT.nc [--json]"},
       "Summarises a healgrid output: the grid (level, parent order, cell size, latitude "
       "convention), cells in the file and with data, the area they cover, each variable's "
       "range, mean and units over the cells holding a value, granules and points used, the "
       "time span of the granules' start times, and the granules that did not contribute "
       "(empty or skipped).",
       {&options},
       "",
       {"healgrid info out/antarctica.nc", "healgrid info --json out/antarctica.nc"}});
}

// "" when parsed (or --help), else the usage error.
std::string parse_info_args(const std::vector<std::string>& args, InfoArgs& a, std::string& help) {
  const auto options = info_options(a);
  help = info_help(options);
  po::options_description all;  // the options, and OUT.nc given without a name
  all.add(options).add_options()("input", value(&a.input, "OUT.nc"));
  po::positional_options_description positional;
  positional.add("input", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
    a.help = vm.count("help") > 0;
  } catch (const po::too_many_positional_options_error&) {
    return "one output file at a time";
  } catch (const po::error& e) {
    return e.what();
  }
  return a.help || !a.input.empty() ? "" : "the output file is missing";
}

// The stored overview levels (render/stored_overviews.hpp), one line each: cells with data
// in the window shown (--time), as every other figure of the summary, and in all windows.
void print_overview_levels(const HealgridOutput& output) {
  const auto window = output.time_index();
  const auto levels = stored_overview_levels(output.file(), window);
  if (levels.empty()) return;
  std::printf(
      "overview levels (groups overviews/order_NN; xarray: group=\"overviews/order_NN\"):\n");
  for (const auto& l : levels) {
    std::string names;
    for (const auto& v : l.variables) names += (names.empty() ? "" : ", ") + v;
    std::string where;
    if (window)
      where = " in window " + std::to_string(*window) + " (" + std::to_string(l.cells_any_window) +
              " in any window)";
    std::printf("  order %d: %zu cells with data%s; %s\n    (%s)\n", l.order, l.cells,
                where.c_str(), names.c_str(), l.method.c_str());
  }
}

// The summary's JSON with "overview_levels": [{order, cells, variables, method}, ...] added
// (an empty list when the file stores none); with --time `cells` is the window's and
// `cells_any_window` the level's cells with data in any window.
std::string with_overview_levels(const std::string& json, const HealgridOutput& output) {
  using Json = nlohmann::ordered_json;
  Json doc = Json::parse(json);
  Json levels = Json::array();
  for (const auto& l : stored_overview_levels(output.file(), output.time_index())) {
    Json level = {{"order", l.order}, {"cells", l.cells}};
    if (output.time_index()) level["cells_any_window"] = l.cells_any_window;
    level["variables"] = l.variables;
    level["method"] = l.method;
    levels.push_back(std::move(level));
  }
  doc["overview_levels"] = std::move(levels);
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

int info_command(const std::vector<std::string>& args) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  InfoArgs parsed;
  std::string help;
  const std::string error = parse_info_args(args, parsed, help);
  int rc = 0;
  if (rank == 0) {
    if (parsed.help && error.empty()) {
      std::fputs(help.c_str(), stdout);
    } else if (!error.empty()) {
      std::fprintf(stderr, "healgrid info: %s (try healgrid info --help)\n", error.c_str());
      rc = 2;
    } else {
      try {
        if (parsed.time != kNoTime && parsed.time < 0)
          throw WindowChoiceError("--time " + std::to_string(parsed.time) +
                                  ": expected a window number >= 0");
        const HealgridOutput output(
            parsed.input, parsed.time >= 0
                              ? std::optional<std::size_t>(static_cast<std::size_t>(parsed.time))
                              : std::nullopt);
        const OutputSummary summary = summarize_output(output);
        if (parsed.json) {
          std::fputs(with_overview_levels(summary_json(summary), output).c_str(), stdout);
        } else {
          std::fputs(summary_text(summary).c_str(), stdout);
          print_overview_levels(output);
        }
      } catch (const WindowChoiceError& e) {  // --time missing or out of range: usage
        std::fprintf(stderr, "healgrid info: %s\n", e.what());
        rc = 2;
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
