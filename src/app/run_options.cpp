#include "healgrid/app/run_options.hpp"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

#include "healgrid/app/command_help.hpp"
#include "healgrid/default_config.hpp"
#include "healgrid/pipeline/journal.hpp"
#include "healgrid/plan/memory_budget.hpp"

namespace po = boost::program_options;

namespace healgrid {
namespace {

// "auto" (RunJournal::kAutoRounds) or a count 0..100000.
bool parse_rounds(const std::string& text, int& rounds) {
  if (text == "auto") {
    rounds = RunJournal::kAutoRounds;
    return true;
  }
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  rounds = std::stoi(text);
  return rounds <= 100000;
}

po::options_description describe(RunOptions& o) {
  auto d = options_list("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("config,c", value(&o.config_path, "FILE"),
     "pipeline config (YAML); default: the built-in ATL06 pipeline, identical to "
     "config/atl06.yaml")
    ("input,i", value(&o.inputs, "PATH")->composing(),
     "granule file, directory (its *.h5, *.hdf5, *.he5, *.nc, *.nc4 files; the config's "
     "input_suffixes) or glob pattern; repeatable (a bare argument is an input too)")
    ("catalog", value(&o.catalog_path, "FILE"),
     "catalog file from healgrid resolve: grid its granules (those whose footprint touches the "
     "catalog's cells), found in --cache-dir or at their local path, instead of --input")
    ("cache-dir", value(&o.cache_dir, "DIR"),
     "where healgrid fetch put the catalog's granules")
    ("catalog-checksums", po::value<std::string>()->value_name("MODE")->default_value("verify"),
     "with a catalog: verify (hash every granule against the catalog's checksum before the run "
     "reads it; the ranks share the hashing) or skip (size only: for granules just verified by "
     "healgrid fetch); the output's healgrid_catalog_checksums says which")
    ("output,o", value(&o.output, "FILE"), "output NetCDF-4 file (required)")
    ("parent-order", po::value<int>()->value_name("ORDER"), "override grid.parent_order (0..29): the work unit")
    ("child-order", po::value<int>()->value_name("ORDER"), "override grid.child_order (parent..29): the output cells")
    ("latitude", po::value<std::string>()->value_name("NAME"), "override grid.latitude: authalic or geodetic")
    ("deflate-level", po::value<int>()->value_name("N"),
     "override output.deflate_level (0..9; 0 off, higher levels smaller and slower)")
    ("layout", po::value<std::string>()->value_name("NAME"),
     "override output.layout: auto (sparse when the dense blocks would be mostly fill), dense "
     "(every child of each parent with data) or sparse (only cells with data)")
    ("overviews", po::value<std::string>()->value_name("ORDERS"),
     "override output.overviews: coarser levels, each in its own group /overviews/order_NN "
     "(e.g. 4,6,8; all: every order below the child order; none)")
    ("time-windows", po::value<std::string>()->value_name("WINDOWS"),
     "override time_windows: year, month, day, cycle (ICESat-2), or START/END,START/END... "
     "(UTC, end exclusive); every statistic gets a leading time dimension, one slice per window; "
     "none: no windows (the config's turned off)")
    ("on-bad-granule", po::value<std::string>()->value_name("POLICY")->default_value("fail"),
     "fail: stop at the first unreadable granule; skip: leave it out and list it, with the "
     "reason, in the output's provenance")
    ("metrics-json", value(&o.metrics_json, "FILE"),
     "also write the run's figures (phase seconds, points, peak memory and own work per rank) "
     "as JSON")
    ("progress-seconds", value(&o.progress_seconds, "S")->default_value(5.0, "5"),
     "seconds between progress lines")
    ("memory-per-rank", po::value<std::string>()->value_name("SIZE"),
     "memory a rank may use for its points and output cells, e.g. 4G or 500M (powers of "
     "1024); default: Slurm's allocation (SLURM_MEM_PER_CPU x cpus per task, or "
     "SLURM_MEM_PER_NODE / ranks on the node), else half the node's memory / ranks on the node. "
     "When a rank's points exceed it, the run reads them in passes over its parent cells "
     "(same output)")
    ("scratch", value(&o.scratch, "DIR"),
     "where a run in passes spills its binned points (4 bytes each, in a file without a name, "
     "gone when the run ends), so that each pass reads them back instead of the granules' "
     "coordinates; default: $TMPDIR, else /tmp; none: each pass indexes the granules again")
    ("quiet,q", po::bool_switch(&o.quiet), "print errors, warnings and the final summary only")
    // [restart] pipeline/journal.hpp
    ("rounds", po::value<std::string>()->value_name("N")->default_value("auto"),
     "split each rank's parent cells into N rounds, each journaled in OUTPUT.journal/ when "
     "done, so that a rerun of the same command after a failure resumes; auto: one round per "
     "4 million points the rank computes (rounded down), 1 to 8, and at least as many as keep "
     "a round's values within an eighth of --memory-per-rank; 0: no journal")
    ("verify-inputs", po::value<std::string>()->value_name("MODE")->default_value("sample"),
     "how a rerun checks that the granules are those the journal's rounds were computed from: "
     "sample (size, mtime, inode and a SHA-256 of 640 KiB of each file) or full (a SHA-256 of "
     "every byte; slower, catches any change)");
  // clang-format on
  d.add(query_options_description(o.query, true));  // run --collection ... --cycle ... --bbox ...
  return d;
}

// An option the chosen way of giving granules would ignore (--provider with --input): an
// error, never dropped in silence.
std::string ignored_option(const po::variables_map& vm, const RunOptions& out) {
  const auto given = [&](const char* key) { return vm.count(key) > 0 && !vm[key].defaulted(); };
  if (!out.query_given)
    for (const char* key : {"source", "version", "provider", "cmr-url", "stac-url",
                            "stac-collection", "page-size", "retries", "retry-delay", "timeout"})
      if (given(key))
        return std::string("--") + key + ": applies to a query (--collection/--cycle/...), " +
               "not to " + (out.inputs.empty() ? "--catalog" : "--input") + ": it would be ignored";
  if (!out.inputs.empty())
    for (const char* key : {"cache-dir", "catalog-checksums"})
      if (given(key))
        return std::string("--") + key +
               ": applies to --catalog or a query, not to --input: " + "it would be ignored";
  return "";
}

}  // namespace

std::vector<std::string> args_for_history(const std::vector<std::string>& args) {
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool left_out = false;
    for (const std::string option : {"--memory-per-rank", "--scratch"}) {
      if (args[i] == option) {
        ++i;  // and its value
        left_out = true;
      } else if (args[i].rfind(option + "=", 0) == 0) {
        left_out = true;
      }
      if (left_out) break;
    }
    if (!left_out) kept.push_back(args[i]);
  }
  return kept;
}

namespace {

// The options with a fixed set of words; each bad value names its option (std::invalid_argument).
void read_choices(const po::variables_map& vm, RunOptions& out) {
  if (!parse_rounds(vm["rounds"].as<std::string>(), out.rounds))  // [restart]
    throw std::invalid_argument("--rounds: expected auto or 0..100000, got " +
                                vm["rounds"].as<std::string>());
  if (vm.count("memory-per-rank")) {
    try {
      out.memory_per_rank = parse_memory_size(vm["memory-per-rank"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("--memory-per-rank: ") + e.what());
    }
  }
  if (const auto policy = vm["on-bad-granule"].as<std::string>(); policy == "fail") {
    out.on_bad_granule = BadGranulePolicy::fail;
  } else if (policy == "skip") {
    out.on_bad_granule = BadGranulePolicy::skip;
  } else {
    throw std::invalid_argument("--on-bad-granule: expected fail or skip, got '" + policy + "'");
  }
  if (const auto sums = vm["catalog-checksums"].as<std::string>(); sums == "skip")
    out.verify_catalog_checksums = false;
  else if (sums != "verify")
    throw std::invalid_argument("--catalog-checksums: expected verify or skip, got '" + sums + "'");
  if (const auto verify = vm["verify-inputs"].as<std::string>(); verify == "full")
    out.verify_inputs = InputVerification::full;
  else if (verify != "sample")
    throw std::invalid_argument("--verify-inputs: expected sample or full, got '" + verify + "'");
}

// The config overrides, taken only when given (the config's own values stand otherwise).
void read_overrides(const po::variables_map& vm, RunOptions& out) {
  if (vm.count("parent-order")) out.parent_order = vm["parent-order"].as<int>();
  if (vm.count("child-order")) out.child_order = vm["child-order"].as<int>();
  if (vm.count("deflate-level")) out.deflate_level = vm["deflate-level"].as<int>();
  if (vm.count("latitude")) out.latitude = vm["latitude"].as<std::string>();
  if (vm.count("layout")) out.layout = vm["layout"].as<std::string>();
  if (vm.count("overviews")) out.overviews = vm["overviews"].as<std::string>();
  if (vm.count("time-windows")) out.time_windows = vm["time-windows"].as<std::string>();
}

// Granules come one way: --input, --catalog or a query, whose values are checked now (exit 2,
// before any work); options that one way would ignore are refused.
void check_granule_source(const po::variables_map& vm, RunOptions& out) {
  for (const char* key : {"cycle", "bbox", "polygon", "rgt", "region", "cycles"})
    out.query_given = out.query_given || vm.count(key) > 0;
  // --start/--end: the points' time window, and the query's when no granules are given.
  if (out.inputs.empty() && out.catalog_path.empty())
    out.query_given = out.query_given || vm.count("start") > 0 || vm.count("end") > 0;
  out.query_given = out.query_given || !vm["collection"].defaulted();
  if ((!out.inputs.empty()) + (!out.catalog_path.empty()) + out.query_given > 1)
    throw std::invalid_argument(
        "give granules one way: --input, --catalog, or a query (--collection/--cycle/...)");
  if (const auto ignored = ignored_option(vm, out); !ignored.empty())
    throw std::invalid_argument(ignored);
  if (out.query_given) make_query(out.query);
  if (out.inputs.empty() && out.catalog_path.empty() && !out.query_given)
    throw std::invalid_argument(
        "--input: at least one granule file, directory or pattern is required (or --catalog, "
        "or a query)");
}

void check_run_values(const RunOptions& out) {
  if (out.output.empty()) throw std::invalid_argument("--output: the output file is required");
  if (!(out.progress_seconds > 0)) throw std::invalid_argument("--progress-seconds: must be > 0");
  // The output's date_created/history time: refused now, not after the run, when malformed.
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    const std::string text = epoch;
    if (text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument("SOURCE_DATE_EPOCH='" + text +
                                  "': expected whole seconds since 1970-01-01T00:00:00Z (e.g. "
                                  "$(date +%s))");
  }
}

}  // namespace

bool parse_run_options(const std::vector<std::string>& args, RunOptions& out, std::string& error) {
  auto desc = describe(out);
  po::positional_options_description positional;
  positional.add("input", -1);
  try {
    po::variables_map vm;
    // No abbreviations (Boost's default takes any unambiguous prefix): the output's history
    // records the arguments as given, less the options that change no byte of it, which
    // args_for_history finds by their full names.
    const auto style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args).options(desc).positional(positional).style(style).run(),
              vm);
    po::notify(vm);
    if (vm.count("help")) {
      out.help = true;
      return true;
    }
    read_choices(vm, out);
    read_overrides(vm, out);
    check_granule_source(vm, out);
    check_run_values(out);
  } catch (const po::error& e) {
    error = e.what();
    return false;
  } catch (const std::invalid_argument& e) {
    error = e.what();
    return false;
  }
  return true;
}

std::string run_help_text() {
  RunOptions o;
  const auto options = describe(o);
  return format_help(
      {{"[mpirun -np N] healgrid run [--config PIPELINE.yaml] --input PATH... --output OUT.nc "
        "[options]"},
       "Aggregates the point observations of every input granule into gridded statistics on a "
       "HEALPix (nested) grid and writes them, collectively from all ranks, to one NetCDF-4 "
       "file. Rank 0 lists the granules; all ranks index them (points per parent cell); rank 0 "
       "gives each rank a contiguous, work-balanced range of parent cells; each rank reads only "
       "what its cells need, bins every point into its child cell and reduces per cell. The "
       "output is written as OUT.nc.partial.<run> and renamed to OUT.nc only when complete (an "
       "existing OUT.nc is replaced only if healgrid wrote it). The same "
       "inputs and config give the same values for any number of ranks.",
       {&options},
       "Exit status: 0 success, 1 the run failed (the message names the file or\n"
       "dataset), 2 a usage or config error.\n",
       {"mpirun -np 64 healgrid run --config config/atl06.yaml --input /data/ATL06/ --output "
        "antarctica.nc",
        "healgrid run --input 'granules/ATL06_*.h5' --output out.nc --child-order 10",
        "healgrid run --input granules/ --output monthly.nc --time-windows month",
        "mpirun -np 8 healgrid run --catalog cycle4.json --cache-dir /scratch/atl06 --output "
        "cycle4.nc"}});
}

std::string apply_overrides(const RunOptions& opt, PipelineConfig& config) {
  std::ostringstream applied;
  if (opt.parent_order) {
    config.grid.parent_order = *opt.parent_order;
    applied << "grid.parent_order=" << *opt.parent_order << " ";
  }
  if (opt.child_order) {
    config.grid.child_order = *opt.child_order;
    applied << "grid.child_order=" << *opt.child_order << " ";
  }
  if (opt.deflate_level) {
    config.output.deflate_level = *opt.deflate_level;
    applied << "output.deflate_level=" << *opt.deflate_level << " ";
  }
  if (opt.layout) {
    const auto layout = parse_output_layout(*opt.layout);
    if (!layout)
      throw ConfigError("--layout: expected auto, dense or sparse, got '" + *opt.layout + "'");
    config.output.layout = *layout;
    applied << "output.layout=" << *opt.layout << " ";
  }
  if (opt.latitude) {
    if (*opt.latitude == "authalic")
      config.grid.latitude = LatitudeConvention::authalic;
    else if (*opt.latitude == "geodetic")
      config.grid.latitude = LatitudeConvention::geodetic;
    else
      throw ConfigError("--latitude: expected authalic or geodetic, got '" + *opt.latitude + "'");
    applied << "grid.latitude=" << *opt.latitude << " ";
  }
  if (opt.overviews) {
    config.output.overviews = parse_overview_orders(*opt.overviews, "--overviews");
    applied << "output.overviews=" << config.output.overviews.text() << " ";
  }
  if (!opt.query.start.empty() || !opt.query.end.empty()) {  // the points' time window
    const auto& w = config.time_window;
    set_time_window(config.time_window, opt.query.start.empty() ? w.start : opt.query.start,
                    opt.query.end.empty() ? w.end : opt.query.end, "--start/--end");
    applied << "time.start=" << config.time_window.start << " time.end=" << config.time_window.end
            << " ";
  }
  if (opt.time_windows) {
    config.time_windows = parse_time_windows(*opt.time_windows, "--time-windows");
    applied << "time_windows=" << *opt.time_windows << " ";
  }
  // The values may now come from the command line: an error names the key, not a config line.
  if (!applied.str().empty()) config.key_lines.clear();
  try {
    config.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("after command-line overrides: ") + e.what());
  }
  auto s = applied.str();
  if (!s.empty()) s.pop_back();
  return s;
}

const char* default_config_text() { return kDefaultConfigText; }

}  // namespace healgrid
