// NASA's ATL06 release-006 file layout for `healgrid synth` (private to src/synth): the beam
// columns the simulation fills, and the writer that wraps them in groups, ancillary data and
// attributes the way NASA's files have them.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "healgrid/synth/atl06_synth.hpp"
#include "healgrid/synth/orbit.hpp"

namespace healgrid::synth_layout {

inline constexpr float kFloatFill = std::numeric_limits<float>::max();  // 3.4028235e38
inline constexpr std::int8_t kQualityFill = 127;
inline constexpr std::int32_t kSegmentFill = 0;

// One beam's land_ice_segments rows, all vectors the same length.
struct BeamColumns {
  std::vector<double> lat, lon, time;
  std::vector<float> h, sigma, geo;
  std::vector<std::int8_t> quality;
  std::vector<std::int32_t> segment;
};
using Beams = std::array<BeamColumns, orbit::kBeams>;  // gt1l gt1r gt2l gt2r gt3l gt3r

// Creates (truncates) `path` and writes the whole granule. `seed` is recorded in `history`.
// Throws std::runtime_error starting with `path`.
void write_atl06_file(const std::string& path, const SynthGranule& g, std::uint64_t seed,
                      const Beams& beams);

}  // namespace healgrid::synth_layout
