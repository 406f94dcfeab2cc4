// The names of healgrid's output file, in one place: dimensions, variables, attributes and the
// fixed attribute values. The writer (write/netcdf_writer), the readers (render/healgrid_output,
// render/output_summary), `view` and the tests use these, never their own literals. The Python
// tests read the same names from tests/reference/output_schema.py, which the unit test
// OutputSchema.PythonMirrorMatches keeps equal to this header (every `k...` constant below has
// a Python twin: kCellIds <-> CELL_IDS). docs/conventions.md says why each attribute sits where.
#pragma once

#include <string>
#include <vector>

namespace healgrid::schema {

// Dimensions.
inline constexpr char kCellDim[] = "cell_ids";
inline constexpr char kGranuleDim[] = "granules";
inline constexpr char kNameStrlenDim[] = "name_strlen";
inline constexpr char kStatusStrlenDim[] = "status_strlen";

// Coordinates: `cell_ids(cell_ids)` carries the xdggs attributes only; `healpix_index(cell_ids)`
// holds the same ids with the CF standard name; `crs` is the CF grid mapping (scalar).
inline constexpr char kCellIds[] = "cell_ids";
inline constexpr char kHealpixIndex[] = "healpix_index";
inline constexpr char kCrs[] = "crs";

// Provenance variables on the granules dimension.
inline constexpr char kGranuleName[] = "granule_name";
inline constexpr char kGranuleBytes[] = "granule_bytes";
inline constexpr char kGranulePointsUsed[] = "granule_points_used";
inline constexpr char kGranuleStatus[] = "granule_status";
// Statistic names may not take the names of the variables above nor start with this prefix.
inline constexpr char kGranulePrefix[] = "granule_";

// xdggs attributes of cell_ids (exactly these: xdggs' default decoder refuses any other).
inline constexpr char kGridName[] = "grid_name";
inline constexpr char kLevel[] = "level";
inline constexpr char kIndexingScheme[] = "indexing_scheme";
inline constexpr char kEllipsoid[] = "ellipsoid";

// CF-1.13 Appendix F "HEALPix" grid mapping attributes of crs (exactly these).
inline constexpr char kGridMappingName[] = "grid_mapping_name";
inline constexpr char kRefinementLevel[] = "refinement_level";
inline constexpr char kSemiMajorAxis[] = "semi_major_axis";
inline constexpr char kInverseFlattening[] = "inverse_flattening";

// Values of the grid attributes.
inline constexpr char kHealpix[] = "healpix";
inline constexpr char kNested[] = "nested";
inline constexpr char kWgs84[] = "WGS84";
inline constexpr double kWgs84SemiMajorAxis = 6378137.0;
inline constexpr double kWgs84InverseFlattening = 298.257223563;

// CF variable attributes.
inline constexpr char kStandardName[] = "standard_name";
inline constexpr char kHealpixIndexStandardName[] = "healpix_index";
inline constexpr char kLongName[] = "long_name";
inline constexpr char kUnits[] = "units";
inline constexpr char kFillValue[] = "_FillValue";
inline constexpr char kGridMapping[] = "grid_mapping";
inline constexpr char kCoordinates[] = "coordinates";
inline constexpr char kCellMethods[] = "cell_methods";
inline constexpr char kQuantile[] = "quantile";
inline constexpr char kSourceVariable[] = "healgrid_source_variable";
inline constexpr char kSigmaVariable[] = "healgrid_sigma_variable";
inline constexpr char kWeight[] = "healgrid_weight";
// The statistic's function as the config names it ("count", "min", "weighted_mean", ...).
inline constexpr char kStatistic[] = "healgrid_statistic";
// The provenance's character arrays hold UTF-8 text (netCDF's convention for NC_CHAR, which
// xarray and netCDF4-python decode to strings); left out when a file name is not UTF-8.
inline constexpr char kEncoding[] = "_Encoding";
inline constexpr char kUtf8[] = "utf-8";

// Global attributes.
inline constexpr char kConventions[] = "Conventions";
inline constexpr char kConventionsValue[] = "CF-1.13";
inline constexpr char kTitle[] = "title";
inline constexpr char kSource[] = "source";
inline constexpr char kHistory[] = "history";
inline constexpr char kDateCreated[] = "date_created";
inline constexpr char kHealgridVersion[] = "healgrid_version";
// SHA-256 of the file's groups, variables and global attribute names as healgrid wrote them
// (io/output_owner.hpp): a file whose contents another tool changed is not replaced.
inline constexpr char kContentsSha256[] = "healgrid_contents_sha256";
// The source commit of the build (`git describe --always --dirty`; "unknown" without git).
inline constexpr char kHealgridCommit[] = "healgrid_commit";
inline constexpr char kParentOrder[] = "parent_order";
inline constexpr char kChildOrder[] = "child_order";
inline constexpr char kLatitudeConvention[] = "latitude_convention";
inline constexpr char kHealgridConfig[] = "healgrid_config";
inline constexpr char kHealgridOverrides[] = "healgrid_overrides";
inline constexpr char kGranuleCount[] = "granule_count";
inline constexpr char kGranulesUsed[] = "granules_used";
inline constexpr char kGranulesSkipped[] = "granules_skipped";
inline constexpr char kPointsUsed[] = "points_used";
inline constexpr char kParentCells[] = "parent_cells";
inline constexpr char kInputsSha256[] = "healgrid_inputs_sha256";
inline constexpr char kCatalog[] = "healgrid_catalog";
inline constexpr char kCatalogSha256[] = "healgrid_catalog_sha256";
inline constexpr char kCatalogCells[] = "healgrid_catalog_cells";
// How the catalog's granules were checked: "N of M granules verified against the catalog's
// checksums" or "not verified (--catalog-checksums skip): size only".
inline constexpr char kCatalogChecksums[] = "healgrid_catalog_checksums";
// Which cells the file stores: kDense (every child of each parent cell with data) or kSparse
// (only cells with data); write/cell_layout.hpp. Files without it are dense.
inline constexpr char kLayout[] = "healgrid_layout";
inline constexpr char kDense[] = "dense";
inline constexpr char kSparse[] = "sparse";

// Values of latitude_convention.
inline constexpr char kAuthalic[] = "authalic";
inline constexpr char kGeodetic[] = "geodetic";

// Overview levels (write/overview_writer.hpp): group `overviews/order_NN` (two digits) per
// coarser order, each with its own cell_ids, healpix_index, crs and statistics; the group's
// attribute healgrid_overview_method says how its values were computed.
inline constexpr char kOverviewsGroup[] = "overviews";
inline constexpr char kOverviewOrderPrefix[] = "order_";
inline constexpr char kOverviewMethod[] = "healgrid_overview_method";

// Suffixes of the files beside OUT: the incomplete output, renamed to OUT when complete.
inline constexpr char kPartialSuffix[] = ".partial";

// Time windows (config time_windows; write/time_axis): the leading dimension of every
// statistic, its CF coordinate (each window's start) with bounds, and the points per window.
inline constexpr char kTimeDim[] = "time";
inline constexpr char kBoundsDim[] = "nv";
inline constexpr char kTime[] = "time";
inline constexpr char kTimeBounds[] = "time_bnds";
inline constexpr char kTimePointsUsed[] = "time_points_used";
inline constexpr char kTimeUnits[] = "seconds since 1970-01-01T00:00:00Z";
inline constexpr char kCalendar[] = "calendar";
inline constexpr char kStandardCalendar[] = "standard";
// Windows are computed in the proleptic Gregorian calendar, which "standard" is only from
// 1582-10-15 (-12219292800 s since 1970): windows starting before it say so.
inline constexpr char kProlepticGregorianCalendar[] = "proleptic_gregorian";
inline constexpr double kGregorianStartSeconds = -12219292800.0;
inline constexpr char kTimeStandardName[] = "time";
inline constexpr char kBounds[] = "bounds";
inline constexpr char kAxis[] = "axis";
inline constexpr char kTimeWindows[] = "healgrid_time_windows";
// A run restricted to a time range (config `time`, run --start/--end): its bounds, ISO 8601
// UTC (ACDD's names; the end is exclusive, as the range's); a side left open is not written.
inline constexpr char kTimeCoverageStart[] = "time_coverage_start";
inline constexpr char kTimeCoverageEnd[] = "time_coverage_end";

// Whether a variable of these dimensions, named `name`, is a statistic: one value per cell
// (cell_ids), or per window and cell (time, cell_ids); the cell ids and their auxiliary
// coordinate are not.
inline bool is_statistic(const std::string& name, const std::vector<std::string>& dims) {
  if (name == kCellIds || name == kHealpixIndex) return false;
  return dims == std::vector<std::string>{kCellDim} ||
         dims == std::vector<std::string>{kTimeDim, kCellDim};
}

}  // namespace healgrid::schema
