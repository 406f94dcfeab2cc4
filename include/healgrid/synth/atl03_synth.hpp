// Synthetic ATL03-like photon granules (`healgrid synth --product atl03`): the same orbit,
// granule plan and ice-sheet surface as the ATL06 synth (synth/atl06_synth.hpp, synth/orbit.hpp),
// but every beam holds photons in 20 m geolocation segments, as ATL03 stores them:
//   /gtXX/heights/        lat_ph, lon_ph, h_ph, delta_time, quality_ph, signal_conf_ph [N, 5]
//   /gtXX/geolocation/    segment_id, ph_index_beg (1-based, 0 for an empty segment),
//                         segment_ph_cnt, reference_photon_lat/lon, delta_time
//   /gtXX/geophys_corr/   geoid (fill for a share of the segments), delta_time
//   /ancillary_data/      atlas_sdp_gps_epoch
// Rates: ATLAS fires 10 kHz, ~28 shots per 20 m segment. A strong beam returns
// `photons_per_shot` signal photons per shot on average (default 4, bright ice under clear sky;
// real rates run from below 1 to above 10), a weak beam a quarter of that; background (noise)
// photons arrive at photons_per_shot / 8 per shot on every beam, spread over a +-15 m telemetry
// window. Counts per segment are Poisson draws. Deterministic like the ATL06 synth.
#pragma once

#include <string>

#include "healgrid/synth/atl06_synth.hpp"

namespace healgrid {

// "ATL03_YYYYMMDDhhmmss_ttttccss_006_01.h5".
std::string synth_atl03_name(int rgt, int cycle, int region);

// Writes one ATL03-like granule into opts.out_dir (temporary name, renamed when complete), beam
// by beam so memory holds one beam; returns its path. Throws std::runtime_error with the path.
std::string write_synth_atl03_granule(const SynthGranule& g, const SynthOptions& opts);

}  // namespace healgrid
