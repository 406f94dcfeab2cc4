// `healgrid synth`: plans synthetic ATL06 granules and writes them, granule i on rank i % size.
// Every rank parses the same arguments and plans the same list, so they agree without talking;
// the return code is agreed with MPI_Allreduce so no rank exits alone.
#include <mpi.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/app/exit_status.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/io/h5_writer.hpp"
#include "healgrid/synth/atl03_synth.hpp"
#include "healgrid/synth/atl06_synth.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace po = boost::program_options;

namespace healgrid {
namespace {

constexpr const char* kLayoutHelp = R"(
Files: ATL06_YYYYMMDDhhmmss_ttttccss_006_01.h5 (granule start time, RGT, cycle,
region), written under a temporary name and renamed when complete. Layout as
NASA's ATL06 release 006:
  /gt1l ... /gt3r          beam groups; attributes atlas_beam_type (strong/weak
                           per sc_orient), atlas_pce, atlas_spot_number,
                           groundtrack_id, ...
  /gtx/land_ice_segments/  1-D, unlimited, chunk 10000, deflate 6 (+ shuffle on
                           integers): latitude, longitude, delta_time (f64),
                           h_li, h_li_sigma, sigma_geo_h (f32, fill
                           3.4028235e38), atl06_quality_summary (i8, fill 127),
                           segment_id (i32)
  /ancillary_data/         atlas_sdp_gps_epoch, start/end_{rgt,cycle,region,
                           delta_time,...}
  /orbit_info/             rgt (i16), cycle_number (i8), sc_orient (i8), lan,
                           crossing_time

Geometry: circular 92-degree orbit, 1387 RGTs per cycle of 90.8186 days, the
mission's (RGT 1 of cycle 1 on 2018-09-28, so cycle N's granules fall in
--time-windows cycle's window N), three beam pairs 3.3 km apart, beams of a
pair 90 m apart, one segment every 20 m. Regions: Antarctica 10, 11, 12
(50S-79S descending, south pole, 79S-50S ascending; rows south of 60S kept);
Greenland 3, 4, 5 (59.5N-80N ascending, north pole, descending; rows in 60-84N,
75W-10W kept). Heights: a smooth ice-sheet dome plus Gaussian noise of
h_li_sigma. The same options give the same data values on any number of ranks.
)";

struct Parsed {
  SynthOptions opts;
  bool help = false;
};

po::options_description describe(SynthOptions& o, std::string& region, std::string& seed,
                                 std::string& product) {
  auto d = options_list("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("product", value(&product, "NAME")->default_value("atl06"),
     "atl06 (land-ice segments) or atl03 (photons in 20 m geolocation segments with "
     "ph_index_beg, segment_ph_cnt, signal_conf_ph [N, 5], noise photons, a segment geoid)")
    ("photons-per-shot", value(&o.photons_per_shot, "X")->default_value(4.0, "4"),
     "atl03: signal photons per shot on a strong beam (weak: a quarter; noise: X/8 per shot on "
     "every beam; 28 shots per 20 m segment)")
    ("region", value(&region, "NAME")->default_value("antarctica"),
     "antarctica (granule regions 10, 11, 12) or greenland (3, 4, 5)")
    ("granules", value(&o.granules, "N")->default_value(6), "number of granules to write")
    ("cycle", value(&o.cycle, "N")->default_value(1), "first ICESat-2 cycle (1..99)")
    ("first-rgt", value(&o.first_rgt, "RGT")->default_value(1),
     "first reference ground track (1..1387)")
    ("rgt-step", value(&o.rgt_step, "N")->default_value(1),
     "stride between RGTs; past 1387 the walk goes on in the next cycle. Each RGT gives the "
     "region's three granules (passes that miss Greenland are skipped)")
    ("along-track-m", value(&o.along_track_m, "M")->default_value(20.0, "20"),
     "atl06: metres between segments, 20..10000 (NASA's posting is 20; a coarser posting "
     "covers a whole cycle's geometry with fewer points)")
    ("seed", value(&seed, "N")->default_value("1"),
     "random seed (unsigned 64-bit): noise, fill and quality flags")
    ("output-dir", value(&o.out_dir, "DIR")->default_value("."),
     "directory for the granules (created if missing)")
    ("fill-fraction", value(&o.fill_fraction, "F")->default_value(0.01, "0.01"),
     "share of segments whose h_li and h_li_sigma are fill (0..1)")
    ("bad-quality-fraction",
     value(&o.bad_quality_fraction, "F")->default_value(0.05, "0.05"),
     "share of segments with atl06_quality_summary = 1 (0..1)");
  // clang-format on
  return d;
}

// Returns 0 on success, else 2 with `error` set. Range checks are left to plan_synth.
int parse(const std::vector<std::string>& args, Parsed& out, std::string& error,
          std::string& help) {
  std::string region, seed, product;
  const auto desc = describe(out.opts, region, seed, product);
  help = format_help(
      {{"[mpirun -np N] healgrid synth [options]"},
       "Writes synthetic ICESat-2 ATL06 granules (or ATL03-like photon granules: --product "
       "atl03) (HDF5) that readers cannot tell from NASA's by layout; granule i is written by "
       "MPI rank i % N.",
       {&desc},
       kLayoutHelp + 1,  // without its leading newline
       {"mpirun -np 4 healgrid synth --region antarctica --granules 60 --output-dir granules/",
        "healgrid synth --region greenland --cycle 4 --first-rgt 100 --rgt-step 10 "
        "--output-dir gl/",
        "mpirun -np 2 healgrid synth --granules 4161 --along-track-m 400 --output-dir cycle/"}});
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      out.help = true;
      return 0;
    }
  } catch (const po::error& e) {
    error = e.what();
    return 2;
  }
  if (product == "atl03") {
    out.opts.product = SynthProduct::atl03;
  } else if (product != "atl06") {
    error = "--product: expected atl06 or atl03, got '" + product + "'";
    return 2;
  }
  // An option of the other product would be silently ignored: refused instead.
  const auto given = [&](const char* name) { return vm.count(name) && !vm[name].defaulted(); };
  if (product == "atl03" && given("along-track-m")) {
    error = "--along-track-m: an atl06 option (ATL03-like photons are posted every 20 m)";
    return 2;
  }
  if (product == "atl06" && given("photons-per-shot")) {
    error = "--photons-per-shot: an atl03 option (give --product atl03)";
    return 2;
  }
  if (region == "antarctica") {
    out.opts.region = SynthRegion::antarctica;
  } else if (region == "greenland") {
    out.opts.region = SynthRegion::greenland;
  } else {
    error = "--region: expected antarctica or greenland, got '" + region + "'";
    return 2;
  }
  // Digits only: lexical_cast would wrap "-1" to 2^64 - 1.
  const bool digits = !seed.empty() && seed.size() <= 20 &&
                      seed.find_first_not_of("0123456789") == std::string::npos;
  try {
    if (!digits) throw std::out_of_range(seed);
    out.opts.seed = std::stoull(seed);
  } catch (const std::exception&) {
    error = "--seed: expected an unsigned 64-bit integer, got '" + seed + "'";
    return 2;
  }
  if (out.opts.out_dir.empty()) {
    error = "--output-dir: must not be empty";
    return 2;
  }
  return 0;
}

// Rank 0: "" when every granule of the plan may be written, else why not: synth replaces only
// the granules it wrote itself (their names are NASA's: a data folder may hold real ones).
std::string taken_names(const std::vector<SynthGranule>& plan, const SynthOptions& opts) {
  std::vector<std::string> taken;
  for (const auto& g : plan) {
    const std::string name = !g.name.empty() ? g.name
                             : opts.product == SynthProduct::atl03
                                 ? synth_atl03_name(g.rgt, g.cycle, g.region)
                                 : synth_granule_name(g.rgt, g.cycle, g.region);
    const std::string path = (std::filesystem::path(opts.out_dir) / name).string();
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec)) &&
        !is_synth_granule(path))
      taken.push_back(path);
  }
  if (taken.empty()) return "";
  std::string list;
  for (std::size_t i = 0; i < taken.size() && i < 5; ++i) list += (i ? ", " : "") + taken[i];
  if (taken.size() > 5) list += ", and " + std::to_string(taken.size() - 5) + " more";
  return "--output-dir '" + opts.out_dir + "': " + std::to_string(taken.size()) +
         (taken.size() == 1 ? " file" : " files") +
         " at the names of the granules to write, not written by healgrid synth (a symlink, "
         "another program's file or a real granule): " +
         list + "; synth replaces only its own granules: move them or choose another --output-dir";
}

}  // namespace

int synth_command(const std::vector<std::string>& args) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const double t_start = MPI_Wtime();

  Parsed parsed;
  std::string error, help;
  int rc = parse(args, parsed, error, help);
  std::vector<SynthGranule> plan;
  if (rc == 0 && !parsed.help) rc = exit_status_of([&] { plan = plan_synth(parsed.opts); }, error);
  if (const int all = Communicator::world().max(rc); all != 0) {
    if (rank == 0) {
      std::fprintf(stderr, "healgrid synth: %s%s\n", error.c_str(),
                   all == 2 ? " (try healgrid synth --help)" : "");
    }
    return all;
  }
  if (parsed.help) {
    if (rank == 0) std::fputs(help.c_str(), stdout);
    return 0;
  }

  const SynthOptions& opts = parsed.opts;
  namespace fs = std::filesystem;
  if (rank == 0) {
    std::error_code ec;
    fs::create_directories(opts.out_dir, ec);
    if (ec || !fs::is_directory(opts.out_dir, ec)) {
      std::fprintf(stderr, "healgrid synth: --output-dir '%s': cannot create directory%s%s\n",
                   opts.out_dir.c_str(), ec ? ": " : "", ec ? ec.message().c_str() : "");
      rc = 1;
    } else if (const auto why = taken_names(plan, opts); !why.empty()) {
      std::fprintf(stderr, "healgrid synth: %s\n", why.c_str());
      rc = 2;
    }
  }
  if (const int all = Communicator::world().max(rc); all != 0) return all;

  // Each rank writes its share; a failure stops that rank's writing but not its collectives.
  double bytes = 0;
  long long written = 0;
  for (std::size_t i = static_cast<std::size_t>(rank); i < plan.size(); i += size) {
    const double t0 = MPI_Wtime();
    try {
      const std::string path = opts.product == SynthProduct::atl03
                                   ? write_synth_atl03_granule(plan[i], opts)
                                   : write_synth_granule(plan[i], opts);
      const double b = static_cast<double>(fs::file_size(path));
      bytes += b;
      ++written;
      if (rank == 0) {
        std::printf("[%zu/%zu] %s  %.1f MB  %.2f s\n", i + 1, plan.size(), path.c_str(), b / 1e6,
                    MPI_Wtime() - t0);
        std::fflush(stdout);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "healgrid synth: rank %d: %s\n", rank, e.what());
      rc = 1;
      break;
    }
  }
  double totals[2] = {bytes, static_cast<double>(written)};
  MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  rc = Communicator::world().max(rc);
  const double seconds = MPI_Wtime() - t_start;
  if (rank == 0) {
    std::printf(
        "healgrid synth: %s %lld of %zu granules, %.1f MB, to %s in %.2f s (%.1f MB/s) "
        "on %d rank%s\n",
        rc == 0 ? "wrote" : "FAILED after writing", static_cast<long long>(totals[1]), plan.size(),
        totals[0] / 1e6, opts.out_dir.c_str(), seconds, totals[0] / 1e6 / std::max(seconds, 1e-9),
        size, size == 1 ? "" : "s");
  }
  return rc;
}

}  // namespace healgrid
