#include "healgrid/write/netcdf_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <stdexcept>

#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/git_commit.hpp"
#include "healgrid/io/atomic_file.hpp"
#include "healgrid/io/nc_file.hpp"
#include "healgrid/io/output_owner.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/io/run_partial.hpp"
#include "healgrid/util/text.hpp"
#include "healgrid/write/direct_chunk_writer.hpp"
#include "healgrid/write/overview_writer.hpp"
#include "healgrid/write/statistic_variable.hpp"
#include "healgrid/write/time_axis.hpp"
#include "healgrid/write/write_headroom.hpp"

namespace healgrid {
namespace {

namespace s = schema;

// The variables the writer defines, kept for the data phase.
struct OutputVars {
  int cell_ids = -1;
  int healpix_index = -1;
  std::vector<int> statistics;
  int granule_name = -1, granule_bytes = -1, granule_points = -1, granule_status = -1;
  std::size_t name_len = 1, status_len = 1;
};

// A collective variable; chunked and compressed (with the configured level) when `chunk` > 0.
int define_var(io::NcFile& nc, const std::string& name, nc_type type, const std::vector<int>& dims,
               std::size_t chunk, int deflate_level) {
  const int var = nc.def_var(name, type, dims);
  if (chunk > 0) nc.def_chunked(var, chunk, deflate_level);
  nc.set_collective(var);
  return var;
}

// The grid, read by two decoders (docs/conventions.md): cell_ids carries exactly the xdggs
// attributes (its default decoder passes every one of them to HealpixInfo, which refuses any
// other), healpix_index the CF standard name, crs exactly the CF-1.13 HEALPix grid mapping
// (xdggs' "cf" decoder passes its attributes on too). On an ellipsoid the latitudes are
// authalic, as CF-1.13 Appendix F says; the geodetic convention is the sphere.
void define_grid(io::NcFile& nc, const HealpixGrid& grid, int cell_dim, std::size_t chunk,
                 int deflate_level, OutputVars& vars) {
  const bool authalic = grid.convention() == LatitudeConvention::authalic;
  vars.cell_ids = define_var(nc, s::kCellIds, NC_UINT64, {cell_dim}, chunk, deflate_level);
  nc.put_att(vars.cell_ids, s::kGridName, s::kHealpix);
  nc.put_att_int(vars.cell_ids, s::kLevel, grid.child_order());
  nc.put_att(vars.cell_ids, s::kIndexingScheme, s::kNested);
  if (authalic) nc.put_att(vars.cell_ids, s::kEllipsoid, s::kWgs84);

  vars.healpix_index =
      define_var(nc, s::kHealpixIndex, NC_UINT64, {cell_dim}, chunk, deflate_level);
  nc.put_att(vars.healpix_index, s::kStandardName, s::kHealpixIndexStandardName);
  nc.put_att(vars.healpix_index, s::kLongName, "HEALPix cell index (nested)");
  nc.put_att(vars.healpix_index, s::kUnits, "1");

  const int crs = define_var(nc, s::kCrs, NC_INT, {}, 0, 0);
  nc.put_att(crs, s::kGridMappingName, s::kHealpix);
  nc.put_att(crs, s::kIndexingScheme, s::kNested);
  nc.put_att_int(crs, s::kRefinementLevel, grid.child_order());
  if (authalic) {
    nc.put_att_double(crs, s::kSemiMajorAxis, s::kWgs84SemiMajorAxis);
    nc.put_att_double(crs, s::kInverseFlattening, s::kWgs84InverseFlattening);
  }
}

void define_statistics(io::NcFile& nc, const PipelineConfig& config, const OutputMetadata& meta,
                       int cell_dim, std::size_t chunk, const TimeAxisVars* time,
                       OutputVars& vars) {
  for (std::size_t i = 0; i < config.statistics.size(); ++i) {
    const auto& spec = config.statistics[i];
    const bool is_int = is_integer_statistic(spec.function);
    const nc_type type = is_int ? NC_INT : NC_FLOAT;
    const int var =
        time ? define_windowed_statistic(nc, spec.name, type, *time, cell_dim, chunk,
                                         config.output.deflate_level)
             : define_var(nc, spec.name, type, {cell_dim}, chunk, config.output.deflate_level);
    define_statistic_attributes(nc, var, spec, meta.long_names.at(i), meta.units.at(i),
                                time != nullptr);
    vars.statistics.push_back(var);
  }
}

// Provenance: one row per granule (names, sizes, points used, status).
void define_provenance(io::NcFile& nc, const OutputMetadata& meta, OutputVars& vars) {
  for (const auto& g : meta.granules) {
    vars.name_len = std::max(vars.name_len, g.name.size());
    vars.status_len = std::max(vars.status_len, g.status.size());
  }
  const int rows = nc.def_dim(s::kGranuleDim, std::max<std::size_t>(1, meta.granules.size()));
  const int name_len = nc.def_dim(s::kNameStrlenDim, vars.name_len);
  const int status_len = nc.def_dim(s::kStatusStrlenDim, vars.status_len);
  vars.granule_name = define_var(nc, s::kGranuleName, NC_CHAR, {rows, name_len}, 0, 0);
  nc.put_att(vars.granule_name, s::kLongName, "granule file name");
  vars.granule_bytes = define_var(nc, s::kGranuleBytes, NC_INT64, {rows}, 0, 0);
  nc.put_att(vars.granule_bytes, s::kLongName, "granule file size");
  nc.put_att(vars.granule_bytes, s::kUnits, "bytes");
  vars.granule_points = define_var(nc, s::kGranulePointsUsed, NC_INT64, {rows}, 0, 0);
  nc.put_att(vars.granule_points, s::kLongName, "points of the granule used in the grid");
  vars.granule_status = define_var(nc, s::kGranuleStatus, NC_CHAR, {rows, status_len}, 0, 0);
  nc.put_att(vars.granule_status, s::kLongName, "used, empty or skipped, with the reason");
  // Text, not bytes, for xarray and netCDF4-python, unless some name is in another encoding
  // (a status quotes names too): declared UTF-8, it would fail their decoding.
  const bool utf8 = std::all_of(meta.granules.begin(), meta.granules.end(),
                                [](const auto& g) { return is_utf8(g.name) && is_utf8(g.status); });
  if (utf8)
    for (const int var : {vars.granule_name, vars.granule_status})
      nc.put_att(var, s::kEncoding, s::kUtf8);
}

std::string skipped_lines(const OutputMetadata& meta) {
  std::string lines;
  for (const auto& g : meta.granules)
    if (g.status.rfind("skipped", 0) == 0) lines += g.name + ": " + g.status + "\n";
  return lines;
}

void put_global_attributes(io::NcFile& nc, const PipelineConfig& config, const HealpixGrid& grid,
                           std::int64_t total_parents, const OutputMetadata& meta) {
  const int g = io::kNcGlobal;
  nc.put_att(g, s::kConventions, s::kConventionsValue);
  nc.put_att(g, s::kTitle, config.output.title.empty() ? "healgrid output" : config.output.title);
  nc.put_att(g, s::kSource, config.product);
  nc.put_att(g, s::kHistory, meta.date_created + " " + meta.history);
  nc.put_att(g, s::kDateCreated, meta.date_created);
  nc.put_att(g, s::kHealgridVersion, HEALGRID_VERSION);
  nc.put_att(g, s::kHealgridCommit, HEALGRID_GIT_COMMIT);
  nc.put_att_int(g, s::kParentOrder, grid.parent_order());
  nc.put_att_int(g, s::kChildOrder, grid.child_order());
  nc.put_att(g, s::kLatitudeConvention, to_string(grid.convention()));
  nc.put_att(g, s::kHealgridConfig, config.source_text);
  if (!meta.overrides.empty()) nc.put_att(g, s::kHealgridOverrides, meta.overrides);
  nc.put_att_int64(g, s::kGranuleCount, static_cast<long long>(meta.granules.size()));
  long long used_granules = 0;
  for (const auto& r : meta.granules) used_granules += r.status.rfind("skipped", 0) != 0;
  nc.put_att_int64(g, s::kGranulesUsed, used_granules);
  nc.put_att_int64(g, s::kPointsUsed, static_cast<long long>(meta.points_used));
  nc.put_att_int64(g, s::kParentCells, total_parents);
  const auto skipped = skipped_lines(meta);
  if (!skipped.empty()) nc.put_att(g, s::kGranulesSkipped, skipped);
  for (const auto& [name, value] : meta.extra_attributes) nc.put_att(g, name, value);
}

// This rank's cells as the layout stores them: the ids (twice: cell_ids and healpix_index).
// Compressed columns are not written here: each rank deflates its own chunks and they are stored
// once netCDF has closed the file (write/direct_chunk_writer); `chunked` lists them, pointing
// into `cells` and the block, which must outlive that write. Uncompressed columns go through
// netCDF's collective writes here.
void write_cell_ids(io::NcFile& nc, const CellLayout& layout, const LayoutCells& cells,
                    const OutputVars& vars, bool compressed, std::vector<ChunkedColumn>& chunked) {
  const std::size_t first = layout.first_cell, count = layout.cells;
  const int id_vars[] = {vars.cell_ids, vars.healpix_index};
  for (const int var : id_vars) {
    if (compressed)
      chunked.push_back({nc.var_name(var), cells.ids.data(), sizeof(unsigned long long)});
    else
      nc.put(var, first, count, cells.ids.data());
  }
}

// Every statistic of this rank's cells (`columns`, as the layout stores them), the same way;
// with `time_index` >= 0 (time windows) as row time_index of the (time, cell_ids) variables.
void write_statistics(io::NcFile& nc, const CellLayout& layout,
                      const std::vector<OutputColumn>& columns, const OutputVars& vars,
                      bool compressed, std::int64_t time_index,
                      std::vector<ChunkedColumn>& chunked) {
  for (std::size_t i = 0; i < vars.statistics.size(); ++i) {
    const auto& col = columns.at(i);
    const int var = vars.statistics[i];
    const bool is_int = is_integer_statistic(col.spec->function);
    const void* data = is_int ? static_cast<const void*>(col.i32.data()) : col.f32.data();
    if (compressed)
      chunked.push_back(
          {nc.var_name(var), data, is_int ? sizeof(std::int32_t) : sizeof(float), time_index});
    else
      put_statistic_values(nc, var, col, layout.first_cell, layout.cells, time_index);
  }
}

// Provenance rows come from rank 0; the others join the collective writes with nothing.
void write_provenance(io::NcFile& nc, const Communicator& mpi, const OutputMetadata& meta,
                      const OutputVars& vars) {
  const bool writer = mpi.rank == 0 && !meta.granules.empty();
  const std::size_t rows = writer ? meta.granules.size() : 0;
  std::vector<char> names(rows * vars.name_len, '\0'), statuses(rows * vars.status_len, '\0');
  std::vector<long long> bytes(rows), points(rows);
  for (std::size_t g = 0; g < rows; ++g) {
    const auto& rec = meta.granules[g];
    std::copy(rec.name.begin(), rec.name.end(), names.begin() + g * vars.name_len);
    std::copy(rec.status.begin(), rec.status.end(), statuses.begin() + g * vars.status_len);
    bytes[g] = rec.bytes;
    points[g] = rec.points_used;
  }
  nc.put_text_rows(vars.granule_name, rows, vars.name_len, names.data());
  nc.put_text_rows(vars.granule_status, rows, vars.status_len, statuses.data());
  nc.put(vars.granule_bytes, 0, rows, bytes.data());
  nc.put(vars.granule_points, 0, rows, points.data());
}

// What the collective part of the write (define, enddef, netCDF's writes, close) stores at
// most; write/write_headroom.hpp says why it is checked first. `windows`: time windows (0:
// none), each a row of every statistic's chunks and a time axis in every group.
CollectiveWriteSize collective_size(const PipelineConfig& config, const CellLayout& layout,
                                    const OutputMetadata& meta,
                                    const std::vector<OverviewLevel>& overviews,
                                    std::size_t windows) {
  const auto per_chunk = [&](std::uint64_t cells) {
    return (cells + layout.chunk_cells - 1) / layout.chunk_cells;
  };
  const std::uint64_t rows = std::max<std::uint64_t>(windows, 1);
  const std::uint64_t stats = config.statistics.size();
  const std::uint64_t columns = stats * rows + 2;   // + cell_ids, healpix_index
  const std::uint64_t time_vars = windows ? 3 : 0;  // time, time_bnds, time_points_used
  CollectiveWriteSize size;
  size.variables = stats + 2 + 8 + time_vars;  // + crs and the provenance
  size.chunks = columns * per_chunk(layout.total_cells);
  for (const auto& level : overviews) {
    size.variables += stats + 3 + time_vars;
    size.chunks += columns * (level.total_cells / 1024 + 1);  // overview chunks hold more
  }
  for (const auto& g : meta.granules) size.text_bytes += g.name.size() + g.status.size() + 64;
  size.text_bytes += meta.history.size() + meta.overrides.size() + 65536;
  if (config.output.deflate_level == 0) {
    size.raw_data_bytes = layout.total_cells * (8 * 2 + 4 * stats * rows);
    for (const auto& level : overviews)
      size.raw_data_bytes += level.total_cells * (8 * 2 + 4 * stats * rows);
  }
  return size;
}

// Throws on every rank alike when the collective part may not fit.
void check_collective_headroom(const Communicator& mpi, const std::string& tmp,
                               std::uint64_t bytes) {
  std::string problem = file_size_limit_problem(tmp, bytes);
  if (problem.empty() && mpi.rank == 0) problem = free_space_problem(tmp, bytes);
  const int first = mpi.max(problem.empty() ? -1 : mpi.rank);  // the last rank with one, or -1
  if (first < 0) return;
  mpi.bcast(problem, first);
  throw std::runtime_error(problem + " (checked before writing, nothing written)");
}

}  // namespace

std::string partial_path(const std::string& output_path) {
  return io::run_partial_path(output_path);  // unique per run: io/run_partial.hpp
}

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

void write_netcdf(const Communicator& mpi, const std::string& output_path,
                  const PipelineConfig& config, const HealpixGrid& grid, const GridBlock& block,
                  const CellLayout& layout, std::int64_t total_parents, const OutputMetadata& meta,
                  const std::vector<OverviewLevel>& overviews, const TimeAxis* time_axis) {
  const std::string tmp = partial_path(output_path);
  const std::size_t nwindows = time_axis ? time_axis->starts.size() : 0;
  check_collective_headroom(
      mpi, tmp, collective_write_bound(collective_size(config, layout, meta, overviews, nwindows)));
  auto nc = io::NcFile::create_parallel(tmp, mpi.comm);
  const std::size_t chunk = layout.chunk_cells;
  const int cell_dim = nc.def_dim(s::kCellDim, layout.total_cells);

  OutputVars vars;
  define_grid(nc, grid, cell_dim, chunk, config.output.deflate_level, vars);
  TimeAxisVars time_vars;
  if (time_axis) time_vars = define_time_axis(nc, *time_axis);
  define_statistics(nc, config, meta, cell_dim, chunk, time_axis ? &time_vars : nullptr, vars);
  define_provenance(nc, meta, vars);
  put_global_attributes(nc, config, grid, total_parents, meta);
  nc.put_att(io::kNcGlobal, s::kLayout,
             layout.kind == OutputLayout::dense ? s::kDense : s::kSparse);
  std::vector<OverviewAttributes> overview_attributes;
  for (std::size_t i = 0; i < config.statistics.size(); ++i)
    overview_attributes.push_back({meta.long_names.at(i), meta.units.at(i)});
  const auto overview_vars =
      define_overviews(nc, config, grid, overviews, overview_attributes, time_axis);
  // Last: what the file holds, so that a later run replaces it only as written (io/output_owner).
  nc.put_att(io::kNcGlobal, s::kContentsSha256, io::contents_sha256(nc.id()));
  nc.end_define();

  const bool compressed = config.output.deflate_level > 0;
  const auto cells = layout_cells(layout, grid, block);
  std::vector<ChunkedColumn> chunked;
  write_cell_ids(nc, layout, cells, vars, compressed, chunked);
  // Time windows: the statistics are the windows', row w of each (the block has no columns).
  const auto windows =
      time_axis ? window_cells(layout, grid, *time_axis) : std::vector<LayoutCells>{};
  if (!time_axis) write_statistics(nc, layout, cells.columns(block), vars, compressed, -1, chunked);
  for (std::size_t w = 0; w < windows.size(); ++w)
    write_statistics(nc, layout, windows[w].columns(*time_axis->blocks[w]), vars, compressed,
                     static_cast<std::int64_t>(w), chunked);
  if (time_axis) write_time_axis(nc, mpi, *time_axis, time_vars);
  write_provenance(nc, mpi, meta, vars);
  write_overview_values(nc, mpi, overviews, overview_vars, compressed, time_axis);
  nc.close();
  if (compressed) {
    write_chunks_directly(mpi, tmp, chunked, layout.first_cell, layout.total_cells, chunk,
                          config.output.deflate_level);
    write_overview_chunks(mpi, tmp, overviews, overview_vars, config.output.deflate_level,
                          nwindows);
  }
}

void commit_netcdf(const Communicator& mpi, const std::string& output_path) {
  // Only a closed, complete file gets the final name (synced first, so a crash right after the
  // rename cannot leave a complete-looking name over incomplete bytes).
  MPI_Barrier(mpi.comm);
  if (mpi.rank == 0) io::commit_file(partial_path(output_path), output_path);
}

}  // namespace healgrid
