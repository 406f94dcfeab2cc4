#include "healgrid/grid/healpix_grid.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

#include "healgrid/grid/latitude.hpp"

namespace healgrid {
namespace {

struct Known {
  double lat, lon;
  std::int64_t order0, order6, order12, order29;
};

// healpy.ang2pix(2**order, pi/2 - radians(lat), radians(lon), nest=True), healpy 1.16.
const Known kKnown[] = {
    {0, 0, 4, 19456, 79691776, 1369094286720630784},
    {90, 0, 0, 4095, 16777215, 288230376151711743},
    {-90, 0, 8, 32768, 134217728, 2305843009213693952},
    {45, 45, 0, 3084, 12632064, 217017208117448652},
    {-72.5, -120.25, 10, 41173, 168645905, 2897314598849354695},
    {70.1, -50.3, 3, 16160, 66192671, 1137181430986342877},
    {0, 180, 6, 26282, 107653802, 1849478246973483690},
    {0, -180, 6, 26282, 107653802, 1849478246973483690},
    {-85.3, 179.999, 9, 36884, 151077189, 2595486345050551915},
    {60, 359.0, 3, 14207, 58195589, 999792606524183340},
    // Either side of the 89-degree switch between the z path and the polar angle path.
    {89.5, 10.0, 0, 4095, 16776139, 288211874044088778},
    {-89.9, -170.0, 10, 40960, 167772202, 2882304499563924413},
    {88.99, 45.0, 0, 4095, 16773903, 288173475401826111},
};

TEST(HealpixGrid, MatchesHealpyOnTheSphere) {
  for (const auto& k : kKnown) {
    EXPECT_EQ(HealpixGrid(0, 0, LatitudeConvention::geodetic).cell(k.lat, k.lon), k.order0);
    EXPECT_EQ(HealpixGrid(0, 6, LatitudeConvention::geodetic).cell(k.lat, k.lon), k.order6);
    EXPECT_EQ(HealpixGrid(6, 12, LatitudeConvention::geodetic).cell(k.lat, k.lon), k.order12);
    EXPECT_EQ(HealpixGrid(20, 29, LatitudeConvention::geodetic).cell(k.lat, k.lon), k.order29)
        << k.lat << " " << k.lon;
  }
}

// Beyond +-89 degrees the grid takes its polar branch. Known answers: the authalic latitude by
// numpy (beta = asin(q(phi) / q(90)), WGS84 e^2 = 0.00669437999014, Snyder eq. 3-11/3-12) then
// healpy.ang2pix(2**order, pi/2 - radians(beta), radians(lon), nest=True), healpy 1.16.
// `differs`: binning the geodetic latitude itself gives another order-12 cell (about 1 point in
// 5 this close to the poles), so these rows fail if the polar branch skips the conversion.
struct PolarKnown {
  double lat, lon;
  std::int64_t order12, order29;
  bool differs;
};
const PolarKnown kPolar[] = {
    {89.053877, -82.476137, 67104647, 1152849061787495282, true},
    {89.382986, 60.101358, 16774875, 288190174539287295, true},
    {89.651717, -124.09473, 50331056, 864680970761820789, true},
    {89.434513, -155.328886, 50330445, 864670469039253150, true},
    {89.392012, -47.320074, 67107885, 1152904700288517111, true},
    {89.555041, 6.969157, 16776165, 288212337192942268, true},
    {89.9999, 33.3, 16777215, 288230376151262819, false},
    {89.0001, -100.5, 50323225, 864546429352619575, false},
    {-89.691414, -120.059662, 167772550, 2882310461868872827, true},
    {-89.172516, -151.93844, 167775004, 2882352625838936706, true},
    {-89.035099, 30.590122, 134220752, 2305894966587942163, true},
    {-89.182496, -19.60796, 184550890, 3170560157505535955, true},
    {-89.436066, -1.055186, 184550657, 3170556153815358356, true},
    {-89.174148, 0.517989, 134226048, 2305985947767284279, true},
    {-89.9999, 33.3, 134217728, 2305843009214342764, false},
    {-89.0001, -100.5, 167776473, 2882377865027248836, false},
};

TEST(HealpixGrid, AuthalicBinningBeyond89DegreesMatchesHealpy) {
  const HealpixGrid authalic12(6, 12, LatitudeConvention::authalic);
  const HealpixGrid authalic29(20, 29, LatitudeConvention::authalic);
  const HealpixGrid sphere12(6, 12, LatitudeConvention::geodetic);
  for (const auto& k : kPolar) {
    EXPECT_EQ(authalic12.cell(k.lat, k.lon), k.order12) << k.lat << " " << k.lon;
    EXPECT_EQ(authalic29.cell(k.lat, k.lon), k.order29) << k.lat << " " << k.lon;
    // The table itself is meaningful: these rows are where the conversion changes the cell.
    EXPECT_EQ(sphere12.cell(k.lat, k.lon) != k.order12, k.differs) << k.lat << " " << k.lon;
  }
}

TEST(HealpixGrid, AuthalicBinsTheAuthalicLatitude) {
  const HealpixGrid authalic(6, 12, LatitudeConvention::authalic);
  const HealpixGrid sphere(6, 12, LatitudeConvention::geodetic);
  for (double lat : {-89.0, -70.0, -45.0, 0.0, 30.0, 71.5}) {
    EXPECT_EQ(authalic.cell(lat, 12.5), sphere.cell(geodetic_to_authalic_deg(lat), 12.5));
  }
  // At 45 degrees the two latitudes differ by ~0.128 degrees (~14 km): other cells.
  EXPECT_NE(authalic.cell(45.0, 10.0), sphere.cell(45.0, 10.0));
  // At the equator and the poles they agree.
  EXPECT_EQ(authalic.cell(0.0, 10.0), sphere.cell(0.0, 10.0));
  EXPECT_EQ(authalic.cell(-90.0, 0.0), sphere.cell(-90.0, 0.0));
}

// The batch path gives healpy's known answers too, on both sides of the 89-degree switch.
TEST(HealpixGrid, CellsGiveTheKnownAnswers) {
  for (const auto convention : {LatitudeConvention::geodetic, LatitudeConvention::authalic}) {
    std::vector<double> lat, lon;
    for (const auto& k : kKnown) lat.push_back(k.lat), lon.push_back(k.lon);
    for (const auto& k : kPolar) lat.push_back(k.lat), lon.push_back(k.lon);
    const std::vector<std::uint8_t> use(lat.size(), 1);
    std::vector<std::int64_t> out(lat.size(), -7);
    const HealpixGrid grid(6, 12, convention);
    grid.cells(lat.data(), lon.data(), use.data(), lat.size(), out.data());
    if (convention == LatitudeConvention::geodetic) {
      for (std::size_t i = 0; i < std::size(kKnown); ++i) EXPECT_EQ(out[i], kKnown[i].order12);
    } else {
      for (std::size_t i = 0; i < std::size(kPolar); ++i)
        EXPECT_EQ(out[std::size(kKnown) + i], kPolar[i].order12) << kPolar[i].lat;
    }
  }
}

// cells() is cell() point by point, bit for bit, over several tiles (a length that is no
// multiple of the tile), every latitude band, the poles, the antimeridian and any longitude;
// unused points get -1 and empty input writes nothing.
TEST(HealpixGrid, CellsAreCellPointByPoint) {
  std::vector<double> lat, lon;
  for (int i = 0; i < 1001; ++i) {
    lat.push_back(-90.0 + 180.0 * std::fmod(i * 0.7548776662466927, 1.0));
    lon.push_back(-540.0 + 1080.0 * std::fmod(i * 0.5698402909980532, 1.0));
  }
  for (const double pole : {90.0, -90.0, 89.0, -89.0, 89.0000001, -88.9999999})
    lat.push_back(pole), lon.push_back(180.0);
  std::vector<std::uint8_t> use(lat.size(), 1);
  for (std::size_t i = 0; i < use.size(); i += 7) use[i] = 0;
  // Any nonzero byte means used (the poles and every 5th point: 2).
  for (std::size_t i = 3; i < use.size(); i += 5) use[i] = use[i] ? 2 : 0;
  for (std::size_t i = use.size() - 6; i < use.size(); ++i) use[i] = 2;
  for (const auto convention : {LatitudeConvention::geodetic, LatitudeConvention::authalic})
    for (const auto& [parent, child] : {std::pair{0, 0}, {6, 12}, {8, 18}, {20, 29}}) {
      const HealpixGrid grid(parent, child, convention);
      std::vector<std::int64_t> out(lat.size(), -7);
      grid.cells(lat.data(), lon.data(), use.data(), lat.size(), out.data());
      for (std::size_t i = 0; i < lat.size(); ++i)
        EXPECT_EQ(out[i], use[i] ? grid.cell(lat[i], lon[i]) : -1)
            << lat[i] << " " << lon[i] << " order " << child;
      std::int64_t untouched = -7;
      grid.cells(lat.data(), lon.data(), use.data(), 0, &untouched);
      EXPECT_EQ(untouched, -7);
    }
}

// cells() takes the exact way for exactly the points near an edge: points on edge lines of
// the equatorial belt (built from their z) and on the ring boundary go by cell(), random ones
// almost never; the cells are cell()'s either way.
TEST(HealpixGrid, CellsLeaveEdgePointsToTheExactWay) {
  const double kPi = 3.14159265358979323846;
  for (const auto& [parent, child] : {std::pair{6, 12}, {10, 20}}) {
    const HealpixGrid grid(parent, child, LatitudeConvention::geodetic);
    const double ns = std::ldexp(1.0, child);
    std::vector<double> edge_lat, edge_lon, lat, lon;
    for (int i = 0; i < 500; ++i) {
      const double tt = 0.1 + 3.8 * std::fmod(i * 0.6180339887498949, 1.0);
      const double t1 = ns * (0.5 + tt), j = std::round(t1 - 0.75 * ns * (0.6 - 0.0024 * i));
      edge_lat.push_back(std::asin((t1 - j) / (0.75 * ns)) * 180 / kPi);
      edge_lon.push_back(tt * 90 - (tt > 2 ? 360 : 0));
      lat.push_back(-85.0 + 170.0 * std::fmod(i * 0.7548776662466927, 1.0));
      lon.push_back(-180.0 + 360.0 * std::fmod(i * 0.5698402909980532, 1.0));
    }
    edge_lat.push_back(std::asin(2.0 / 3) * 180 / kPi), edge_lon.push_back(10.0);
    const std::vector<std::uint8_t> use(edge_lat.size(), 1);
    std::vector<std::int64_t> out(edge_lat.size());
    EXPECT_EQ(grid.cells(edge_lat.data(), edge_lon.data(), use.data(), out.size(), out.data()),
              out.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      EXPECT_EQ(out[i], grid.cell(edge_lat[i], edge_lon[i])) << edge_lat[i] << " " << edge_lon[i];
    EXPECT_LE(grid.cells(lat.data(), lon.data(), use.data(), lat.size(), out.data()), 1u);
    for (std::size_t i = 0; i < lat.size(); ++i)
      EXPECT_EQ(out[i], grid.cell(lat[i], lon[i])) << lat[i] << " " << lon[i];
  }
}

TEST(HealpixGrid, ParentIsTheNestedPrefix) {
  const HealpixGrid grid(6, 12, LatitudeConvention::authalic);
  const HealpixGrid parents(6, 6, LatitudeConvention::authalic);
  for (double lat = -89.5; lat < 90; lat += 7.3)
    for (double lon = -180; lon < 180; lon += 11.1) {
      const auto cell = grid.cell(lat, lon);
      EXPECT_EQ(grid.parent_of(cell), parents.cell(lat, lon));
      EXPECT_GE(cell, grid.first_child(grid.parent_of(cell)));
      EXPECT_LT(cell, grid.first_child(grid.parent_of(cell)) + grid.children_per_parent());
    }
  EXPECT_EQ(grid.children_per_parent(), 4096);
  EXPECT_EQ(grid.parent_cell_count(), 12 * 4096);
}

TEST(HealpixGrid, LongitudeWrapsAndAntimeridianIsContinuous) {
  const HealpixGrid grid(6, 12, LatitudeConvention::authalic);
  for (double lat : {-75.0, -10.0, 0.0, 33.0, 80.0}) {
    EXPECT_EQ(grid.cell(lat, 180.0), grid.cell(lat, -180.0));
    EXPECT_EQ(grid.cell(lat, 0.0), grid.cell(lat, 360.0));
    EXPECT_EQ(grid.cell(lat, -45.0), grid.cell(lat, 315.0));
    EXPECT_EQ(grid.cell(lat, 10.0), grid.cell(lat, 730.0));
  }
}

TEST(HealpixGrid, PolesAreCornersOfTheirBasePixels) {
  // Order 12: the north pole is the last cell of base pixel 0..3's corner: 4^12 - 1 in pixel 0.
  const HealpixGrid grid(0, 12, LatitudeConvention::authalic);
  EXPECT_EQ(grid.cell(90.0, 0.0), 16777215);
  EXPECT_EQ(grid.cell(-90.0, 0.0), 8 * 16777216);
}

TEST(HealpixGrid, RejectsBadOrders) {
  EXPECT_THROW(HealpixGrid(6, 5, LatitudeConvention::authalic), std::invalid_argument);
  EXPECT_THROW(HealpixGrid(-1, 5, LatitudeConvention::authalic), std::invalid_argument);
  EXPECT_THROW(HealpixGrid(6, 30, LatitudeConvention::authalic), std::invalid_argument);
  EXPECT_NO_THROW(HealpixGrid(29, 29, LatitudeConvention::authalic));
}

TEST(HealpixGrid, CellSize) {
  // Order 12 cells on the authalic sphere: sqrt(510065622 km^2 / (12 * 4^12)) = 1.5917 km.
  EXPECT_NEAR(HealpixGrid(6, 12, LatitudeConvention::authalic).child_cell_size_km(), 1.5917, 1e-3);
}

}  // namespace
}  // namespace healgrid
