#include "healgrid/read/granule_reader.hpp"

#include <cmath>
#include <cstdlib>

namespace healgrid {
namespace {

std::string with_cause(const std::string& msg) {
  const auto cause = h5_error_line();
  return cause.empty() ? msg : msg + " (HDF5: " + cause + ")";
}

// Reads a numeric scalar attribute as double; false when absent.
bool read_double_attribute(hid_t obj, const char* name, double& out) {
  if (H5Aexists(obj, name) <= 0) return false;
  H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return false;
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  const auto cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return false;
  H5Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return false;
  return H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &out) >= 0;
}

std::string read_string_attribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return "";
  H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    char* value = nullptr;
    H5Handle mem(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), H5Tclose);
    if (H5Aread(attr.get(), mem.get(), &value) < 0 || !value) return "";
    std::string out(value);
    H5free_memory(value);
    return out;
  }
  std::string out(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), out.data()) < 0) return "";
  out.resize(out.find('\0') == std::string::npos ? out.size() : out.find('\0'));
  while (!out.empty() && out.back() == ' ') out.pop_back();  // space-padded strings
  return out;
}

bool direct_chunks_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("HEALGRID_DIRECT_CHUNKS");
    return !(v && std::string(v) == "0");
  }();
  return enabled;
}

}  // namespace

GranuleReader::GranuleReader(const std::string& path, const PipelineConfig& config)
    : path_(path), filters_(config.filters) {
  h5_quiet_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw GranuleError(path + ": " + with_cause("not a readable HDF5 file"));
  }
  file_ = H5Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file_.valid()) throw GranuleError(path + ": " + with_cause("cannot open HDF5 file"));

  is_sigma_.assign(config.variables.size(), false);
  for (const auto& s : config.statistics)
    if (!s.sigma.empty()) is_sigma_[config.variable_index(s.sigma)] = true;

  for (const auto& group : config.groups) {
    const auto lat_path = expand_group(config.latitude, group);
    if (!h5_path_exists(file_.get(), lat_path)) continue;  // beam absent from this granule
    Beam beam;
    std::uint64_t rows = 0;
    beam.lat = open_column(lat_path, 0, true, &rows);
    beam.lon = open_column(expand_group(config.longitude, group), rows, false, nullptr);
    for (const auto& f : config.filters)
      beam.filters.push_back(open_column(expand_group(f.dataset, group), rows, false, nullptr));
    for (const auto& v : config.variables)
      beam.variables.push_back(open_column(expand_group(v.dataset, group), rows, false, nullptr));
    beams_.push_back({group, rows});
    columns_.push_back(std::move(beam));
  }
}

GranuleReader::Column GranuleReader::open_column(const std::string& path,
                                                 std::uint64_t expected_rows, bool set_rows,
                                                 std::uint64_t* rows) const {
  if (!h5_path_exists(file_.get(), path)) throw GranuleError(path_ + ": missing dataset " + path);
  Column c;
  c.path = path;
  c.dataset = H5Handle(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!c.dataset.valid())
    throw GranuleError(path_ + ": " + with_cause("cannot open dataset " + path));
  H5Handle type(H5Dget_type(c.dataset.get()), H5Tclose);
  const auto cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw GranuleError(path_ + ": dataset " + path + " is not numeric");
  H5Handle space(H5Dget_space(c.dataset.get()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 1)
    throw GranuleError(path_ + ": dataset " + path + " is not 1-D");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  if (set_rows) {
    *rows = n;
  } else if (n != expected_rows) {
    throw GranuleError(path_ + ": dataset " + path + " has " + std::to_string(n) +
                       " rows, latitude has " + std::to_string(expected_rows));
  }
  c.has_fill = read_double_attribute(c.dataset.get(), "_FillValue", c.fill);
  if (direct_chunks_enabled()) {
    c.chunks = std::make_unique<ChunkReader>(c.dataset.get());
    if (!c.chunks->supported()) c.chunks.reset();
  }
  return c;
}

void GranuleReader::read_column(const Column& c, std::uint64_t row0, std::uint64_t n,
                                std::vector<double>& out) const {
  out.resize(n);
  if (n == 0) return;
  if (c.chunks) {
    try {
      c.chunks->read(row0, n, out.data());
      return;
    } catch (const std::exception& e) {
      throw GranuleError(path_ + ": cannot read dataset " + c.path + ": " + e.what());
    }
  }
  H5Handle file_space(H5Dget_space(c.dataset.get()), H5Sclose);
  const hsize_t start = row0, count = n;
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr);
  H5Handle mem_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  if (H5Dread(c.dataset.get(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT,
              out.data()) < 0) {
    throw GranuleError(path_ + ": " +
                       with_cause("cannot read dataset " + c.path + " rows " +
                                  std::to_string(row0) + ".." + std::to_string(row0 + n)));
  }
}

void GranuleReader::read(std::size_t beam, std::uint64_t row0, std::uint64_t n, bool with_variables,
                         BeamChunk& out) const {
  const Beam& b = columns_.at(beam);
  out.row0 = row0;
  read_column(b.lat, row0, n, out.lat);
  read_column(b.lon, row0, n, out.lon);
  out.valid.assign(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const double lat = out.lat[i], lon = out.lon[i];
    if (!(lat >= -90.0 && lat <= 90.0) || !std::isfinite(lon) ||
        (b.lat.has_fill && lat == b.lat.fill) || (b.lon.has_fill && lon == b.lon.fill))
      out.valid[i] = 0;
  }
  auto& buffer = filter_values_;
  for (std::size_t f = 0; f < b.filters.size(); ++f) {
    read_column(b.filters[f], row0, n, buffer);
    const auto& spec = filters_[f];
    for (std::size_t i = 0; i < n; ++i)
      if (!filter_passes(spec.op, buffer[i], spec.value)) out.valid[i] = 0;
  }
  out.values.resize(with_variables ? b.variables.size() : 0);
  if (with_variables) check_variables(b, row0, n, out);
}

void GranuleReader::check_variables(const Beam& b, std::uint64_t row0, std::uint64_t n,
                                    BeamChunk& out) const {
  out.values.resize(b.variables.size());
  for (std::size_t v = 0; v < b.variables.size(); ++v) {
    auto& values = out.values[v];
    const Column& c = b.variables[v];
    read_column(c, row0, n, values);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = values[i];
      if (!std::isfinite(x) || (c.has_fill && x == c.fill) || (is_sigma_[v] && !(x > 0)))
        out.valid[i] = 0;
    }
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

int GranuleReader::beam_index(const std::string& group) const {
  for (std::size_t b = 0; b < beams_.size(); ++b)
    if (beams_[b].group == group) return static_cast<int>(b);
  return -1;
}

std::string GranuleReader::variable_attribute(int var, const std::string& name) const {
  if (columns_.empty() || var < 0) return "";
  return read_string_attribute(columns_.front().variables.at(var).dataset.get(), name.c_str());
}

}  // namespace healgrid
