// `healgrid run`: the main job. Phases: resolve (rank 0) -> index (all) -> plan (rank 0,
// scattered) -> read+aggregate (all, own parent cells) -> write (all, collective).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/app/run_options.hpp"
#include "healgrid/catalog/granule_list.hpp"
#include "healgrid/pipeline/catalog_inputs.hpp"
#include "healgrid/pipeline/index_pass.hpp"
#include "healgrid/pipeline/inputs_digest.hpp"  // [restart]
#include "healgrid/pipeline/journal.hpp"        // [restart]
#include "healgrid/pipeline/progress.hpp"
#include "healgrid/pipeline/progress_file.hpp"
#include "healgrid/pipeline/run_metrics.hpp"
#include "healgrid/plan/point_exchange.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/util/fault.hpp"
#include "healgrid/write/netcdf_writer.hpp"

namespace healgrid {
namespace {

// Rank 0's console: phases, progress and the summary. Errors always print.
struct Log {
  const MpiContext& mpi;
  bool quiet;
  template <typename... A>
  void info(const char* fmt, A... a) const {
    if (mpi.rank != 0 || quiet) return;
    std::printf(fmt, a...);
    std::fflush(stdout);
  }
  void warning(const std::string& message) const {
    if (mpi.rank != 0) return;
    std::fprintf(stderr, "healgrid run: warning: %s\n", message.c_str());
    std::fflush(stderr);
  }
  void errors(const std::vector<std::string>& messages) const {
    if (mpi.rank != 0) return;
    for (const auto& m : messages) std::fprintf(stderr, "healgrid run: error: %s\n", m.c_str());
    std::fflush(stderr);
  }
};

// The output directory must be writable before any expensive work starts: a probe write of
// 64 KiB (synced) to OUT.partial, removed at once, catches a read-only or full file system, a
// missing permission (also for root) and a tiny file-size limit.
std::string check_output_path(const std::string& output) {
  struct stat st {};
  if (stat(output.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return output + ": output path is a directory";
  if (stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return output + ": output path exists and is not a regular file";
  const auto slash = output.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : output.substr(0, slash + 1);
  if (access(dir.c_str(), W_OK) != 0) return dir + ": output directory is missing or not writable";
  const std::string probe = partial_path(output);
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return probe + ": cannot create the output file: " + std::strerror(errno);
  const std::vector<char> block(64 * 1024, 0);
  int err = 0;
  if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) || fsync(fd) != 0)
    err = errno != 0 ? errno : ENOSPC;
  if (close(fd) != 0 && err == 0) err = errno;
  unlink(probe.c_str());
  if (err != 0) return probe + ": cannot write the output file: " + std::strerror(err);
  return "";
}

// Exit status of a failed phase: 128 + signal when this rank was asked to stop, else 1.
int failure_status() { return stop_signal() != 0 ? 128 + stop_signal() : 1; }

std::string describe_statistic(const StatisticSpec& s, const std::string& source_long_name) {
  const std::string of = source_long_name.empty() ? s.variable : source_long_name;
  switch (s.function) {
    case StatFunction::count:
      return "number of points used (" + s.variable + ")";
    case StatFunction::quantile: {
      char q[32];
      std::snprintf(q, sizeof q, "%g", s.q);
      return std::string("quantile ") + q + " of " + of;
    }
    case StatFunction::weighted_mean:
      return "mean of " + of + ", weighted by 1/" + s.sigma + "^2";
    case StatFunction::weighted_mean_sigma:
      return "uncertainty of the weighted mean of " + of + ", 1/sqrt(sum(1/" + s.sigma + "^2))";
    default:
      return std::string(to_string(s.function)) + " of " + of;
  }
}

std::string statistic_units(const StatisticSpec& s, const std::string& source_units) {
  if (!s.units.empty()) return s.units;
  if (s.function == StatFunction::count) return "1";
  if (s.function == StatFunction::variance && !source_units.empty()) return source_units + "^2";
  return source_units;
}

// [products] The paths of the resolved granules, packed as (path, bytes) pairs.
std::vector<std::string> packed_paths(const std::vector<std::string>& packed) {
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < packed.size(); i += 2) paths.push_back(packed[i]);
  return paths;
}

struct Totals {
  long long rows_read = 0, points_used = 0, cells_with_data = 0;
};

}  // namespace

int run_command(const std::vector<std::string>& args) {
  const auto mpi = MpiContext::world();
  RunOptions opt;
  std::string usage_error;
  if (!parse_run_options(args, opt, usage_error)) {
    if (mpi.rank == 0)
      std::fprintf(stderr, "healgrid run: %s\n(see healgrid run --help)\n", usage_error.c_str());
    return 2;
  }
  if (opt.help) {
    if (mpi.rank == 0) std::fputs(run_help_text().c_str(), stdout);
    return 0;
  }
  const Log log{mpi, opt.quiet};
  std::vector<std::string> errors;
  install_stop_handlers(partial_path(opt.output));
  const double t_start = MPI_Wtime();

  // Config: rank 0 reads the file so every rank parses the very same text.
  std::string config_text = opt.config_path.empty() ? default_config_text() : "";
  std::string error;
  if (mpi.rank == 0 && !opt.config_path.empty()) {
    try {
      config_text = load_config_file(opt.config_path).source_text;
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  PipelineConfig config;
  std::string overrides;
  bcast_string(mpi, error);
  if (error.empty()) {
    bcast_string(mpi, config_text);
    try {
      config =
          parse_config(config_text, opt.config_path.empty() ? "built-in config" : opt.config_path);
      overrides = apply_overrides(opt, config);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  if (!error.empty()) {
    log.errors({error});
    return 2;
  }
  const HealpixGrid grid(config.grid.parent_order, config.grid.child_order, config.grid.latitude);

  // Phase 1, resolve (rank 0).
  double t0 = MPI_Wtime();
  std::vector<Granule> granules;
  std::vector<std::string> packed;
  CatalogSelection catalog_selection;  // [catalog] inputs from a catalog (app/catalog_inputs.hpp)
  if (mpi.rank == 0) {
    error = check_output_path(opt.output);
    if (error.empty()) {
      try {
        // [catalog] --catalog or a query instead of --input
        granules = opt.inputs.empty() ? resolve_run_granules(opt, grid, catalog_selection)
                                      : resolve_inputs(opt.inputs, config.input_suffixes);
        if (granules.empty()) error = "no granule files found in the inputs";
      } catch (const InputError& e) {
        error = e.what();
      }
    }
    for (const auto& g : granules) {
      packed.push_back(g.path);
      packed.push_back(std::to_string(g.bytes));
    }
  }
  bcast_string(mpi, error);
  if (!error.empty()) {
    log.errors({error});
    return 1;
  }
  // [products] Fail fast: the config against the first granules, before any rank reads them.
  if (mpi.rank == 0) error = check_config_against_granules(config, packed_paths(packed));
  bcast_string(mpi, error);
  if (!error.empty()) {
    log.errors({error + " (the config does not fit the granules: fix the config)"});
    return 2;
  }
  bcast_strings(mpi, packed);
  bcast_selection(mpi, catalog_selection);  // [catalog]
  if (mpi.rank != 0) {
    for (std::size_t i = 0; i + 1 < packed.size(); i += 2) {
      Granule g;
      g.path = packed[i];
      g.name = g.path.substr(g.path.find_last_of('/') + 1);
      g.bytes = std::stoll(packed[i + 1]);
      granules.push_back(g);
    }
  }
  // [restart] The inputs' identity (app/inputs_digest.hpp): recorded in the output, keys the
  // restart journal, which rank 0 opens (or clears, for other inputs) now.
  std::string inputs_sha;
  if (mpi.rank == 0)
    inputs_sha = inputs_sha256({config_text, overrides,
                                opt.on_bad_granule == BadGranulePolicy::skip ? "skip" : "fail",
                                catalog_selection.catalog_sha256, granules});
  bcast_string(mpi, inputs_sha);
  RunJournal journal(mpi, opt.output, inputs_sha, config, grid, opt.rounds);
  if (mpi.rank == 0) {
    try {
      const auto line = journal.open();
      if (!line.empty()) log.info("%s\n", line.c_str());
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  bcast_string(mpi, error);
  if (!error.empty()) {
    log.errors({error});
    return 1;
  }
  const double t_resolve = MPI_Wtime() - t0;
  log.info(
      "[resolve] %zu granules, %.2f s (parent order %d, child order %d, %s latitude, %d ranks)\n",
      granules.size(), t_resolve, grid.parent_order(), grid.child_order(),
      to_string(grid.convention()), mpi.size);

  // Phase 2, index (all ranks).
  t0 = MPI_Wtime();
  IndexResult index;
  try {
    index = index_granules(mpi, granules, config, grid);
    restrict_to_planned_cells(index, grid, catalog_selection);  // [catalog]
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (error.empty()) error = stop_reason();
  if (!all_ok(mpi, error, &errors)) {
    log.errors(errors);
    return failure_status();
  }
  std::vector<std::int64_t> words;
  for (const auto& l : index.loads) words.insert(words.end(), {l.parent, l.points});
  const auto all_words = gather_int64(mpi, words);
  std::string failures;
  for (const auto& [g, why] : index.failures) failures += std::to_string(g) + '\t' + why + '\n';
  for (const auto g : index.beamless) failures += std::to_string(g) + "\t\n";
  const auto all_failures = gather_strings(mpi, failures);
  // [products] A configured group in no granule: a warning; no group anywhere: a config error.
  std::vector<long long> found = index.group_beams;
  found.push_back(static_cast<long long>(index.failures.size()));
  MPI_Allreduce(MPI_IN_PLACE, found.data(), static_cast<int>(found.size()), MPI_LONG_LONG, MPI_SUM,
                mpi.comm);
  const auto coverage =
      check_group_coverage(config, found, static_cast<long long>(granules.size()) - found.back());
  for (const auto& w : coverage.warnings) log.warning(w);
  if (!coverage.error.empty()) {
    log.errors({coverage.error});
    return 2;
  }
  long long rows_scanned = index.rows_scanned, rows_total = 0;
  MPI_Reduce(&rows_scanned, &rows_total, 1, MPI_LONG_LONG, MPI_SUM, 0, mpi.comm);
  const double t_index = MPI_Wtime() - t0;

  // Phase 3, plan (rank 0), then scatter each rank's part.
  t0 = MPI_Wtime();
  std::vector<std::string> status(granules.size(), "used");
  std::vector<std::int64_t> plan_words;
  WorkPlan plan;
  if (mpi.rank == 0) {
    for (const auto& text : all_failures) {
      for (std::size_t pos = 0; pos < text.size();) {
        const auto tab = text.find('\t', pos), nl = text.find('\n', tab);
        const auto g = std::stoll(text.substr(pos, tab - pos));
        const auto why = text.substr(tab + 1, nl - tab - 1);
        if (why.empty()) {
          status[g] = "empty: none of the configured beam groups";
        } else if (opt.on_bad_granule == BadGranulePolicy::fail) {
          errors.push_back(why + " (use --on-bad-granule skip to leave bad granules out)");
        } else {
          status[g] = "skipped: " + why;
          std::fprintf(stderr, "healgrid run: warning: skipping granule %s\n", why.c_str());
        }
        pos = nl + 1;
      }
    }
    std::vector<ParentLoad> loads;
    for (std::size_t i = 0; i + 1 < all_words.size(); i += 2)
      loads.push_back({all_words[i], all_words[i + 1]});
    plan = make_plan(std::move(loads), mpi.size);
    if (errors.empty() && plan.loads.empty())
      errors.push_back(
          "no valid points in any granule: nothing to grid (check the filters and "
          "the inputs)");
    plan_words = serialize(plan.ranks);
  }
  if (!all_ok(mpi, errors.empty() ? "" : "plan failed", nullptr)) {
    log.errors(errors);
    return 1;
  }
  bcast_strings(mpi, status);
  // Every rank learns every rank's parent range (to route points), then its own points.
  bcast_int64(mpi, plan_words);
  const auto rank_plans = deserialize_ranks(plan_words);
  const RankPlan mine = rank_plans.at(mpi.rank);
  // The planned point count of each parent cell, to size the aggregator's buckets.
  std::vector<std::int64_t> load_words;
  if (mpi.rank == 0)
    for (const auto& l : plan.loads) load_words.insert(load_words.end(), {l.parent, l.points});
  bcast_int64(mpi, load_words);
  std::vector<ParentLoad> my_loads;
  for (std::size_t i = 0; i + 1 < load_words.size(); i += 2)
    if (load_words[i] >= mine.first_parent && load_words[i] <= mine.last_parent)
      my_loads.push_back({load_words[i], load_words[i + 1]});
  // Points of skipped granules were dropped by the index pass on the rank that read them.
  PointParts received;
  try {
    received = exchange_points(mpi, std::move(index.points), index.loads, rank_plans, grid);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!all_ok(mpi, error, &errors)) {
    log.errors(errors);
    return 1;
  }
  const double t_plan = MPI_Wtime() - t0;
  if (mpi.rank == 0) {
    long long planned = 0;
    for (const auto& l : plan.loads) planned += l.points;
    log.info(
        "[index] %lld rows scanned, %lld points pass filters, %zu parent cells with data, "
        "%.2f s\n[plan] %zu parent cells over %d ranks, %.2f s\n",
        rows_total, planned, plan.loads.size(), t_index, plan.loads.size(), mpi.size, t_plan);
  }

  // Phase 4, read + aggregate (each rank: its parent cells only).
  t0 = MPI_Wtime();
  // [restart] Journaled parent cells are loaded, not computed; the others go round by round.
  PointParts parts = std::move(received);
  std::vector<WorkRun> runs;
  try {
    runs = journal.prepare(mine, parts);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!all_ok(mpi, error, &errors)) {
    log.errors(errors);
    return 1;
  }
  log.info("%s", journal.resume_line().c_str());
  // [live progress file] rank 0 keeps <output>.progress.json up to date (app/progress_file.hpp).
  // Published after the last collective call before the reads, so a rank that finishes its
  // cells is never held back by a slower one until the write.
  ProgressFile progress_file(mpi.rank == 0, opt.output, grid.parent_order(), grid.child_order(),
                             to_string(grid.convention()), mpi.size);
  progress_file.planned(plan);
  CellAggregator aggregator(config, grid);
  aggregator.expect(my_loads);
  std::vector<long long> granule_points(granules.size(), 0);
  Totals totals;
  PhaseProgress progress(mpi, "read+aggregate", opt.progress_seconds, opt.quiet);
  // [live progress file] each rank's parent range is marked done as it finishes.
  progress.on_rank_finished([&](int rank) { progress_file.rank_finished(rank); });
  GridBlock block;
  double t_read_bin = 0, t_reduce = 0;  // this rank's split of the phase
  // Work items: runs of one granule beam's points, round after round ([restart]).
  const auto ntasks = static_cast<std::int64_t>(runs.size());
  std::int64_t round_points = 0;  // [restart] points of the finished rounds
  try {
    BeamChunk chunk;
    std::unique_ptr<GranuleReader> reader;
    std::vector<double> values(config.variables.size());
    for (std::int64_t t = 0; t < ntasks; ++t) {
      if (stop_signal() != 0) throw std::runtime_error(stop_reason());
      const auto& run = runs[static_cast<std::size_t>(t)];
      const auto& points = parts[run.part];
      const auto begin = run.begin, end = run.end;
      const auto g = points[begin].granule();
      const auto& granule = granules[g];
      if (!reader || reader->path() != granule.path)
        reader = std::make_unique<GranuleReader>(granule.path, config);
      const int beam = reader->beam_index(config.groups[points[begin].group()]);
      if (beam < 0) throw GranuleError(granule.path + ": beam group vanished between passes");
      // Rows ascend within a run: read the variables in windows covering the next points.
      for (auto i = begin; i < end;) {
        if (stop_signal() != 0) throw std::runtime_error(stop_reason());
        const std::uint64_t row0 = points[i].row;
        const std::uint64_t n =
            std::min<std::uint64_t>(kRowBlock, std::uint64_t{points[end - 1].row} + 1 - row0);
        reader->read_values(static_cast<std::size_t>(beam), row0, n, chunk);
        totals.rows_read += static_cast<long long>(n);
        long long used = 0;
        for (; i < end && points[i].row < row0 + n; ++i) {
          const auto k = points[i].row - row0;
          if (!chunk.valid[k]) continue;
          for (std::size_t v = 0; v < values.size(); ++v) values[v] = chunk.values[v][k];
          aggregator.add_point(points[i].cell, values.data());
          journal.count(points[i].cell, static_cast<std::uint32_t>(g));  // [restart]
          ++used;
        }
        granule_points[g] += used;
      }
      if (run.ends_round) {  // [restart] a finished round: reduce and journal it
        const double r0 = MPI_Wtime();
        round_points += static_cast<std::int64_t>(aggregator.points());
        journal.commit(aggregator.finalize());
        t_reduce += MPI_Wtime() - r0;
      }
      progress.update(t + 1, ntasks, round_points + static_cast<std::int64_t>(aggregator.points()));
    }
    parts = {};
    reader.reset();
    t_read_bin = MPI_Wtime() - t0 - t_reduce;
    const double r0 = MPI_Wtime();
    block = journal.assemble(granule_points);  // [restart] journaled + computed rounds
    t_reduce += MPI_Wtime() - r0;
  } catch (const GranuleError& e) {
    // The index pass reads coordinates and filters only: a granule whose variables cannot be
    // read (e.g. a damaged compressed chunk) fails here, where other ranks may already have used
    // part of it, so it is fatal even with --on-bad-granule skip.
    error = std::string(e.what()) +
            " [read+aggregate phase: fatal even with --on-bad-granule skip, since other ranks "
            "may already have used part of this granule; remove it from the inputs and rerun]";
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (error.empty()) error = stop_reason();
  progress.finish(ntasks, ntasks, static_cast<std::int64_t>(block.points),
                  static_cast<std::int64_t>(block.parents.size()));
  if (!all_ok(mpi, error, &errors)) {
    log.errors(errors);
    progress_file.failed(errors);  // [live progress file]
    return failure_status();
  }
  const double t_aggregate = MPI_Wtime() - t0;

  // Phase 5, write (collective): parent offsets from every rank's non-empty parents.
  t0 = MPI_Wtime();
  long long my_parents = static_cast<long long>(block.parents.size()), offset = 0, total = 0;
  MPI_Exscan(&my_parents, &offset, 1, MPI_LONG_LONG, MPI_SUM, mpi.comm);
  if (mpi.rank == 0) offset = 0;
  MPI_Allreduce(&my_parents, &total, 1, MPI_LONG_LONG, MPI_SUM, mpi.comm);
  MPI_Allreduce(MPI_IN_PLACE, granule_points.data(), static_cast<int>(granule_points.size()),
                MPI_LONG_LONG, MPI_SUM, mpi.comm);
  totals.points_used = static_cast<long long>(block.points);
  totals.cells_with_data = static_cast<long long>(cells_with_data(block));
  MPI_Allreduce(MPI_IN_PLACE, &totals, 3, MPI_LONG_LONG, MPI_SUM, mpi.comm);

  OutputMetadata meta;
  meta.date_created = creation_time_utc();
  meta.history = "healgrid run";
  for (const auto& a : args) meta.history += " " + a;
  meta.overrides = overrides;
  meta.extra_attributes = catalog_attributes(catalog_selection);     // [catalog]
  meta.extra_attributes.emplace_back(kInputsAttribute, inputs_sha);  // [restart]
  meta.points_used = static_cast<std::uint64_t>(totals.points_used);
  for (std::size_t g = 0; g < granules.size(); ++g)
    meta.granules.push_back({granules[g].name, granules[g].bytes, granule_points[g], status[g]});
  // Units and long names come from the source datasets of the first used granule.
  std::vector<std::string> attrs;
  if (mpi.rank == 0) {
    const auto used = std::find_if(granule_points.begin(), granule_points.end(),
                                   [](long long n) { return n > 0; }) -
                      granule_points.begin();
    try {
      const GranuleReader reader(granules.at(used).path, config);
      for (const auto& s : config.statistics) {
        const int v = config.variable_index(s.variable);
        attrs.push_back(reader.variable_attribute(v, "units"));
        attrs.push_back(reader.variable_attribute(v, "long_name"));
      }
    } catch (const std::exception&) {
      attrs.clear();
    }
  }
  bcast_strings(mpi, attrs);
  for (std::size_t s = 0; s < config.statistics.size(); ++s) {
    const auto& spec = config.statistics[s];
    const std::string units = attrs.size() > 2 * s ? attrs[2 * s] : "";
    const std::string long_name = attrs.size() > 2 * s + 1 ? attrs[2 * s + 1] : "";
    meta.units.push_back(statistic_units(spec, units));
    meta.long_names.push_back(spec.long_name.empty() ? describe_statistic(spec, long_name)
                                                     : spec.long_name);
  }
  progress_file.writing();  // [live progress file]
  try {
    write_netcdf(mpi, opt.output, config, grid, block, offset, total, meta);
  } catch (const std::exception& e) {
    // Other ranks may be inside a collective call: abort the job, leaving no finished file
    // (abort_job removes OUT.partial).
    progress_file.failed({std::string("write failed: ") + e.what()});  // [live progress file]
    abort_job(mpi, std::string("write failed: ") + e.what());
  }
  const double t_write = MPI_Wtime() - t0;
  progress_file.complete();  // [live progress file]
  journal.remove();          // [restart] the output is complete

  if (mpi.rank == 0) {
    struct stat st {};
    stat(opt.output.c_str(), &st);
    const double elapsed = MPI_Wtime() - t_start;
    long long skipped = 0;
    for (const auto& s : status) skipped += s.rfind("skipped", 0) == 0;
    std::printf(
        "healgrid run: done. %zu granules (%lld skipped), %lld rows read, %lld points used, "
        "%lld cells with data in %lld parent cells\n"
        "  seconds: resolve %.2f, index %.2f, plan %.2f, read+aggregate %.2f, write %.2f, "
        "total %.2f\n"
        "  %.3g points/s (%.3g per rank), output %s: %.1f MB\n",
        granules.size(), skipped, totals.rows_read, totals.points_used, totals.cells_with_data,
        total, t_resolve, t_index, t_plan, t_aggregate, t_write, elapsed,
        totals.points_used / elapsed, totals.points_used / elapsed / mpi.size, opt.output.c_str(),
        st.st_size / 1e6);
    std::fflush(stdout);
  }
  if (!opt.metrics_json.empty()) {
    RunMetrics m;
    m.granules = static_cast<long long>(granules.size());
    m.rows_read = totals.rows_read;
    m.points_used = totals.points_used;
    m.cells_with_data = totals.cells_with_data;
    m.parent_cells = total;
    m.resolve = t_resolve;
    m.index = t_index;
    m.plan = t_plan;
    m.read_bin = t_read_bin;
    m.reduce = t_reduce;
    m.write = t_write;
    m.total = MPI_Wtime() - t_start;
    m.bytes_per_point = aggregator.bytes_per_point();
    struct stat st {};
    if (stat(opt.output.c_str(), &st) == 0) m.output_bytes = st.st_size;
    if (!write_metrics_json(mpi, opt.metrics_json, m))
      log.errors({opt.metrics_json + ": cannot write the metrics file"});
  }
  return 0;
}

}  // namespace healgrid
