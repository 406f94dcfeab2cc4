#include "healgrid/catalog/footprint.hpp"

#include <healpix_base.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "healgrid/grid/latitude.hpp"

namespace healgrid {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
// Area cells are found by testing every cell centre: above this order they are found at it and
// expanded to children (a superset, still inclusive).
constexpr int kMaxCentreTestOrder = 8;
// Box footprints: pieces at most this wide (each well within a hemisphere, as the ear clipping
// needs), their edges cut into great-circle steps of at most this many degrees.
constexpr double kBoxPiece = 60;
constexpr double kBoxStep = 1;
// GeoJSON footprints' lon/lat reading: edges cut into great-circle steps of at most this many
// degrees of longitude (each rises at most ~30 m above the straight lon/lat line).
constexpr double kGeoJsonStep = 0.5;

T_Healpix_Base<std::int64_t> nested_base(int order) {
  T_Healpix_Base<std::int64_t> base;
  base.Set(order, NEST);
  return base;
}

double to_sphere_lat(double lat, LatitudeConvention convention) {
  lat = std::clamp(lat, -90.0, 90.0);
  return convention == LatitudeConvention::authalic ? geodetic_to_authalic_deg(lat) : lat;
}

vec3 to_vec(const LonLat& p, LatitudeConvention convention) {
  return pointing(kPi / 2 - to_sphere_lat(p.lat, convention) * kDeg, p.lon * kDeg).to_vec3();
}

double det(const vec3& a, const vec3& b, const vec3& c) { return dotprod(a, crossprod(b, c)); }

// The ring as unit vectors, closing vertex and repeated vertices dropped.
std::vector<vec3> ring_vectors(const Ring& ring, LatitudeConvention convention) {
  std::vector<vec3> v;
  for (const auto& p : ring) {
    const vec3 x = to_vec(p, convention);
    if (v.empty() || (x - v.back()).SquaredLength() > 1e-24) v.push_back(x);
  }
  while (v.size() > 1 && (v.front() - v.back()).SquaredLength() <= 1e-24) v.pop_back();
  return v;
}

// Ear clipping on the sphere (counter-clockwise seen from outside): triangles are convex, as
// query_polygon_inclusive requires. Footprints are far smaller than a hemisphere.
std::vector<std::vector<vec3>> triangulate(std::vector<vec3> v) {
  vec3 centre(0, 0, 0);
  for (const auto& x : v) centre += x;
  centre.Normalize();
  double signed_area = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    signed_area += det(centre, v[i], v[(i + 1) % v.size()]);
  if (signed_area < 0) std::reverse(v.begin(), v.end());
  std::vector<std::vector<vec3>> triangles;
  while (v.size() > 3) {
    const std::size_t n = v.size();
    std::size_t best = n, most_convex = 0;
    double most = -1e300;
    for (std::size_t i = 0; i < n && best == n; ++i) {
      const vec3 &a = v[(i + n - 1) % n], &b = v[i], &c = v[(i + 1) % n];
      const double turn = det(a, b, c);
      if (turn > most) most = turn, most_convex = i;
      if (turn <= 0) continue;
      bool empty = true;
      for (std::size_t j = 0; j < n && empty; ++j) {
        if (j == i || j == (i + 1) % n || j == (i + n - 1) % n) continue;
        empty = !(det(a, b, v[j]) >= 0 && det(b, c, v[j]) >= 0 && det(c, a, v[j]) >= 0);
      }
      if (empty) best = i;
    }
    if (best == n) best = most_convex;  // degenerate ring: clip the least bad corner
    triangles.push_back({v[(best + n - 1) % n], v[best], v[(best + 1) % n]});
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(best));
  }
  if (v.size() == 3) triangles.push_back(v);
  return triangles;
}

// Cells of the points sampled along a to b (great circle) every `step` radians, with their
// neighbours: the fallback for triangles too thin for healpix_cxx.
void add_edge_cells(const T_Healpix_Base<std::int64_t>& base, const vec3& a, const vec3& b,
                    double step, std::vector<std::int64_t>& out) {
  const double angle = std::acos(std::clamp(dotprod(a, b), -1.0, 1.0));
  const int n = std::max(1, static_cast<int>(std::ceil(angle / step)));
  for (int k = 0; k <= n; ++k) {
    const double t = static_cast<double>(k) / n;
    vec3 p = a * (1 - t) + b * t;
    if (p.SquaredLength() < 1e-30) continue;
    p.Normalize();
    const auto cell = base.vec2pix(p);
    out.push_back(cell);
    fix_arr<std::int64_t, 8> around;
    base.neighbors(cell, around);
    for (int j = 0; j < 8; ++j)
      if (around[j] >= 0) out.push_back(around[j]);
  }
}

// Whether healpix_cxx's query_polygon would refuse the triangle as a "degenerate corner" (a
// corner within 1e-10 of the plane of the other two and the centre), with a margin: it prints
// its error to stderr before throwing.
bool degenerate_triangle(const std::vector<vec3>& tri) {
  for (std::size_t i = 0; i < 3; ++i) {
    const vec3 normal = crossprod(tri[i], tri[(i + 1) % 3]);
    const double length = normal.Length();
    if (!(length > 1e-12)) return true;
    if (!(std::abs(dotprod(normal, tri[(i + 2) % 3])) / length > 1e-8)) return true;
  }
  return false;
}

double cell_step_radians(int order) {
  return std::sqrt(4 * kPi / (12.0 * std::pow(4.0, order))) / 4;
}

std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool inside_planar(const Ring& ring, double lon, double lat) {
  bool inside = false;
  for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const auto &a = ring[i], &b = ring[j];
    if ((a.lat > lat) != (b.lat > lat) &&
        lon < (b.lon - a.lon) * (lat - a.lat) / (b.lat - a.lat) + a.lon)
      inside = !inside;
  }
  return inside;
}

}  // namespace

std::vector<std::int64_t> footprint_cells(const std::vector<Ring>& rings, int order,
                                          LatitudeConvention convention) {
  const auto base = nested_base(order);
  std::vector<std::int64_t> cells;
  for (const auto& ring : rings) {
    const auto v = ring_vectors(ring, convention);
    if (v.empty()) continue;
    if (v.size() < 3) {  // a point or a line: its cells and their neighbours
      add_edge_cells(base, v.front(), v.back(), cell_step_radians(order), cells);
      continue;
    }
    for (const auto& tri : triangulate(v)) {
      if (degenerate_triangle(tri)) {  // healpix_cxx would print its error to stderr
        for (int k = 0; k < 3; ++k)
          add_edge_cells(base, tri[k], tri[(k + 1) % 3], cell_step_radians(order), cells);
        continue;
      }
      std::vector<pointing> corners(tri.begin(), tri.end());
      try {
        rangeset<std::int64_t> found;
        base.query_polygon_inclusive(corners, found, 4);
        for (const auto c : found.toVector()) cells.push_back(c);
      } catch (const PlanckError&) {  // degenerate (collinear) corner
        for (int k = 0; k < 3; ++k)
          add_edge_cells(base, tri[k], tri[(k + 1) % 3], cell_step_radians(order), cells);
      }
    }
  }
  return sorted_unique(std::move(cells));
}

namespace {

// The ring with each edge that spans more than 180 and less than 360 degrees of longitude
// taken the short way round (170 -> -170 becomes 170 -> 190); whole-width edges (-180 -> 180,
// along a pole) stay.
Ring short_way_round(const Ring& ring) {
  Ring out;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    if (i == 0) {
      out.push_back(ring[0]);
      continue;
    }
    double step = ring[i].lon - ring[i - 1].lon;
    if (step > 180 && step < 360) step -= 360;
    if (step < -180 && step > -360) step += 360;
    out.push_back({out.back().lon + step, ring[i].lat});
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> area_cells(const std::vector<Ring>& given, int order,
                                     LatitudeConvention convention, AreaEdges edges) {
  if (edges == AreaEdges::polygon) {
    std::vector<Ring> rings;
    for (const auto& ring : given) rings.push_back(short_way_round(ring));
    return union_cells(area_cells(rings, order, convention, AreaEdges::lon_lat),
                       footprint_cells(given, order, convention));
  }
  const auto& rings = given;
  const int test_order = std::min(order, kMaxCentreTestOrder);
  const auto base = nested_base(test_order);
  std::vector<std::int64_t> cells;
  // Cells whose centre is inside (centres converted back to geodetic latitude).
  for (std::int64_t c = 0; c < base.Npix(); ++c) {
    const pointing p = base.pix2ang(c);
    double lat = 90 - p.theta / kDeg;
    if (convention == LatitudeConvention::authalic) lat = authalic_to_geodetic_deg(lat);
    double lon = p.phi / kDeg;
    if (lon > 180) lon -= 360;
    for (const auto& ring : rings) {
      if (inside_planar(ring, lon, lat) || inside_planar(ring, lon + 360, lat) ||
          inside_planar(ring, lon - 360, lat)) {
        cells.push_back(c);
        break;
      }
    }
  }
  // Cells near the boundary, sampled along each lon/lat edge.
  const double step_deg = cell_step_radians(test_order) / kDeg;
  for (const auto& ring : rings) {
    for (std::size_t i = 0; i + 1 < ring.size() || (i + 1 == ring.size() && ring.size() > 2); ++i) {
      const auto& a = ring[i];
      const auto& b = ring[(i + 1) % ring.size()];
      const double span = std::max(std::fabs(b.lon - a.lon), std::fabs(b.lat - a.lat));
      const int n = std::max(1, static_cast<int>(std::ceil(span / step_deg)));
      for (int k = 0; k <= n; ++k) {
        const double t = static_cast<double>(k) / n;
        const LonLat p{a.lon + (b.lon - a.lon) * t, a.lat + (b.lat - a.lat) * t};
        const auto v = to_vec(p, convention);
        add_edge_cells(base, v, v, 1.0, cells);
      }
    }
  }
  return cells_at_order(sorted_unique(std::move(cells)), test_order, order);
}

namespace {

// How far poleward (degrees) the great circle through two points of latitude `lat`, `step`
// degrees of longitude apart, rises above their parallel at its middle.
double arc_rise(double lat, double step) {
  const double a = std::fabs(lat) * kDeg;
  if (a >= kPi / 2) return 0;
  return (std::atan(std::tan(a) / std::cos(step * kDeg / 2)) - a) / kDeg;
}

// One piece of a box, at most kBoxPiece wide: its parallels followed in steps of at most
// kBoxStep, its meridians every kBoxStep too (so no edge is ambiguous), a pole one vertex.
Ring box_piece(double west, double east, double south, double north) {
  const int m = std::max(1, static_cast<int>(std::ceil((east - west) / kBoxStep - 1e-9)));
  const int k = std::max(1, static_cast<int>(std::ceil((north - south) / kBoxStep - 1e-9)));
  const auto lon = [&](int i) { return west + (east - west) * i / m; };
  const auto lat = [&](int j) { return south + (north - south) * j / k; };
  Ring ring;
  if (south <= -90)
    ring.push_back({west, -90});
  else
    for (int i = 0; i <= m; ++i) ring.push_back({lon(i), south});
  for (int j = 1; j < k; ++j) ring.push_back({east, lat(j)});
  if (north >= 90)
    ring.push_back({east, 90});
  else
    for (int i = m; i >= 0; --i) ring.push_back({lon(i), north});
  for (int j = k - 1; j >= 1; --j) ring.push_back({west, lat(j)});
  return ring;
}

}  // namespace

std::vector<Ring> box_footprint(const BoundingBox& box) {
  double width = box.east - box.west;
  if (width < 0) width += 360;  // across the antimeridian
  width = std::min(width, 360.0);
  const double south = std::clamp(std::min(box.south, box.north), -90.0, 90.0);
  const double north = std::clamp(std::max(box.south, box.north), -90.0, 90.0);
  if (width == 0) return {Ring{{box.west, south}, {box.west, north}}};  // a meridian's stretch
  const int pieces = static_cast<int>(std::ceil(width / kBoxPiece - 1e-9));
  const double piece = width / pieces;
  // The great-circle edges between a parallel's vertices rise poleward of it: the parallels
  // are moved outward by that rise (with a margin for the latitude conversion), so the
  // polygons cover the box.
  const double step = piece / std::max(1.0, std::ceil(piece / kBoxStep - 1e-9));
  const double s = std::max(-90.0, south - 1.5 * arc_rise(south, step) - 1e-9);
  const double n = std::min(90.0, north + 1.5 * arc_rise(north, step) + 1e-9);
  std::vector<Ring> out;
  for (int p = 0; p < pieces; ++p)
    out.push_back(box_piece(box.west + piece * p, box.west + piece * (p + 1), s, n));
  return out;
}

namespace {

// The ring's lon/lat reading (edges straight in lon/lat) in short great-circle steps; edges
// spanning more than 180 degrees of longitude taken as given (`wrap` false) or the short way.
Ring straight_ring(const Ring& ring, bool wrap) {
  Ring out;
  double lon = ring.empty() ? 0 : ring.front().lon;  // unwrapped along the ring
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const auto& a = ring[i];
    const auto& b = ring[(i + 1) % ring.size()];
    double step = b.lon - a.lon;
    if (wrap && step > 180) step -= 360;
    if (wrap && step < -180) step += 360;
    const int n = std::max(1, static_cast<int>(std::ceil(std::fabs(step) / kGeoJsonStep - 1e-9)));
    for (int k = 0; k < n; ++k)
      out.push_back({lon + step * k / n, a.lat + (b.lat - a.lat) * k / n});
    lon += step;
  }
  return out;
}

}  // namespace

std::vector<Ring> geojson_footprint(const std::vector<Ring>& rings,
                                    const std::optional<BoundingBox>& bbox) {
  std::vector<Ring> out = rings;
  for (const auto& ring : rings) {
    bool long_edge = false, half_way = false;
    for (std::size_t i = 0; i < ring.size(); ++i) {
      const double span = std::fabs(ring[(i + 1) % ring.size()].lon - ring[i].lon);
      long_edge |= span > kGeoJsonStep;
      half_way |= span > 180;
    }
    if (!long_edge) continue;
    // An edge over half the globe: the item's bbox says which way (west > east or at most
    // 180 wide: the short way, across the antimeridian); without one, both ways.
    double width = bbox ? bbox->east - bbox->west : 0;
    if (width < 0) width += 360;
    const bool short_way = bbox && width <= 180, long_way = !bbox || width > 180;
    if (!half_way || long_way) out.push_back(straight_ring(ring, false));
    if (half_way && short_way) out.push_back(straight_ring(ring, true));
  }
  return out;
}

Ring bbox_ring(const BoundingBox& box) {
  const double east = box.east < box.west ? box.east + 360 : box.east;
  return {{box.west, box.south}, {east, box.south}, {east, box.north}, {box.west, box.north}};
}

Ring counter_clockwise(const Ring& ring) {
  // Shoelace on unwrapped longitudes: each step takes the short way round (|dlon| <= 180).
  double twice_area = 0, lon = ring.empty() ? 0 : ring[0].lon;
  for (std::size_t i = 0; i + 1 <= ring.size(); ++i) {
    const auto& a = ring[i];
    const auto& b = ring[(i + 1) % ring.size()];
    double step = b.lon - a.lon;
    if (step > 180) step -= 360;
    if (step < -180) step += 360;
    twice_area += lon * b.lat - (lon + step) * a.lat;
    lon += step;
  }
  if (twice_area >= 0) return ring;
  return Ring(ring.rbegin(), ring.rend());
}

Ring parse_cmr_polygon_string(const std::string& text) {
  std::istringstream in(text);
  std::vector<double> numbers;
  for (double x; in >> x;) numbers.push_back(x);
  if (!in.eof() || numbers.size() % 2 != 0 || numbers.size() < 6)
    throw std::invalid_argument("CMR polygon \"" + text.substr(0, 60) +
                                "\": expected pairs of numbers \"lat lon lat lon ...\"");
  Ring ring;
  for (std::size_t i = 0; i < numbers.size(); i += 2) {
    if (std::fabs(numbers[i]) > 90)
      throw std::invalid_argument("CMR polygon: latitude " + std::to_string(numbers[i]) +
                                  " out of range");
    ring.push_back({numbers[i + 1], numbers[i]});
  }
  return ring;
}

std::vector<std::int64_t> intersect_cells(const std::vector<std::int64_t>& a,
                                          const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<std::int64_t> union_cells(const std::vector<std::int64_t>& a,
                                      const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<std::int64_t> cells_at_order(const std::vector<std::int64_t>& cells, int from_order,
                                         int to_order) {
  std::vector<std::int64_t> out;
  if (to_order >= from_order) {
    const int shift = 2 * (to_order - from_order);
    for (const auto c : cells)
      for (std::int64_t k = 0; k < (std::int64_t{1} << shift); ++k) out.push_back((c << shift) + k);
    return out;
  }
  for (const auto c : cells) out.push_back(c >> (2 * (from_order - to_order)));
  return sorted_unique(std::move(out));
}

}  // namespace healgrid
