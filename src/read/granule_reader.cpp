#include "healgrid/read/granule_reader.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/util/require.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

// A longitude is wrapped, but only within two turns: -999 or -9999 is a missing position (a
// sentinel without _FillValue), not a place 81 degrees east.
constexpr double kMaxLongitude = 720.0;

bool has_position(double lat, double lon) {
  return (lat >= -90.0) & (lat <= 90.0) & (std::fabs(lon) <= kMaxLongitude);
}

std::string with_cause(const std::string& msg) {
  const auto cause = h5_error_line();
  return cause.empty() ? msg : msg + " (HDF5: " + cause + ")";
}

bool direct_chunks_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("HEALGRID_DIRECT_CHUNKS");
    return !(v && std::string(v) == "0");
  }();
  return enabled;
}

// netCDF-3 files (classic CDF1, 64-bit offset CDF2, CDF5) start with "CDF" and the version.
bool netcdf3_file(const std::string& path) {
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(magic, sizeof magic)) return false;
  return magic[0] == 'C' && magic[1] == 'D' && magic[2] == 'F' &&
         (magic[3] == 1 || magic[3] == 2 || magic[3] == 5);
}

bool uses_group(const std::string& path) { return path.find("{group}") != std::string::npos; }

}  // namespace

GranuleReader::GranuleReader(const std::string& path, const PipelineConfig& config, Columns columns)
    : path_(path),
      window_(config.time_window),
      keep_time_(config.time_windows.active()),
      opened_(columns) {
  h5_quiet_errors();
  open_file();
  is_sigma_.assign(config.variables.size(), false);
  is_weight_.assign(config.variables.size(), false);
  for (const auto& s : config.statistics) {
    if (!s.sigma.empty()) is_sigma_[config.variable_index(s.sigma)] = true;
    if (!s.weight.empty()) is_weight_[config.variable_index(s.weight)] = true;
  }
  prepare_expressions(config);
  const bool direct = direct_chunks_enabled();
  for (const auto& group : config.groups) open_beam(config, group, direct);
}

void GranuleReader::open_file() {
  const bool all = opened_ == Columns::all;
  if (netcdf3_file(path_))
    throw GranuleError(path_ + ": a netCDF-3 (classic) file, which healgrid does not read: " +
                       "convert it to netCDF-4 first, e.g. nccopy -k nc4 " + path_ + " OUT.nc");
  if (all && H5Fis_hdf5(path_.c_str()) <= 0) {
    throw GranuleError(path_ + ": " + with_cause("not a readable HDF5 file"));
  }
  file_ = H5Handle(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file_.valid()) throw GranuleError(path_ + ": " + with_cause("cannot open HDF5 file"));
  // An earlier output written among the inputs would otherwise read as a granule without beams.
  if (all && is_healgrid_output())
    throw GranuleError(path_ + ": a healgrid output (it has the global attribute " +
                       schema::kHealgridVersion + "), not a granule: leave it out of the inputs");
}

// Opens one configured dataset of a beam: its path expanded for the group, bound to the beam's
// points, or to a linked level's segments. A dataset shared by every group (no "{group}" in its
// path) may hold one granule value.
struct GranuleReader::ColumnOpener {
  hid_t file;
  const std::string& path;
  const PipelineConfig& config;
  const std::string& group;
  const PointShape& points;
  const Beam& beam;
  bool direct;

  std::unique_ptr<DatasetColumn> operator()(const std::string& key, const std::string& text,
                                            const std::vector<double>& sentinels,
                                            const std::string& level = "") const {
    auto column = std::make_unique<DatasetColumn>(
        file, path, key, parse_dataset_selector(expand_group(text, group)), sentinels, direct);
    if (level.empty())
      column->bind(points, !uses_group(text));
    else
      column->bind_level(beam.levels.at(static_cast<std::size_t>(config.level_index(level))),
                         "levels." + level);
    return column;
  }
};

void GranuleReader::open_beam(const PipelineConfig& config, const std::string& group, bool direct) {
  const auto lat_selector = parse_dataset_selector(expand_group(config.latitude, group));
  // A beam without its latitude dataset is absent (subsetters drop or empty the groups of
  // beams without data: ATL07 keeps gt2r/sea_ice_segments/stats only); a group found in no
  // granule is reported after the index pass. A flat config has no beams to miss: its
  // latitude must exist (DatasetColumn names it).
  const bool flat = group.empty() && config.groups.size() == 1;
  if (!flat && !granule_path_exists(file_.get(), path_, lat_selector.path)) {
    // Its longitude there without the latitude is no subsetter's absent beam but a damaged
    // granule: skipping the beam would lose its points without a word.
    const auto lon_path = parse_dataset_selector(expand_group(config.longitude, group)).path;
    if (uses_group(config.longitude) && granule_path_exists(file_.get(), path_, lon_path))
      throw MissingLatitude(path_ + ": beam " + group + " has " + lon_path + " but not " +
                                lat_selector.path + " (coordinates.latitude): a damaged granule?",
                            path_ + ": coordinates.latitude: missing dataset " + lat_selector.path +
                                " (beam " + group + " has " + lon_path + ")");
    return;
  }
  Beam beam;
  beam.lat = std::make_unique<DatasetColumn>(file_.get(), path_, "coordinates.latitude",
                                             lat_selector, std::vector<double>{}, direct);
  beam.lat->read_in_degrees(CoordinateAxis::latitude);
  const PointShape points = beam.lat->shape();
  if (!flat && points.points() == 0) {  // a beam without data: nothing of it is read, and
    beams_.push_back({group, 0});       // subsetters may leave out its other datasets
    columns_.push_back(std::move(beam));
    return;
  }
  open_levels(config, group, points, direct, beam);
  const ColumnOpener open{file_.get(), path_, config, group, points, beam, direct};
  beam.lat->bind(points, false);
  if (opened_ == Columns::all) {  // what read() needs besides the variables
    beam.lon = open("coordinates.longitude", config.longitude, {});
    beam.lon->read_in_degrees(CoordinateAxis::longitude);
    beam.lon->ignore_valid_range();  // any longitude is wrapped
    if (!config.time.empty()) beam.time = open("coordinates.time", config.time, {});
    if (beam.time && (window_.active() || keep_time_) && !time_base_read_)
      resolve_time_base(config, *beam.time);
    open_filters(config, open, beam);
  }
  for (const auto& v : config.variables)
    beam.variables.push_back(v.expression.empty()
                                 ? open("variables." + v.name, v.dataset, v.sentinels, v.level)
                                 : nullptr);
  beams_.push_back({group, points.points()});
  columns_.push_back(std::move(beam));
}

void GranuleReader::resolve_time_base(const PipelineConfig& config, const DatasetColumn& time) {
  time_base_read_ = true;
  try {
    time_base_ = healgrid::read_time_base(file_.get(), time.dataset(), config.time_units);
  } catch (const CfAttributeError& e) {
    throw DatasetMismatch(path_ + ": coordinates.time: dataset " + time.path() + ": " + e.what());
  }
}

// Each filter's dataset (null for an expression), and its spec with the value as the dataset
// holds values.
void GranuleReader::open_filters(const PipelineConfig& config, const ColumnOpener& open,
                                 Beam& beam) const {
  for (std::size_t f = 0; f < config.filters.size(); ++f) {
    const auto& filter = config.filters[f];
    const auto key = "filters[" + std::to_string(f) + "]";
    beam.filters.push_back(filter.expression.empty()
                               ? open(key + ".dataset", filter.dataset, {}, filter.level)
                               : nullptr);
    const auto& column = beam.filters.back();
    if (column && !column->compares_exactly(filter.value))
      throw DatasetMismatch(path_ + ": " + key + ".value: " + number_text(filter.value) +
                            " is at or beyond 2^53, where float64 " +
                            "cannot compare the 64-bit integers of " + column->path() +
                            " exactly: give a threshold below 2^53");
    beam.filter_specs.push_back(filter);
    if (column) beam.filter_specs.back().value = column->threshold(filter.value);
  }
}

// Each linked level's links, read and checked once per beam (read/segment_links.hpp): the
// points must be 1-D (photons), each owned by at most one segment.
void GranuleReader::open_levels(const PipelineConfig& config, const std::string& group,
                                const PointShape& points, bool direct, Beam& beam) {
  for (const auto& level : config.levels) {
    const auto key = "levels." + level.name;
    if (points.cols != 1)
      throw DatasetMismatch(path_ + ": " + key + ": the points of a linked level must be 1-D, " +
                            "the latitude " + beam.lat->path() + " is 2-D");
    auto column = [&](const std::string& name, const std::string& text) {
      return DatasetColumn(file_.get(), path_, key + "." + name,
                           parse_dataset_selector(expand_group(text, group)), {}, direct);
    };
    auto begin = column("index_begin", level.index_begin);
    auto count = column("count", level.count);
    for (const auto* c : {&begin, &count})
      if (levels_elsewhere_.empty() && !c->data_elsewhere().empty())
        levels_elsewhere_ = "dataset " + c->path() + ": " + c->data_elsewhere();
    beam.levels.push_back(
        std::make_shared<SegmentLinks>(begin, count, level.base, points.rows, path_, key));
    // One position per segment (opened, checked, read only by a pre-selecting index pass).
    if (opened_ != Columns::all || !level.has_coordinates() || beam.positioned_level >= 0) continue;
    const PointShape segments{beam.levels.back()->segments(), 1, "", ""};
    auto one_per_segment = [&](const DatasetColumn& c, const char* axis) {
      if (c.shape().rows != segments.rows || c.shape().cols != 1)
        throw DatasetMismatch(
            path_ + ": " + key + "." + axis + ": dataset " + c.path() + " has " +
            std::to_string(c.shape().rows) + " rows" +
            (c.shape().cols != 1 ? " of " + std::to_string(c.shape().cols) : std::string()) +
            ", the level has " + std::to_string(segments.rows) + " segments (" +
            expand_group(level.index_begin, group) + ")");
    };
    beam.segment_lat = std::make_unique<DatasetColumn>(column("latitude", level.latitude));
    one_per_segment(*beam.segment_lat, "latitude");
    beam.segment_lat->read_in_degrees(CoordinateAxis::latitude);
    beam.segment_lat->bind(segments, false);
    beam.segment_lon = std::make_unique<DatasetColumn>(column("longitude", level.longitude));
    one_per_segment(*beam.segment_lon, "longitude");
    beam.segment_lon->bind(segments, false);
    beam.segment_lon->read_in_degrees(CoordinateAxis::longitude);
    beam.segment_lon->ignore_valid_range();  // any longitude is wrapped
    beam.positioned_level = static_cast<int>(beam.levels.size()) - 1;
  }
}

bool GranuleReader::has_segment_positions(std::size_t beam) const {
  return columns_.at(beam).positioned_level >= 0;
}

const SegmentLinks& GranuleReader::positioned_links(std::size_t beam) const {
  const Beam& b = columns_.at(beam);
  return *b.levels.at(static_cast<std::size_t>(b.positioned_level));
}

namespace {

// A latitude beyond a pole by no more than float32's rounding of 90 (90 * FLT_EPSILON, 1.1e-5
// degrees, ~1 m) is the pole: packed latitudes unpacked in double overshoot it (int32 9e8 times
// a float32 scale_factor of 1e-7, 1.0000000117e-7, is 90.0000011). Beyond that: no position.
void onto_poles(std::vector<double>& lat) {
  constexpr double kSlack = 90.0 * FLT_EPSILON;
  for (auto& x : lat) {  // branch-free: vectorised
    const double beyond = std::fabs(x) - 90.0;
    x = (beyond > 0) & (beyond <= kSlack) ? std::copysign(90.0, x) : x;
  }
}

}  // namespace

void GranuleReader::read_segment_positions(std::size_t beam, std::vector<double>& lat,
                                           std::vector<double>& lon,
                                           std::vector<std::uint8_t>& valid) const {
  const Beam& b = columns_.at(beam);
  const auto n = positioned_links(beam).segments();
  valid.assign(n, 1);
  b.segment_lat->read(0, n, lat, valid.data());
  b.segment_lon->read(0, n, lon, valid.data());
  onto_poles(lat);
  for (std::size_t i = 0; i < n; ++i) valid[i] = has_position(lat[i], lon[i]) ? valid[i] : 0;
}

void GranuleReader::read(std::size_t beam, std::uint64_t row0, std::uint64_t n, bool with_variables,
                         BeamChunk& out) const {
  HEALGRID_REQUIRE(opened_ == Columns::all, "a reader opened with every column");
  const Beam& b = columns_.at(beam);
  HEALGRID_REQUIRE(n == 0 || b.lon, "rows of a beam with data");
  out.row0 = row0;
  out.valid.assign(n, 1);
  out.positioned = 0;
  if (n == 0) {
    out.lat.clear();
    out.lon.clear();
    out.values.assign(with_variables ? is_sigma_.size() : 0, {});
    return;
  }
  b.lat->read(row0, n, out.lat, out.valid.data());
  b.lon->read(row0, n, out.lon, out.valid.data());
  onto_poles(out.lat);
  std::size_t positioned = 0;
  const double *lat = out.lat.data(), *lon = out.lon.data();
  std::uint8_t* valid = out.valid.data();  // a raw pointer: its stores alias no vector
  for (std::size_t i = 0; i < n; ++i) {    // branch-free: vectorised
    const auto v = has_position(lat[i], lon[i]) ? valid[i] : std::uint8_t{0};
    valid[i] = v;
    positioned += v;
  }
  out.positioned = positioned;
  auto& buffer = filter_values_;
  if (window_.active() || keep_time_) {
    b.time->read(row0, n, buffer, out.valid.data());
    if (keep_time_) out.time.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double t = time_base_.utc_floor(buffer[i]);  // exact against the boundaries
      if (!(t >= window_.start_seconds && t < window_.end_seconds)) out.valid[i] = 0;
      if (keep_time_) out.time[i] = t;
    }
  }
  for (std::size_t f = 0; f < b.filters.size(); ++f) {
    if (!b.filters[f]) continue;  // an expression: below
    b.filters[f]->read(row0, n, buffer, out.valid.data());
    keep_passing(b.filter_specs[f], buffer.data(), n, out.valid.data());
  }
  if (!filter_exprs_.empty()) apply_filter_expressions(b, row0, n, out);
  out.values.resize(with_variables ? b.variables.size() : 0);
  if (with_variables) check_variables(b, row0, n, out);
}

void GranuleReader::prepare_expressions(const PipelineConfig& config) {
  std::vector<std::string> dataset_variables;
  for (const auto& v : config.variables) {
    variable_names_.push_back(v.name);
    if (v.expression.empty()) dataset_variables.push_back(v.name);
  }
  for (const auto& v : config.variables)
    variable_exprs_.push_back(v.expression.empty()
                                  ? nullptr
                                  : std::make_unique<Expression>(v.expression, dataset_variables));
  bool any = false;
  std::vector<bool> used(config.variables.size(), false);
  for (const auto& f : config.filters) {
    filter_exprs_.push_back(f.expression.empty()
                                ? nullptr
                                : std::make_unique<Expression>(f.expression, dataset_variables));
    if (!filter_exprs_.back()) continue;
    any = true;
    for (const auto& name : filter_exprs_.back()->inputs())
      used[static_cast<std::size_t>(config.variable_index(name))] = true;
  }
  if (!any) filter_exprs_.clear();
  for (std::size_t v = 0; v < used.size(); ++v)
    if (used[v]) filter_expression_variables_.push_back(static_cast<int>(v));
  filter_inputs_.resize(config.variables.size());
}

std::vector<const double*> GranuleReader::expression_inputs(
    const Expression& e, const std::vector<std::vector<double>>& values) const {
  std::vector<const double*> inputs;
  for (const auto& name : e.inputs()) {
    const auto v =
        std::find(variable_names_.begin(), variable_names_.end(), name) - variable_names_.begin();
    inputs.push_back(values.at(static_cast<std::size_t>(v)).data());
  }
  return inputs;
}

// An expression that cannot be evaluated on this granule's values (bit() of a 64-bit flag
// beyond 2^53) fails the granule, naming it and the config key.
void GranuleReader::evaluate(Expression& e, const std::string& key,
                             const std::vector<const double*>& inputs, std::size_t n,
                             double* out) const {
  try {
    e.evaluate(inputs, n, out);
  } catch (const ExpressionError& error) {
    throw DatasetMismatch(path_ + ": " + key + ": " + error.what());
  }
}

// The index pass evaluates filter expressions on the variables they use (read here, with their
// validity: a point whose input has no data is dropped).
void GranuleReader::apply_filter_expressions(const Beam& b, std::uint64_t row0, std::uint64_t n,
                                             BeamChunk& out) const {
  for (const int v : filter_expression_variables_)
    b.variables[static_cast<std::size_t>(v)]->read(row0, n, filter_inputs_[v], out.valid.data());
  auto& result = filter_values_;
  result.resize(n);
  for (std::size_t f = 0; f < filter_exprs_.size(); ++f) {
    const auto& e = filter_exprs_[f];
    if (!e) continue;
    evaluate(*e, "filters[" + std::to_string(f) + "].expression",
             expression_inputs(*e, filter_inputs_), n, result.data());
    for (std::size_t i = 0; i < n; ++i)
      if (!(result[i] != 0) || std::isnan(result[i])) out.valid[i] = 0;
  }
}

void GranuleReader::check_variables(const Beam& b, std::uint64_t row0, std::uint64_t n,
                                    BeamChunk& out) const {
  out.values.resize(b.variables.size());
  for (std::size_t v = 0; v < b.variables.size(); ++v)
    if (b.variables[v]) b.variables[v]->read(row0, n, out.values[v], out.valid.data());
  for (std::size_t v = 0; v < b.variables.size(); ++v) {
    auto& values = out.values[v];
    if (variable_exprs_[v]) {  // derived: bulk over the chunk
      values.resize(n);
      evaluate(*variable_exprs_[v], "variables." + variable_names_[v] + ".expression",
               expression_inputs(*variable_exprs_[v], out.values), n, values.data());
    }
    // Raw pointers and branch-free tests, so the loops vectorise (stores through a
    // vector's uint8_t would otherwise reload its data pointer per value). NaN fails every
    // comparison; w > 0 makes w <= DBL_MAX the finiteness test.
    const double* x = values.data();
    std::uint8_t* valid = out.valid.data();
    if (variable_exprs_[v])  // a non-finite result is no data
      for (std::size_t i = 0; i < n; ++i) valid[i] = std::fabs(x[i]) <= DBL_MAX ? valid[i] : 0;
    if (is_sigma_[v])  // its weight 1/s^2 must be a weight: s > 0 and no over- or underflow
      for (std::size_t i = 0; i < n; ++i) {
        const double w = 1.0 / (x[i] * x[i]);
        valid[i] = (x[i] > 0) & (w > 0) & (w <= DBL_MAX) ? valid[i] : 0;
      }
    if (is_weight_[v])  // a weight that cannot weight: no data, like a fill
      for (std::size_t i = 0; i < n; ++i) valid[i] = (x[i] > 0) & (x[i] <= DBL_MAX) ? valid[i] : 0;
  }
}

void GranuleReader::read_values(std::size_t beam, std::uint64_t row0, std::uint64_t n,
                                BeamChunk& out) const {
  out.row0 = row0;
  out.lat.clear();
  out.lon.clear();
  out.valid.assign(n, 1);
  check_variables(columns_.at(beam), row0, n, out);
}

void GranuleReader::carry_chunks_through(ChunkCarry& carry, std::uint32_t granule) {
  for (std::size_t b = 0; b < columns_.size(); ++b)
    for (std::size_t v = 0; v < columns_[b].variables.size(); ++v)
      if (ChunkReader* chunks =
              columns_[b].variables[v] ? columns_[b].variables[v]->chunk_reader() : nullptr)
        chunks->carry_through(&carry, granule, static_cast<std::uint32_t>(b),
                              static_cast<std::uint32_t>(v));
}

void GranuleReader::release_chunks() {
  for (const auto& beam : columns_)
    for (const auto& column : beam.variables)
      if (ChunkReader* chunks = column ? column->chunk_reader() : nullptr)
        chunks->release_to_carry();
}

int GranuleReader::beam_index(const std::string& group) const {
  for (std::size_t b = 0; b < beams_.size(); ++b)
    if (beams_[b].group == group) return static_cast<int>(b);
  return -1;
}

bool GranuleReader::is_healgrid_output() const {
  return H5Aexists(file_.get(), schema::kHealgridVersion) > 0;
}

std::string GranuleReader::variable_attribute(int var, const std::string& name) const {
  if (var < 0) return "";
  for (const auto& beam : columns_) {  // the first beam with data (empty beams open nothing)
    if (beam.variables.empty()) continue;
    const auto& column = beam.variables.at(static_cast<std::size_t>(var));
    return column ? h5::string_attribute(column->dataset(), name.c_str()) : "";
  }
  return "";
}

std::vector<std::string> GranuleReader::dataset_units() const {
  HEALGRID_REQUIRE(opened_ == Columns::all, "a reader opened with every column");
  std::vector<std::string> units;
  std::vector<std::string> beam_of;  // the beam each unit came from, for the error
  auto add = [&](std::size_t k, std::size_t b, const DatasetColumn* column) {
    if (!column) return;
    const auto u = h5::string_attribute(column->dataset(), "units");
    if (u.empty()) return;
    if (units[k].empty()) {
      units[k] = u;
      beam_of[k] = beams_[b].group;
    } else if (u != units[k]) {
      throw GranuleError(path_ + ": dataset " + column->path() + " has units \"" + u +
                         "\" in beam " + beams_[b].group + " and \"" + units[k] + "\" in beam " +
                         beam_of[k] + ": its beams disagree");
    }
  };
  for (std::size_t b = 0; b < columns_.size(); ++b) {
    const Beam& beam = columns_[b];
    // A beam without points has no columns opened: it must not cut the others' units short.
    const std::size_t n = beam.variables.size() + beam.filters.size();
    units.resize(std::max(units.size(), n));
    beam_of.resize(units.size());
    for (std::size_t v = 0; v < beam.variables.size(); ++v) add(v, b, beam.variables[v].get());
    for (std::size_t f = 0; f < beam.filters.size(); ++f)
      add(beam.variables.size() + f, b, beam.filters[f].get());
  }
  return units;
}

std::string check_config_against_granules(const PipelineConfig& config,
                                          const std::vector<std::string>& paths,
                                          std::size_t max_granules) {
  std::string first_mismatch;
  std::size_t looked_at = 0, opened = 0;
  for (const auto& path : paths) {
    // Beamless and unreadable granules tell nothing: give up on them after a few more.
    if (looked_at == max_granules || opened++ == 4 * max_granules) break;
    try {
      const GranuleReader reader(path, config);
      if (reader.beams().empty()) continue;  // holds none of the groups: tells nothing
      return "";  // a granule fits the config: any other mismatch is that granule's problem
    } catch (const DatasetMismatch& e) {
      if (first_mismatch.empty()) first_mismatch = e.what();
    } catch (const MissingLatitude& e) {  // in every granule looked at: the config's path
      if (first_mismatch.empty()) first_mismatch = e.as_config_error();
    } catch (const GranuleError&) {
      continue;  // unreadable: the index pass reports it
    }
    ++looked_at;
  }
  return first_mismatch;
}

GroupCoverage check_group_coverage(const PipelineConfig& config,
                                   const std::vector<long long>& beams_per_group,
                                   long long readable_granules, long long unreadable_granules) {
  GroupCoverage out;
  if (config.groups.size() == 1 && config.groups[0].empty()) return out;  // a flat config
  // No readable granule: the granules' own errors say why; a group warning would only read as
  // a wrong path.
  if (readable_granules == 0) return out;
  const std::string among = unreadable_granules == 0
                                ? "in no granule"
                                : "in none of the " + std::to_string(readable_granules) +
                                      " readable granules (" + std::to_string(unreadable_granules) +
                                      " could not be read)";
  std::string all;
  for (std::size_t i = 0; i < config.groups.size(); ++i) {
    all += (all.empty() ? "" : ", ") + config.groups[i];
    if (beams_per_group.at(i) == 0)
      // The dataset, not the group: a granule may hold the group without it (an empty beam).
      out.warnings.push_back("group " + config.groups[i] + " (groups[" + std::to_string(i) +
                             "]): its latitude " + expand_group(config.latitude, config.groups[i]) +
                             " is " + among);
  }
  if (out.warnings.size() == config.groups.size() && readable_granules > 0)
    out.error = "groups: none of the configured groups (" + all + ") is in any of the " +
                std::to_string(readable_granules) + " readable granules (looked for " +
                config.latitude + "): check groups and coordinates.latitude";
  return out;
}

std::string GranuleReader::data_elsewhere() const {
  if (!levels_elsewhere_.empty()) return levels_elsewhere_;
  for (const auto& b : columns_) {
    std::vector<const DatasetColumn*> all = {b.lat.get(), b.lon.get(), b.time.get(),
                                             b.segment_lat.get(), b.segment_lon.get()};
    for (const auto& f : b.filters) all.push_back(f.get());
    for (const auto& v : b.variables) all.push_back(v.get());
    for (const auto* c : all)
      if (c && !c->data_elsewhere().empty())
        return "dataset " + c->path() + ": " + c->data_elsewhere();
  }
  return "";
}

}  // namespace healgrid
