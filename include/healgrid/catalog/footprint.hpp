// Granule footprints and query areas -> the HEALPix (nested) cells they touch at one order.
// Footprints (CMR / STAC granule polygons) are spherical polygons with great-circle edges; the
// cells are found with healpix_cxx's query_polygon_inclusive on an ear-clipped triangulation
// (the query needs convex polygons), so a cell that overlaps the footprint is never missed (a
// few neighbours may be added). Query areas (a bbox or a GeoJSON polygon) are lon/lat polygons
// (GeoJSON semantics: straight edges in lon/lat, a bbox with west > east crosses the
// antimeridian, a ring down to +-90 holds the pole); their cells are those whose centre lies
// inside plus every cell near the densely sampled boundary. Vertex latitudes are converted with
// the grid's latitude convention first, so cells match how points are binned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {

struct LonLat {
  double lon = 0;
  double lat = 0;
};
using Ring = std::vector<LonLat>;  // open or closed (last == first); holes are not kept

struct BoundingBox {
  double west = -180, south = -90, east = 180, north = 90;  // degrees; west > east: crosses 180
};

// Sorted unique parent cells touched by any of the rings (each a spherical polygon).
std::vector<std::int64_t> footprint_cells(const std::vector<Ring>& rings, int order,
                                          LatitudeConvention convention);

// How a query area's edges are read. lon_lat: straight in lon/lat (a --bbox: CMR's
// bounding_box and STAC's bbox are lon/lat boxes). polygon: a --polygon ring, each edge taken
// the short way round in longitude where it spans more than 180 and less than 360 degrees (as
// CMR and the ring's orientation take it), and its cells are those under the straight edges
// (GeoJSON) and under great-circle ones (CMR searches polygons with great-circle edges), so a
// granule the server returns inside either reading keeps its points.
enum class AreaEdges { lon_lat, polygon };

// Sorted unique cells that overlap the lon/lat area (bbox or polygon rings), inclusive: centres
// inside, and the cells of the densely sampled edges with their 8 neighbours (a cell the edge only
// grazes is never missed; one ring more than the exact set).
std::vector<std::int64_t> area_cells(const std::vector<Ring>& rings, int order,
                                     LatitudeConvention convention,
                                     AreaEdges edges = AreaEdges::lon_lat);
Ring bbox_ring(const BoundingBox& box);
// A granule's lon/lat bounding box (UMM-G BoundingRectangle, CMR box, STAC bbox: edges along
// parallels and meridians, west > east across the antimeridian, west -180 east 180 the whole
// width) as rings for footprint_cells, whose edges are great circles: pieces at most 60
// degrees wide whose parallels are followed in 1-degree steps and moved outward by the steps'
// rise, so they cover the box (a sliver more). A box of zero width is its meridian's stretch.
std::vector<Ring> box_footprint(const BoundingBox& box);
// A STAC item's GeoJSON footprint for footprint_cells. RFC 7946 draws edges straight in
// lon/lat, servers converting CMR polygons mean great circles: every ring is kept (read with
// great-circle edges) and, where an edge spans more than half a degree of longitude, joined
// by its lon/lat reading in half-degree steps, so the cells cover both readings. An edge over
// 180 degrees of longitude (-179 -> 179) is read the way the item's `bbox` says: the long way
// when it is wider than 180 degrees, else the short way across the antimeridian; both
// without a bbox.
std::vector<Ring> geojson_footprint(const std::vector<Ring>& rings,
                                    const std::optional<BoundingBox>& bbox);
// The ring with its vertices counter-clockwise (seen from above, lon east / lat north), as CMR
// and RFC 7946 want outer rings: reversed when its signed lon/lat area is negative. Longitudes
// are unwrapped along the ring first, so a ring across the antimeridian keeps its orientation.
Ring counter_clockwise(const Ring& ring);

// CMR granules.json polygons: "lat lon lat lon ..." (one ring). Throws std::invalid_argument.
Ring parse_cmr_polygon_string(const std::string& text);

// Sorted intersection / union of sorted cell lists, and the cells re-expressed at another order
// (children when finer, parents when coarser: both keep every overlapping cell).
std::vector<std::int64_t> intersect_cells(const std::vector<std::int64_t>& a,
                                          const std::vector<std::int64_t>& b);
std::vector<std::int64_t> union_cells(const std::vector<std::int64_t>& a,
                                      const std::vector<std::int64_t>& b);
std::vector<std::int64_t> cells_at_order(const std::vector<std::int64_t>& cells, int from_order,
                                         int to_order);

}  // namespace healgrid
