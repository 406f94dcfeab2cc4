"""The names of healgrid's output file, for the Python tests: the mirror of
include/healgrid/io/output_schema.hpp (kCellIds <-> CELL_IDS, same order and values). The
unit test OutputSchema.PythonMirrorMatches fails when the two differ: edit both together."""

# Dimensions.
CELL_DIM = "cell_ids"
GRANULE_DIM = "granules"
NAME_STRLEN_DIM = "name_strlen"
STATUS_STRLEN_DIM = "status_strlen"

# Coordinates: cell_ids (xdggs attributes), healpix_index (CF standard name), crs (grid mapping).
CELL_IDS = "cell_ids"
HEALPIX_INDEX = "healpix_index"
CRS = "crs"

# Provenance variables on the granules dimension.
GRANULE_NAME = "granule_name"
GRANULE_BYTES = "granule_bytes"
GRANULE_POINTS_USED = "granule_points_used"
GRANULE_STATUS = "granule_status"
# Statistic names may not take the names of the variables above nor start with this prefix.
GRANULE_PREFIX = "granule_"

# xdggs attributes of cell_ids (exactly these: xdggs' default decoder refuses any other).
GRID_NAME = "grid_name"
LEVEL = "level"
INDEXING_SCHEME = "indexing_scheme"
ELLIPSOID = "ellipsoid"

# CF-1.13 Appendix F "HEALPix" grid mapping attributes of crs (exactly these).
GRID_MAPPING_NAME = "grid_mapping_name"
REFINEMENT_LEVEL = "refinement_level"
SEMI_MAJOR_AXIS = "semi_major_axis"
INVERSE_FLATTENING = "inverse_flattening"

# Values of the grid attributes.
HEALPIX = "healpix"
NESTED = "nested"
WGS84 = "WGS84"
WGS84_SEMI_MAJOR_AXIS = 6378137.0
WGS84_INVERSE_FLATTENING = 298.257223563

# CF variable attributes.
STANDARD_NAME = "standard_name"
HEALPIX_INDEX_STANDARD_NAME = "healpix_index"
LONG_NAME = "long_name"
UNITS = "units"
FILL_VALUE = "_FillValue"
GRID_MAPPING = "grid_mapping"
COORDINATES = "coordinates"
CELL_METHODS = "cell_methods"
QUANTILE = "quantile"
SOURCE_VARIABLE = "healgrid_source_variable"
SIGMA_VARIABLE = "healgrid_sigma_variable"
WEIGHT = "healgrid_weight"
# The statistic's function as the config names it ("count", "min", "weighted_mean", ...).
STATISTIC = "healgrid_statistic"
# The provenance's character arrays hold UTF-8 text (netCDF's convention for NC_CHAR, which
# xarray and netCDF4-python decode to strings); left out when a file name is not UTF-8.
ENCODING = "_Encoding"
UTF8 = "utf-8"

# Global attributes.
CONVENTIONS = "Conventions"
CONVENTIONS_VALUE = "CF-1.13"
TITLE = "title"
SOURCE = "source"
HISTORY = "history"
DATE_CREATED = "date_created"
HEALGRID_VERSION = "healgrid_version"
# SHA-256 of the file's groups, variables and global attribute names as healgrid wrote them
# (io/output_owner.hpp): a file whose contents another tool changed is not replaced.
CONTENTS_SHA256 = "healgrid_contents_sha256"
# The source commit of the build (`git describe --always --dirty`; "unknown" without git).
HEALGRID_COMMIT = "healgrid_commit"
PARENT_ORDER = "parent_order"
CHILD_ORDER = "child_order"
LATITUDE_CONVENTION = "latitude_convention"
HEALGRID_CONFIG = "healgrid_config"
HEALGRID_OVERRIDES = "healgrid_overrides"
GRANULE_COUNT = "granule_count"
GRANULES_USED = "granules_used"
GRANULES_SKIPPED = "granules_skipped"
POINTS_USED = "points_used"
PARENT_CELLS = "parent_cells"
INPUTS_SHA256 = "healgrid_inputs_sha256"
CATALOG = "healgrid_catalog"
CATALOG_SHA256 = "healgrid_catalog_sha256"
CATALOG_CELLS = "healgrid_catalog_cells"
# How the catalog's granules were checked: "N of M granules verified against the catalog's
# checksums" or "not verified (--catalog-checksums skip): size only".
CATALOG_CHECKSUMS = "healgrid_catalog_checksums"
# Which cells the file stores: DENSE or SPARSE (files without it are dense).
LAYOUT = "healgrid_layout"
DENSE = "dense"
SPARSE = "sparse"

# Values of latitude_convention.
AUTHALIC = "authalic"
GEODETIC = "geodetic"

# Overview levels: group overviews/order_NN per coarser order; how its values were computed.
OVERVIEWS_GROUP = "overviews"
OVERVIEW_ORDER_PREFIX = "order_"
OVERVIEW_METHOD = "healgrid_overview_method"

# Suffixes of the files beside OUT: the incomplete output, renamed to OUT when complete.
PARTIAL_SUFFIX = ".partial"

# Time windows (config time_windows; write/time_axis): the leading dimension of every
# statistic, its CF coordinate (each window's start) with bounds, and the points per window.
TIME_DIM = "time"
BOUNDS_DIM = "nv"
TIME = "time"
TIME_BOUNDS = "time_bnds"
TIME_POINTS_USED = "time_points_used"
TIME_UNITS = "seconds since 1970-01-01T00:00:00Z"
CALENDAR = "calendar"
STANDARD_CALENDAR = "standard"
PROLEPTIC_GREGORIAN_CALENDAR = "proleptic_gregorian"
GREGORIAN_START_SECONDS = -12219292800.0
TIME_STANDARD_NAME = "time"
BOUNDS = "bounds"
AXIS = "axis"
TIME_WINDOWS = "healgrid_time_windows"
TIME_COVERAGE_START = "time_coverage_start"
TIME_COVERAGE_END = "time_coverage_end"
