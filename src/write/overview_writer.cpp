#include "healgrid/write/overview_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "healgrid/io/output_schema.hpp"
#include "healgrid/write/direct_chunk_writer.hpp"
#include "healgrid/write/statistic_variable.hpp"

namespace healgrid {
namespace {

namespace s = schema;

constexpr std::size_t kChunkCells = std::size_t{1} << 16;

// The root's grid contract (docs/conventions.md) at `order`: cell_ids with exactly the xdggs
// attributes, healpix_index with the CF standard name, crs the CF-1.13 grid mapping.
void define_grid(io::NcFile& g, int order, LatitudeConvention convention, int dim,
                 std::size_t chunk, int deflate_level, OverviewVars& vars) {
  const bool authalic = convention == LatitudeConvention::authalic;
  auto var = [&](const char* name, nc_type type, std::vector<int> dims, std::size_t c) {
    const int v = g.def_var(name, type, dims);
    if (c > 0) g.def_chunked(v, c, deflate_level);
    g.set_collective(v);
    return v;
  };
  vars.cell_ids = var(s::kCellIds, NC_UINT64, {dim}, chunk);
  g.put_att(vars.cell_ids, s::kGridName, s::kHealpix);
  g.put_att_int(vars.cell_ids, s::kLevel, order);
  g.put_att(vars.cell_ids, s::kIndexingScheme, s::kNested);
  if (authalic) g.put_att(vars.cell_ids, s::kEllipsoid, s::kWgs84);
  vars.healpix_index = var(s::kHealpixIndex, NC_UINT64, {dim}, chunk);
  g.put_att(vars.healpix_index, s::kStandardName, s::kHealpixIndexStandardName);
  g.put_att(vars.healpix_index, s::kLongName, "HEALPix cell index (nested)");
  g.put_att(vars.healpix_index, s::kUnits, "1");
  const int crs = var(s::kCrs, NC_INT, {}, 0);
  g.put_att(crs, s::kGridMappingName, s::kHealpix);
  g.put_att(crs, s::kIndexingScheme, s::kNested);
  g.put_att_int(crs, s::kRefinementLevel, order);
  if (authalic) {
    g.put_att_double(crs, s::kSemiMajorAxis, s::kWgs84SemiMajorAxis);
    g.put_att_double(crs, s::kInverseFlattening, s::kWgs84InverseFlattening);
  }
}

std::string method_of(const OverviewLevel& level, int parent_order) {
  if (level.order >= parent_order)
    return "every statistic from the points of each cell (exact, quantiles included)";
  return "merged from per-parent-cell partials in double (exact for count, min, max, sum, mean, "
         "weighted mean and its sigma, variance, std); quantiles left out below the parent "
         "order";
}

// Rank 0's column padded with its fill to whole chunks (the direct chunk writer stores whole
// chunks; HDF5 ignores an edge chunk's cells beyond the extent).
template <typename T>
std::vector<T> padded(const std::vector<T>& v, std::size_t chunk, T fill) {
  std::vector<T> out(v);
  out.resize((v.size() + chunk - 1) / chunk * chunk, fill);
  return out;
}

// A level's columns (rank 0: `n` cells, the others none); `time_index` >= 0: as that row of
// the (time, cell_ids) statistics.
void write_values(io::NcFile& g, const std::vector<OutputColumn>& columns, const OverviewVars& vars,
                  std::size_t n, std::int64_t time_index) {
  for (std::size_t c = 0; c < vars.statistics.size(); ++c)
    put_statistic_values(g, vars.statistics[c], columns.at(c), 0, n, time_index);
}

// Every window's row of the level (rank 0 holds them; the others join each write with none).
void write_windowed_values(io::NcFile& g, const Communicator& comm, const OverviewLevel& level,
                           const OverviewVars& vars, std::size_t windows) {
  const bool root = comm.is_root();
  for (std::size_t w = 0; w < windows; ++w)
    write_values(g, root ? level.window_columns.at(w) : level.columns, vars,
                 root ? level.cells.size() : 0, static_cast<std::int64_t>(w));
}

}  // namespace

std::string overview_group_path(int order) {
  char name[16];
  std::snprintf(name, sizeof name, "%s%02d", s::kOverviewOrderPrefix, order);
  return std::string(s::kOverviewsGroup) + "/" + name;
}

std::vector<OverviewVars> define_overviews(io::NcFile& nc, const PipelineConfig& config,
                                           const HealpixGrid& grid,
                                           const std::vector<OverviewLevel>& levels,
                                           const std::vector<OverviewAttributes>& attributes,
                                           const TimeAxis* time) {
  std::vector<OverviewVars> all;
  const int level_deflate = config.output.deflate_level;
  for (const auto& level : levels) {
    auto g = nc.create_group(overview_group_path(level.order));
    OverviewVars vars;
    vars.chunk = std::min<std::size_t>(level.total_cells, kChunkCells);
    const int dim = g.def_dim(s::kCellDim, level.total_cells);
    define_grid(g, level.order, grid.convention(), dim, vars.chunk, level_deflate, vars);
    if (time) vars.time = define_time_axis(g, *time);
    for (const auto& col : level.columns) {
      const auto i = static_cast<std::size_t>(col.spec - config.statistics.data());
      const nc_type type = is_integer_statistic(col.spec->function) ? NC_INT : NC_FLOAT;
      int var = -1;
      if (time) {
        var = define_windowed_statistic(g, col.spec->name, type, vars.time, dim, vars.chunk,
                                        level_deflate);
      } else {
        var = g.def_var(col.spec->name, type, {dim});
        if (vars.chunk > 0) g.def_chunked(var, vars.chunk, level_deflate);  // empty: contiguous
        g.set_collective(var);
      }
      define_statistic_attributes(g, var, *col.spec, attributes.at(i).long_name,
                                  attributes.at(i).units, time != nullptr);
      vars.statistics.push_back(var);
    }
    const int ga = io::kNcGlobal;  // no Conventions: CF allows it in the root group only
    g.put_att(ga, s::kLatitudeConvention, to_string(grid.convention()));
    g.put_att_int(ga, s::kParentOrder, grid.parent_order());
    g.put_att_int(ga, s::kChildOrder, grid.child_order());
    g.put_att(ga, s::kOverviewMethod, method_of(level, grid.parent_order()));
    all.push_back(std::move(vars));
  }
  return all;
}

void write_overview_values(io::NcFile& nc, const Communicator& comm,
                           const std::vector<OverviewLevel>& levels,
                           const std::vector<OverviewVars>& vars, bool compressed,
                           const TimeAxis* time) {
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const auto& level = levels[l];
    auto g = *nc.find_group(overview_group_path(level.order));
    if (time) write_time_axis(g, comm, *time, vars[l].time);  // not compressed: always here
    if (compressed) continue;
    const std::size_t n = comm.is_root() ? level.cells.size() : 0;  // rank 0 holds the level
    std::vector<unsigned long long> ids(level.cells.begin(), level.cells.end());
    g.put(vars[l].cell_ids, 0, n, ids.data());
    g.put(vars[l].healpix_index, 0, n, ids.data());
    if (time)
      write_windowed_values(g, comm, level, vars[l], time->starts.size());
    else
      write_values(g, level.columns, vars[l], n, -1);
  }
}

void write_overview_chunks(const Communicator& comm, const std::string& path,
                           const std::vector<OverviewLevel>& levels,
                           const std::vector<OverviewVars>& vars, int deflate_level,
                           std::size_t windows) {
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const auto& level = levels[l];
    const std::size_t chunk = vars[l].chunk;
    if (chunk == 0) continue;  // an empty level: nothing stored
    const std::string group = "/" + overview_group_path(level.order) + "/";
    std::vector<unsigned long long> ids;
    // Without windows one row of columns (time index -1), with them one per window.
    const std::size_t rows = windows ? windows : 1;
    std::vector<std::vector<std::int32_t>> ints(level.columns.size() * rows);
    std::vector<std::vector<float>> floats(level.columns.size() * rows);
    std::vector<ChunkedColumn> columns;
    if (comm.is_root()) {
      ids = padded(std::vector<unsigned long long>(level.cells.begin(), level.cells.end()), chunk,
                   0ull);
      columns.push_back({group + s::kCellIds, ids.data(), sizeof(unsigned long long)});
      columns.push_back({group + s::kHealpixIndex, ids.data(), sizeof(unsigned long long)});
      for (std::size_t c = 0; c < level.columns.size(); ++c)
        for (std::size_t w = 0; w < rows; ++w) {
          const auto& col = windows ? level.window_columns.at(w).at(c) : level.columns[c];
          const std::string name = group + col.spec->name;
          const auto row = windows ? static_cast<std::int64_t>(w) : -1;
          const std::size_t k = c * rows + w;
          if (is_integer_statistic(col.spec->function)) {
            ints[k] = padded(col.i32, chunk, std::int32_t{0});
            columns.push_back({name, ints[k].data(), sizeof(std::int32_t), row});
          } else {
            floats[k] = padded(col.f32, chunk, std::numeric_limits<float>::quiet_NaN());
            columns.push_back({name, floats[k].data(), sizeof(float), row});
          }
        }
    } else {  // the same columns, with no cells: this rank sends empty blocks
      columns.assign(2 + level.columns.size() * rows, ChunkedColumn{"", nullptr, 0});
    }
    // Rank 0 holds the whole (padded) level; the other ranks' ranges are empty, after it.
    const std::uint64_t total = (level.total_cells + chunk - 1) / chunk * chunk;
    write_chunks_directly(comm, path, columns, comm.is_root() ? 0 : total, total, chunk,
                          deflate_level);
  }
}

}  // namespace healgrid
