// Synthetic ATL06 v006-layout granules (`healgrid synth`): same file names, groups, datasets,
// dtypes, attributes, chunking and compression as NASA's, with geometry from an ICESat-2-like
// orbit and heights from a smooth ice-sheet surface plus noise. Deterministic: the same options
// give the same bytes whichever rank writes a granule (random streams are seeded per granule and
// beam and drawn without std:: distributions; files carry no timestamps). Transcendental
// functions come from the platform libm, so another libm may differ in the last bits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace healgrid {

enum class SynthRegion { antarctica, greenland };
enum class SynthProduct { atl06, atl03 };  // atl03: photons in segments (synth/atl03_synth.hpp)

struct SynthOptions {
  SynthRegion region = SynthRegion::antarctica;
  int granules = 6;   // how many granules to plan
  int cycle = 1;      // ICESat-2 cycle of the first RGT (1..99)
  int first_rgt = 1;  // RGTs are taken from here on (1..1387), wrapping into the next cycle
  int rgt_step = 1;   // stride between successive RGTs
  std::uint64_t seed = 1;
  double along_track_m = 20.0;  // posting, 20..10000 m (segment_id counts 20 m steps)
  double fill_fraction = 0.01;  // share of segments with h_li fill
  double bad_quality_fraction = 0.05;
  SynthProduct product = SynthProduct::atl06;
  double photons_per_shot = 4.0;  // atl03: signal photons per shot on a strong beam
  std::string out_dir = ".";
};

struct SynthGranule {
  std::string name;  // ATL06_YYYYMMDDhhmmss_ttttccss_006_01.h5
  int rgt = 0;
  int cycle = 0;
  int region = 0;  // ATL06 granule region (1..14)
};

// The granules `opts` describes, in time order: RGTs first_rgt, first_rgt + rgt_step, ... (past
// 1387 they wrap into the next cycle), each with the area's three regions (antarctica 10, 11,
// 12; greenland 3, 4, 5), skipping region passes that do not cross the area. Throws
// std::invalid_argument, naming the command-line option, for out-of-range options.
std::vector<SynthGranule> plan_synth(const SynthOptions& opts);

// "ATL06_YYYYMMDDhhmmss_ttttccss_006_01.h5", the time being the granule's (region's) start.
std::string synth_granule_name(int rgt, int cycle, int region);

// Whether `path` is a granule healgrid synth wrote (its root `history` says so), which a rerun
// may replace; a symlink, a directory, another program's file or a NASA granule is not.
bool is_synth_granule(const std::string& path);

// Writes one granule into opts.out_dir (temporary name, renamed when complete: over a granule
// synth wrote, never over another file, even one that appeared meanwhile) and returns its
// path. Throws std::runtime_error with the path on failure.
std::string write_synth_granule(const SynthGranule& g, const SynthOptions& opts);

}  // namespace healgrid
