// ICESat-2-like ground-track geometry for `healgrid synth`: a circular 92-degree orbit with 1387
// reference ground tracks (RGTs) per exact-repeat cycle of 91 nodal days, over a spherical Earth.
//
// Model: the Earth turns once per nodal day relative to the orbit plane, which absorbs nodal
// precession and makes the track pattern repeat exactly every cycle. The cycle lasts what the
// mission's does (90.8186 days: the starts fitted to real granule names, the same as
// `resolve --cycle` and `--time-windows cycle` use), so a synthetic granule's cycle in its name
// is the cycle window its points fall in. Positions along a revolution are given by the
// argument of latitude u (radians from the ascending node); the along-track coordinate
// x_atc = R * u, so segment_id (one per 20 m) counts from the node.
// Times are ATLAS SDP delta_time: seconds since 2018-01-01T00:00:00Z; leap seconds are ignored
// (there were none after 2017, so for mission dates this equals GPS seconds since the epoch).
#pragma once

#include <cstdint>
#include <string>

namespace healgrid::orbit {

inline constexpr int kRgtsPerCycle = 1387;
inline constexpr double kCycleSeconds = 7846727.0;                      // 90.8186 days
inline constexpr double kNodalDayS = kCycleSeconds / 91.0;              // ~86228.9 s
inline constexpr double kOrbitPeriodS = kCycleSeconds / kRgtsPerCycle;  // ~5657.3 s
inline constexpr double kInclinationDeg = 92.0;
inline constexpr double kEarthRadiusM = 6371008.8;         // mean radius
inline constexpr double kGeosegmentM = 20.0;               // segment_id unit along track
inline constexpr double kAtlasSdpGpsEpoch = 1198800018.0;  // GPS seconds of 2018-01-01
// RGT 1 of cycle 1: 2018-09-28T15:32:00Z (the mission's science data began at RGT 234).
inline constexpr double kCycle1StartDeltaTime = 23383920.0;
inline constexpr double kPairSpacingM = 3300.0;  // cross-track, between beam pairs
inline constexpr double kBeamSpacingM = 90.0;    // cross-track, within a pair
inline constexpr int kBeams = 6;

// Beams in ATL06 group order: gt1l gt1r gt2l gt2r gt3l gt3r (pair 1 is leftmost).
const char* beam_name(int beam);
// Cross-track offset of a beam, metres to the left of the direction of travel.
double beam_offset_m(int beam);

// Spacecraft orientation in `cycle`: 1 forward (weak beams lead; gtxr strong), 0 backward.
// Flips every two cycles, as ICESat-2 did about twice a year; cycle 1 is forward.
int sc_orient(int cycle);
// delta_time of the last orientation change before `cycle` (the start of cycle 1, 2, 4, ...).
double sc_orient_time(int cycle);
bool strong_beam(int beam, int orient);
// ATL06 segment_id at along-track distance x_atc from the ascending node: 1 + floor(x / 20 m).
std::int32_t segment_id_at(double x_atc_m);

// Ascending-node crossing time (delta_time) of `rgt` (1..1387) in `cycle` (>= 1).
double node_delta_time(int rgt, int cycle);
// Ascending-node longitude of `rgt`, degrees in [-180, 180).
double node_longitude_deg(int rgt);

// ATL06 granule region `region` (1..14) as a range of argument of latitude [begin, end) in
// radians. Boundaries: 0, 27, 59.5, 80 N and 0, 27, 50, 79 S; regions 4 and 11 cover the poles.
// Throws std::invalid_argument for other numbers.
struct Span {
  double begin = 0;
  double end = 0;
};
Span region_span(int region);

struct LatLon {
  double lat_deg = 0;
  double lon_deg = 0;  // [-180, 180]
};

// The ground track of one RGT revolution in one cycle.
class GroundTrack {
 public:
  GroundTrack(int rgt, int cycle);

  double delta_time(double u) const;
  // Positions at argument of latitude u of `n` points offsets_m[i] metres left of the track
  // (the local frame is computed once, so this is the fast path for the six beams).
  void locate(double u, const double* offsets_m, int n, LatLon* out) const;
  LatLon locate(double u, double offset_m = 0) const;

 private:
  double node_time_ = 0;
  double node_lon_rad_ = 0;
};

// Great-circle distance in metres on the model sphere.
double distance_m(LatLon a, LatLon b);

// "YYYY-MM-DDThh:mm:ss.ffffffZ" (CCSDS-A, as in ATL06 ancillary_data) for a delta_time.
std::string utc_ccsds(double delta_time);
// "YYYYMMDDhhmmss" (the time in granule names), truncated to whole seconds.
std::string utc_compact(double delta_time);

}  // namespace healgrid::orbit
