#include "healgrid/write/time_axis.hpp"

#include <algorithm>

#include "healgrid/io/output_schema.hpp"

namespace healgrid {

namespace s = schema;

TimeAxisVars define_time_axis(io::NcFile& nc, const TimeAxis& axis) {
  TimeAxisVars v;
  v.dim = nc.def_dim(s::kTimeDim, axis.starts.size());
  const int nv = nc.def_dim(s::kBoundsDim, 2);
  v.time = nc.def_var(s::kTime, NC_DOUBLE, {v.dim});
  nc.set_collective(v.time);
  nc.put_att(v.time, s::kStandardName, s::kTimeStandardName);
  nc.put_att(v.time, s::kLongName, "start of the time window");
  nc.put_att(v.time, s::kUnits, s::kTimeUnits);
  const bool before_gregorian = std::any_of(axis.starts.begin(), axis.starts.end(),
                                            [](double t) { return t < s::kGregorianStartSeconds; });
  nc.put_att(v.time, s::kCalendar,
             before_gregorian ? s::kProlepticGregorianCalendar : s::kStandardCalendar);
  nc.put_att(v.time, s::kAxis, "T");
  nc.put_att(v.time, s::kBounds, s::kTimeBounds);
  // CF: a boundary variable takes its units and calendar from its coordinate; no attributes.
  v.bounds = nc.def_var(s::kTimeBounds, NC_DOUBLE, {v.dim, nv});
  nc.set_collective(v.bounds);
  v.points_used = nc.def_var(s::kTimePointsUsed, NC_INT64, {v.dim});
  nc.set_collective(v.points_used);
  nc.put_att(v.points_used, s::kLongName, "points used in the time window");
  nc.put_att(v.points_used, s::kUnits, "1");
  return v;
}

int define_windowed_statistic(io::NcFile& nc, const std::string& name, nc_type type,
                              const TimeAxisVars& time, int cell_dim, std::size_t chunk,
                              int deflate_level) {
  const int var = nc.def_var(name, type, {time.dim, cell_dim});
  if (chunk > 0) nc.def_chunked(var, {1, chunk}, deflate_level);  // no cells: contiguous
  nc.set_collective(var);
  return var;
}

std::vector<LayoutCells> window_cells(const CellLayout& layout, const HealpixGrid& grid,
                                      const TimeAxis& axis) {
  std::vector<LayoutCells> out;
  for (const auto* block : axis.blocks) out.push_back(layout_cells(layout, grid, *block, false));
  return out;
}

void write_time_axis(io::NcFile& nc, const Communicator& mpi, const TimeAxis& axis,
                     const TimeAxisVars& vars) {
  const std::size_t n = mpi.rank == 0 ? axis.starts.size() : 0;
  std::vector<double> bounds;
  for (std::size_t w = 0; w < n; ++w) bounds.insert(bounds.end(), {axis.starts[w], axis.ends[w]});
  nc.put(vars.time, {0}, {n}, axis.starts.data());
  nc.put(vars.bounds, {0, 0}, {n, 2}, bounds.data());
  nc.put(vars.points_used, 0, n, axis.points_used.data());
}

}  // namespace healgrid
