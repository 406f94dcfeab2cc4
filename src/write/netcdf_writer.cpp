#include "healgrid/write/netcdf_writer.hpp"

#include <netcdf.h>
#include <netcdf_par.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <limits>
#include <stdexcept>

#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/write/direct_chunk_writer.hpp"

namespace healgrid {
namespace {

// Owns an open NetCDF file; every call goes through check() so errors name the file and step.
class NcFile {
 public:
  NcFile(const MpiContext& mpi, const std::string& path) : path_(path) {
    check(nc_create_par(path.c_str(), NC_NETCDF4 | NC_CLOBBER, mpi.comm, MPI_INFO_NULL, &id_),
          "create");
  }
  NcFile(const NcFile&) = delete;
  NcFile& operator=(const NcFile&) = delete;
  ~NcFile() {
    // nc_close is collective: while an error unwinds this rank alone, closing would wait for
    // ranks that are elsewhere (a deadlock); the caller aborts the MPI job instead.
    if (id_ >= 0 && std::uncaught_exceptions() == 0) nc_close(id_);
  }
  int id() const { return id_; }
  void check(int status, const std::string& what) const {
    if (status != NC_NOERR)
      throw std::runtime_error(path_ + ": NetCDF " + what + ": " + nc_strerror(status));
  }
  void close() {
    const int id = id_;
    id_ = -1;
    check(nc_close(id), "close");
  }
  void text(int var, const char* name, const std::string& value) const {
    check(nc_put_att_text(id_, var, name, value.size(), value.c_str()),
          std::string("attribute ") + name);
  }
  void integer(int var, const char* name, long long value) const {
    check(nc_put_att_longlong(id_, var, name, NC_INT64, 1, &value),
          std::string("attribute ") + name);
  }
  void int32(int var, const char* name, int value) const {
    check(nc_put_att_int(id_, var, name, NC_INT, 1, &value), std::string("attribute ") + name);
  }

 private:
  std::string path_;
  int id_ = -1;
};

std::string provenance_lines(const OutputMetadata& meta) {
  std::string s;
  for (const auto& g : meta.granules)
    if (g.status.rfind("skipped", 0) == 0) s += g.name + ": " + g.status + "\n";
  return s;
}

}  // namespace

std::string partial_path(const std::string& output_path) { return output_path + ".partial"; }

std::string creation_time_utc() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    t = static_cast<std::time_t>(std::strtoll(epoch, nullptr, 10));
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_netcdf(const MpiContext& mpi, const std::string& output_path,
                  const PipelineConfig& config, const HealpixGrid& grid, const GridBlock& block,
                  std::int64_t parent_offset, std::int64_t total_parents,
                  const OutputMetadata& meta) {
  const std::string tmp = partial_path(output_path);
  NcFile nc(mpi, tmp);
  const int id = nc.id();
  const auto per_parent = static_cast<std::size_t>(grid.children_per_parent());
  const std::size_t ncells = static_cast<std::size_t>(total_parents) * per_parent;
  const std::size_t chunk = std::min<std::size_t>(per_parent, std::size_t{1} << 20);
  const bool authalic = grid.convention() == LatitudeConvention::authalic;

  int cell_dim = -1;
  nc.check(nc_def_dim(id, "cell_ids", ncells, &cell_dim), "define dimension cell_ids");

  auto define = [&](const char* name, nc_type type, int ndims, const int* dims, bool chunked) {
    int var = -1;
    nc.check(nc_def_var(id, name, type, ndims, dims, &var), std::string("define ") + name);
    if (chunked) {
      nc.check(nc_def_var_chunking(id, var, NC_CHUNKED, &chunk), std::string("chunk ") + name);
      if (config.output.deflate_level > 0)
        nc.check(nc_def_var_deflate(id, var, 1, 1, config.output.deflate_level),
                 std::string("deflate ") + name);
    }
    nc.check(nc_var_par_access(id, var, NC_COLLECTIVE), std::string("collective ") + name);
    return var;
  };

  const int cell_var = define("cell_ids", NC_UINT64, 1, &cell_dim, true);
  nc.text(cell_var, "grid_name", "healpix");
  nc.int32(cell_var, "level", grid.child_order());
  nc.text(cell_var, "indexing_scheme", "nested");
  nc.text(cell_var, "standard_name", "healpix_index");
  nc.text(cell_var, "long_name", "HEALPix cell id (nested)");
  nc.text(cell_var, "units", "1");
  if (authalic) nc.text(cell_var, "ellipsoid", "WGS84");

  const int crs_var = define("crs", NC_INT, 0, nullptr, false);
  nc.text(crs_var, "grid_mapping_name", "healpix");
  nc.text(crs_var, "indexing_scheme", "nested");
  nc.int32(crs_var, "refinement_level", grid.child_order());
  nc.text(crs_var, "latitude_convention", to_string(grid.convention()));
  if (authalic) {
    nc.text(crs_var, "reference_ellipsoid_name", "WGS84");
    nc.text(crs_var, "healpix_latitude", "authalic");
  }

  std::vector<int> stat_vars;
  for (std::size_t s = 0; s < config.statistics.size(); ++s) {
    const auto& spec = config.statistics[s];
    const bool is_int = is_integer_statistic(spec.function);
    const int var = define(spec.name.c_str(), is_int ? NC_INT : NC_FLOAT, 1, &cell_dim, true);
    if (is_int) {
      const int fill = 0;
      nc.check(nc_def_var_fill(id, var, NC_FILL, &fill), "fill " + spec.name);
    } else {
      const float fill = std::numeric_limits<float>::quiet_NaN();
      nc.check(nc_def_var_fill(id, var, NC_FILL, &fill), "fill " + spec.name);
    }
    nc.text(var, "long_name", meta.long_names.at(s));
    if (!meta.units.at(s).empty()) nc.text(var, "units", meta.units.at(s));
    nc.text(var, "grid_mapping", "crs");
    nc.text(var, "cell_methods", std::string("cell_ids: ") + to_string(spec.function));
    nc.text(var, "healgrid_source_variable", spec.variable);
    if (spec.function == StatFunction::quantile) {
      const double q = spec.q;
      nc.check(nc_put_att_double(id, var, "quantile", NC_DOUBLE, 1, &q), "attribute quantile");
    }
    if (!spec.sigma.empty()) nc.text(var, "healgrid_sigma_variable", spec.sigma);
    stat_vars.push_back(var);
  }

  // Provenance: one row per granule (names, sizes, points used, status).
  std::size_t name_len = 1, status_len = 1;
  for (const auto& g : meta.granules) {
    name_len = std::max(name_len, g.name.size());
    status_len = std::max(status_len, g.status.size());
  }
  int gdims[2];
  nc.check(nc_def_dim(id, "granules", std::max<std::size_t>(1, meta.granules.size()), &gdims[0]),
           "define dimension granules");
  int name_dims[2] = {gdims[0], -1}, status_dims[2] = {gdims[0], -1};
  nc.check(nc_def_dim(id, "name_strlen", name_len, &name_dims[1]), "define name_strlen");
  nc.check(nc_def_dim(id, "status_strlen", status_len, &status_dims[1]), "define status_strlen");
  const int gname_var = define("granule_name", NC_CHAR, 2, name_dims, false);
  nc.text(gname_var, "long_name", "granule file name");
  const int gbytes_var = define("granule_bytes", NC_INT64, 1, gdims, false);
  nc.text(gbytes_var, "long_name", "granule file size");
  nc.text(gbytes_var, "units", "bytes");
  const int gpoints_var = define("granule_points_used", NC_INT64, 1, gdims, false);
  nc.text(gpoints_var, "long_name", "points of the granule used in the grid");
  const int gstatus_var = define("granule_status", NC_CHAR, 2, status_dims, false);
  nc.text(gstatus_var, "long_name", "used, or skipped with the reason");

  nc.text(NC_GLOBAL, "Conventions", "CF-1.11");
  nc.text(NC_GLOBAL, "title",
          config.output.title.empty() ? "healgrid output" : config.output.title);
  nc.text(NC_GLOBAL, "source", config.product);
  nc.text(NC_GLOBAL, "history", meta.date_created + " " + meta.history);
  nc.text(NC_GLOBAL, "date_created", meta.date_created);
  nc.text(NC_GLOBAL, "healgrid_version", HEALGRID_VERSION);
  nc.int32(NC_GLOBAL, "parent_order", grid.parent_order());
  nc.int32(NC_GLOBAL, "child_order", grid.child_order());
  nc.text(NC_GLOBAL, "latitude_convention", to_string(grid.convention()));
  nc.text(NC_GLOBAL, "healgrid_config", config.source_text);
  if (!meta.overrides.empty()) nc.text(NC_GLOBAL, "healgrid_overrides", meta.overrides);
  nc.integer(NC_GLOBAL, "granule_count", static_cast<long long>(meta.granules.size()));
  long long used_granules = 0;
  for (const auto& g : meta.granules) used_granules += g.status.rfind("skipped", 0) != 0;
  nc.integer(NC_GLOBAL, "granules_used", used_granules);
  nc.integer(NC_GLOBAL, "points_used", static_cast<long long>(meta.points_used));
  nc.integer(NC_GLOBAL, "parent_cells", total_parents);
  const auto skipped = provenance_lines(meta);
  if (!skipped.empty()) nc.text(NC_GLOBAL, "granules_skipped", skipped);
  for (const auto& [name, value] : meta.extra_attributes) nc.text(NC_GLOBAL, name.c_str(), value);
  nc.check(nc_enddef(id), "end of definitions");

  // Data: this rank's contiguous block of cells.
  const std::size_t start = static_cast<std::size_t>(parent_offset) * per_parent;
  const std::size_t count = block.parents.size() * per_parent;
  const std::size_t first = count ? start : 0;
  std::vector<unsigned long long> ids(count);
  for (std::size_t p = 0; p < block.parents.size(); ++p) {
    const auto base = static_cast<unsigned long long>(grid.first_child(block.parents[p]));
    for (std::size_t c = 0; c < per_parent; ++c) ids[p * per_parent + c] = base + c;
  }
  // Compressed columns: each rank deflates its own chunks, stored once netCDF has closed the
  // file (write/direct_chunk_writer); uncompressed ones go through netCDF here.
  const bool compressed = config.output.deflate_level > 0;
  std::vector<ChunkedColumn> chunked;
  if (compressed)
    chunked.push_back({"cell_ids", ids.data(), sizeof(unsigned long long)});
  else
    nc.check(nc_put_vara_ulonglong(id, cell_var, &first, &count, ids.data()), "write cell_ids");
  for (std::size_t s = 0; s < stat_vars.size(); ++s) {
    const auto& col = block.columns.at(s);
    const auto what = "write " + config.statistics[s].name;
    const bool is_int = !col.i32.empty() || is_integer_statistic(col.spec->function);
    if (compressed && is_int)
      chunked.push_back({config.statistics[s].name, col.i32.data(), sizeof(std::int32_t)});
    else if (compressed)
      chunked.push_back({config.statistics[s].name, col.f32.data(), sizeof(float)});
    else if (is_int)
      nc.check(nc_put_vara_int(id, stat_vars[s], &first, &count, col.i32.data()), what);
    else
      nc.check(nc_put_vara_float(id, stat_vars[s], &first, &count, col.f32.data()), what);
  }

  // Provenance rows come from rank 0; the others join the collective writes with nothing.
  const bool writer = mpi.rank == 0 && !meta.granules.empty();
  const std::size_t rows = writer ? meta.granules.size() : 0;
  std::vector<char> names(rows * name_len, '\0'), statuses(rows * status_len, '\0');
  std::vector<long long> bytes(rows), points(rows);
  for (std::size_t g = 0; g < rows; ++g) {
    const auto& rec = meta.granules[g];
    std::copy(rec.name.begin(), rec.name.end(), names.begin() + g * name_len);
    std::copy(rec.status.begin(), rec.status.end(), statuses.begin() + g * status_len);
    bytes[g] = rec.bytes;
    points[g] = rec.points_used;
  }
  const std::size_t zero = 0;
  const std::size_t nstart[2] = {0, 0}, ncount[2] = {rows, name_len},
                    scount[2] = {rows, status_len};
  nc.check(nc_put_vara_text(id, gname_var, nstart, ncount, names.data()), "write granule_name");
  nc.check(nc_put_vara_text(id, gstatus_var, nstart, scount, statuses.data()),
           "write granule_status");
  nc.check(nc_put_vara_longlong(id, gbytes_var, &zero, &rows, bytes.data()), "write granule_bytes");
  nc.check(nc_put_vara_longlong(id, gpoints_var, &zero, &rows, points.data()),
           "write granule_points_used");
  nc.close();
  if (compressed)
    write_chunks_directly(mpi, tmp, chunked, first, count, chunk, config.output.deflate_level);

  // Only a closed, complete file gets the final name.
  MPI_Barrier(mpi.comm);
  if (mpi.rank == 0 && std::rename(tmp.c_str(), output_path.c_str()) != 0)
    throw std::runtime_error(output_path + ": cannot rename the finished " + tmp);
}

}  // namespace healgrid
