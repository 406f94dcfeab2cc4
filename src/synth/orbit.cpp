// Ground-track geometry; see include/healgrid/synth/orbit.hpp for the model.
#include "healgrid/synth/orbit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace healgrid::orbit {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double kMeanMotion = 2.0 * kPi / kOrbitPeriodS;  // rad/s along the orbit
constexpr double kEarthRate = 2.0 * kPi / kNodalDayS;      // rad/s, relative to the orbit plane
// The node moves west by one nodal day's rotation times the period fraction for each RGT.
constexpr double kNodeStepDeg = 360.0 * kOrbitPeriodS / kNodalDayS;  // 360 * 91 / 1387 degrees
// Chosen so that RGT numbers fall where NASA's do (real RGT 1 crosses the equator near -0.13 deg).
constexpr double kRgt1NodeLonDeg = -0.127;
constexpr std::int64_t kEpochDaysSince1970 = 17532;  // 2018-01-01

const double kSinInc = std::sin(kInclinationDeg * kDeg);
const double kCosInc = std::cos(kInclinationDeg * kDeg);

// Argument of latitude (rad, in [0, pi/2]) where an ascending track reaches |lat_deg|.
double u_at_latitude(double lat_deg) { return std::asin(std::sin(lat_deg * kDeg) / kSinInc); }

// Howard Hinnant's civil_from_days (proleptic Gregorian).
void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

struct Civil {
  int year, month, day, hour, minute, second;
  std::int64_t micro;
};

Civil civil_from_micro(std::int64_t us) {
  const std::int64_t day_us = 86400LL * 1000000LL;
  std::int64_t days = us / day_us;
  std::int64_t rem = us % day_us;
  if (rem < 0) {
    rem += day_us;
    --days;
  }
  Civil c{};
  civil_from_days(kEpochDaysSince1970 + days, c.year, c.month, c.day);
  const std::int64_t secs = rem / 1000000;
  c.micro = rem % 1000000;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

}  // namespace

const char* beam_name(int beam) {
  static const char* const kNames[kBeams] = {"gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"};
  if (beam < 0 || beam >= kBeams) throw std::invalid_argument("beam index out of range");
  return kNames[beam];
}

double beam_offset_m(int beam) {
  if (beam < 0 || beam >= kBeams) throw std::invalid_argument("beam index out of range");
  const double pair_centre = kPairSpacingM * (1 - beam / 2);  // pair 1 left, pair 3 right
  return pair_centre + (beam % 2 == 0 ? 0.5 : -0.5) * kBeamSpacingM;
}

int sc_orient(int cycle) { return (cycle / 2) % 2 == 0 ? 1 : 0; }

double sc_orient_time(int cycle) { return node_delta_time(1, std::max(1, cycle - cycle % 2)); }

bool strong_beam(int beam, int orient) { return (beam % 2 == 1) == (orient == 1); }

std::int32_t segment_id_at(double x_atc_m) {
  return static_cast<std::int32_t>(std::floor(x_atc_m / kGeosegmentM + 1e-6)) + 1;
}

double node_delta_time(int rgt, int cycle) {
  return kCycle1StartDeltaTime + (cycle - 1) * kCycleSeconds + (rgt - 1) * kOrbitPeriodS;
}

double node_longitude_deg(int rgt) {
  const double lon = kRgt1NodeLonDeg - (rgt - 1) * kNodeStepDeg;
  const double wrapped = std::fmod(lon + 180.0, 360.0);
  return (wrapped < 0 ? wrapped + 360.0 : wrapped) - 180.0;
}

Span region_span(int region) {
  const double n27 = u_at_latitude(27.0), n59 = u_at_latitude(59.5), n80 = u_at_latitude(80.0);
  const double s50 = u_at_latitude(50.0), s79 = u_at_latitude(79.0);
  const double pi = kPi;
  switch (region) {
    case 1:
      return {0.0, n27};
    case 2:
      return {n27, n59};
    case 3:
      return {n59, n80};
    case 4:
      return {n80, pi - n80};
    case 5:
      return {pi - n80, pi - n59};
    case 6:
      return {pi - n59, pi - n27};
    case 7:
      return {pi - n27, pi};
    case 8:
      return {pi, pi + n27};
    case 9:
      return {pi + n27, pi + s50};
    case 10:
      return {pi + s50, pi + s79};
    case 11:
      return {pi + s79, 2 * pi - s79};
    case 12:
      return {2 * pi - s79, 2 * pi - s50};
    case 13:
      return {2 * pi - s50, 2 * pi - n27};
    case 14:
      return {2 * pi - n27, 2 * pi};
    default:
      throw std::invalid_argument("ATL06 region must be 1..14, got " + std::to_string(region));
  }
}

GroundTrack::GroundTrack(int rgt, int cycle)
    : node_time_(node_delta_time(rgt, cycle)), node_lon_rad_(node_longitude_deg(rgt) * kDeg) {}

double GroundTrack::delta_time(double u) const { return node_time_ + u / kMeanMotion; }

void GroundTrack::locate(double u, const double* offsets_m, int n, LatLon* out) const {
  // Orbit-plane vectors rotated by the node longitude less the Earth's turn since the node.
  const double theta = node_lon_rad_ - kEarthRate * (u / kMeanMotion);
  const double ct = std::cos(theta), st = std::sin(theta);
  const double cu = std::cos(u), su = std::sin(u);
  const double px = cu, py = su * kCosInc, pz = su * kSinInc;   // position in plane frame
  const double dx = -su, dy = cu * kCosInc, dz = cu * kSinInc;  // d(position)/du
  const double rx = ct * px - st * py, ry = st * px + ct * py, rz = pz;
  // Ground velocity: the orbital motion minus the Earth's rotation under it.
  double vx = kMeanMotion * (ct * dx - st * dy) + kEarthRate * ry;
  double vy = kMeanMotion * (st * dx + ct * dy) - kEarthRate * rx;
  double vz = kMeanMotion * dz;
  const double vn = std::sqrt(vx * vx + vy * vy + vz * vz);
  vx /= vn;
  vy /= vn;
  vz /= vn;
  // Left of travel = up x forward (both unit and orthogonal, so no renormalising).
  const double lx = ry * vz - rz * vy, ly = rz * vx - rx * vz, lz = rx * vy - ry * vx;
  for (int i = 0; i < n; ++i) {
    const double a = offsets_m[i] / kEarthRadiusM;
    const double ca = std::cos(a), sa = std::sin(a);
    const double x = ca * rx + sa * lx, y = ca * ry + sa * ly, z = ca * rz + sa * lz;
    out[i].lat_deg = std::asin(std::clamp(z, -1.0, 1.0)) / kDeg;
    out[i].lon_deg = std::atan2(y, x) / kDeg;
  }
}

LatLon GroundTrack::locate(double u, double offset_m) const {
  LatLon p;
  locate(u, &offset_m, 1, &p);
  return p;
}

double distance_m(LatLon a, LatLon b) {
  const double p1 = a.lat_deg * kDeg, p2 = b.lat_deg * kDeg;
  const double dp = p2 - p1, dl = (b.lon_deg - a.lon_deg) * kDeg;
  const double h = std::sin(dp / 2) * std::sin(dp / 2) +
                   std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2.0 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

std::string utc_ccsds(double delta_time) {
  const Civil c = civil_from_micro(static_cast<std::int64_t>(std::llround(delta_time * 1e6)));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", c.year, c.month, c.day,
                c.hour, c.minute, c.second, static_cast<long long>(c.micro));
  return buf;
}

std::string utc_compact(double delta_time) {
  const auto whole = static_cast<std::int64_t>(std::floor(delta_time));
  const Civil c = civil_from_micro(whole * 1000000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

}  // namespace healgrid::orbit
