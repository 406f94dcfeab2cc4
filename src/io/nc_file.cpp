#include "healgrid/io/nc_file.hpp"

#include <netcdf_par.h>

#include <exception>
#include <stdexcept>
#include <utility>

namespace healgrid::io {

NcFile NcFile::open_read(const std::string& path) {
  int id = -1;
  const int status = nc_open(path.c_str(), NC_NOWRITE, &id);
  if (status != NC_NOERR)
    throw std::runtime_error(path + ": cannot open as NetCDF: " + nc_strerror(status));
  return NcFile(path, id, false);
}

NcFile NcFile::create_parallel(const std::string& path, MPI_Comm comm) {
  int id = -1;
  const int status = nc_create_par(path.c_str(), NC_NETCDF4 | NC_CLOBBER, comm, MPI_INFO_NULL, &id);
  if (status != NC_NOERR)
    throw std::runtime_error(path + ": NetCDF create: " + nc_strerror(status));
  return NcFile(path, id, true);
}

NcFile::NcFile(NcFile&& other) noexcept
    : path_(std::move(other.path_)),
      id_(std::exchange(other.id_, -1)),
      parallel_(other.parallel_),
      owns_(other.owns_) {}

NcFile::~NcFile() {
  if (id_ < 0 || !owns_) return;
  if (!parallel_ || std::uncaught_exceptions() == 0) nc_close(id_);
}

void NcFile::check(int status, const std::string& what) const {
  if (status != NC_NOERR)
    throw std::runtime_error(path_ + ": NetCDF " + what + ": " + nc_strerror(status));
}

void NcFile::close() {
  const int id = std::exchange(id_, -1);
  if (owns_) check(nc_close(id), "close");
}

NcFile NcFile::create_group(const std::string& path) {
  int id = id_;
  for (std::size_t begin = 0; begin < path.size();) {
    auto end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    const std::string name = path.substr(begin, end - begin);
    int child = -1;
    if (nc_inq_ncid(id, name.c_str(), &child) != NC_NOERR)
      check(nc_def_grp(id, name.c_str(), &child), "define group " + path);
    id = child;
    begin = end + 1;
  }
  return NcFile(path_ + ":/" + path, id, parallel_, false);
}

std::optional<NcFile> NcFile::find_group(const std::string& path) const {
  int id = id_;
  for (std::size_t begin = 0; begin < path.size();) {
    auto end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    int child = -1;
    if (nc_inq_ncid(id, path.substr(begin, end - begin).c_str(), &child) != NC_NOERR)
      return std::nullopt;
    id = child;
    begin = end + 1;
  }
  return NcFile(path_ + ":/" + path, id, parallel_, false);
}

std::vector<std::string> NcFile::group_names() const {
  int count = 0;
  check(nc_inq_grps(id_, &count, nullptr), "list groups");
  std::vector<int> ids(static_cast<std::size_t>(count));
  if (count > 0) check(nc_inq_grps(id_, &count, ids.data()), "list groups");
  std::vector<std::string> names;
  for (const int g : ids) {
    char name[NC_MAX_NAME + 1] = {};
    check(nc_inq_grpname(g, name), "group name");
    names.emplace_back(name);
  }
  return names;
}

std::string NcFile::about(int var) const {
  return var == kNcGlobal ? std::string("global attributes") : "variable " + var_name(var);
}

int NcFile::def_dim(const std::string& name, std::size_t length) {
  int dim = -1;
  check(nc_def_dim(id_, name.c_str(), length, &dim), "define dimension " + name);
  return dim;
}

int NcFile::def_var(const std::string& name, nc_type type, const std::vector<int>& dims) {
  int var = -1;
  check(nc_def_var(id_, name.c_str(), type, static_cast<int>(dims.size()), dims.data(), &var),
        "define variable " + name);
  return var;
}

void NcFile::def_chunked(int var, std::size_t chunk, int deflate_level) {
  check(nc_def_var_chunking(id_, var, NC_CHUNKED, &chunk), "chunking of " + about(var));
  if (deflate_level > 0)
    check(nc_def_var_deflate(id_, var, 1, 1, deflate_level), "deflate of " + about(var));
}

void NcFile::def_chunked(int var, const std::vector<std::size_t>& chunks, int deflate_level) {
  check(nc_def_var_chunking(id_, var, NC_CHUNKED, chunks.data()), "chunking of " + about(var));
  if (deflate_level > 0)
    check(nc_def_var_deflate(id_, var, 1, 1, deflate_level), "deflate of " + about(var));
}

void NcFile::def_fill(int var, int fill) {
  check(nc_def_var_fill(id_, var, NC_FILL, &fill), "fill value of " + about(var));
}

void NcFile::def_fill(int var, float fill) {
  check(nc_def_var_fill(id_, var, NC_FILL, &fill), "fill value of " + about(var));
}

void NcFile::set_collective(int var) {
  check(nc_var_par_access(id_, var, NC_COLLECTIVE), "collective access to " + about(var));
}

void NcFile::put_att(int var, const std::string& name, const std::string& text) {
  check(nc_put_att_text(id_, var, name.c_str(), text.size(), text.c_str()),
        about(var) + ": attribute " + name);
}

void NcFile::put_att_int(int var, const std::string& name, int value) {
  check(nc_put_att_int(id_, var, name.c_str(), NC_INT, 1, &value),
        about(var) + ": attribute " + name);
}

void NcFile::put_att_int64(int var, const std::string& name, long long value) {
  check(nc_put_att_longlong(id_, var, name.c_str(), NC_INT64, 1, &value),
        about(var) + ": attribute " + name);
}

void NcFile::put_att_double(int var, const std::string& name, double value) {
  check(nc_put_att_double(id_, var, name.c_str(), NC_DOUBLE, 1, &value),
        about(var) + ": attribute " + name);
}

void NcFile::end_define() { check(nc_enddef(id_), "end of definitions"); }

void NcFile::put(int var, std::size_t start, std::size_t count, const unsigned long long* values) {
  check(nc_put_vara_ulonglong(id_, var, &start, &count, values), "write " + about(var));
}

void NcFile::put(int var, std::size_t start, std::size_t count, const int* values) {
  check(nc_put_vara_int(id_, var, &start, &count, values), "write " + about(var));
}

void NcFile::put(int var, std::size_t start, std::size_t count, const float* values) {
  check(nc_put_vara_float(id_, var, &start, &count, values), "write " + about(var));
}

void NcFile::put(int var, std::size_t start, std::size_t count, const long long* values) {
  check(nc_put_vara_longlong(id_, var, &start, &count, values), "write " + about(var));
}

void NcFile::put(int var, const Extent& start, const Extent& count, const int* values) {
  check(nc_put_vara_int(id_, var, start.data(), count.data(), values), "write " + about(var));
}

void NcFile::put(int var, const Extent& start, const Extent& count, const float* values) {
  check(nc_put_vara_float(id_, var, start.data(), count.data(), values), "write " + about(var));
}

void NcFile::put(int var, const Extent& start, const Extent& count, const double* values) {
  check(nc_put_vara_double(id_, var, start.data(), count.data(), values), "write " + about(var));
}

void NcFile::put_text_rows(int var, std::size_t rows, std::size_t width, const char* values) {
  const std::size_t start[2] = {0, 0}, count[2] = {rows, width};
  check(nc_put_vara_text(id_, var, start, count, values), "write " + about(var));
}

std::optional<int> NcFile::find_var(const std::string& name) const {
  int var = -1;
  if (nc_inq_varid(id_, name.c_str(), &var) != NC_NOERR) return std::nullopt;
  return var;
}

int NcFile::var_id(const std::string& name) const {
  int var = -1;
  check(nc_inq_varid(id_, name.c_str(), &var), "variable " + name);
  return var;
}

std::string NcFile::var_name(int var) const {
  char name[NC_MAX_NAME + 1] = {};
  check(nc_inq_varname(id_, var, name), "name of variable " + std::to_string(var));
  return name;
}

std::vector<std::string> NcFile::var_names() const {
  int nvars = 0;
  check(nc_inq_nvars(id_, &nvars), "number of variables");
  std::vector<std::string> names;
  for (int v = 0; v < nvars; ++v) names.push_back(var_name(v));
  return names;
}

std::vector<std::string> NcFile::var_dim_names(int var) const {
  int ndims = 0;
  check(nc_inq_varndims(id_, var, &ndims), "dimensions of " + about(var));
  std::vector<int> dims(ndims);
  check(nc_inq_vardimid(id_, var, dims.data()), "dimension ids of " + about(var));
  std::vector<std::string> names;
  for (int d : dims) {
    char name[NC_MAX_NAME + 1] = {};
    check(nc_inq_dimname(id_, d, name), "dimension name");
    names.emplace_back(name);
  }
  return names;
}

std::size_t NcFile::dim_length(const std::string& dim) const {
  int id = -1;
  check(nc_inq_dimid(id_, dim.c_str(), &id), "dimension " + dim);
  std::size_t len = 0;
  check(nc_inq_dimlen(id_, id, &len), "length of dimension " + dim);
  return len;
}

std::string NcFile::var_type_name(int var) const {
  nc_type type = NC_NAT;
  check(nc_inq_vartype(id_, var, &type), "type of " + about(var));
  switch (type) {
    case NC_BYTE:
      return "int8";
    case NC_UBYTE:
      return "uint8";
    case NC_CHAR:
      return "char";
    case NC_SHORT:
      return "int16";
    case NC_USHORT:
      return "uint16";
    case NC_INT:
      return "int32";
    case NC_UINT:
      return "uint32";
    case NC_INT64:
      return "int64";
    case NC_UINT64:
      return "uint64";
    case NC_FLOAT:
      return "float32";
    case NC_DOUBLE:
      return "float64";
    case NC_STRING:
      return "string";
    default:
      return "other";
  }
}

std::vector<std::string> NcFile::att_names(int var) const {
  int natts = 0;
  if (var == kNcGlobal) {
    check(nc_inq_natts(id_, &natts), "number of global attributes");
  } else {
    check(nc_inq_varnatts(id_, var, &natts), "number of attributes of " + about(var));
  }
  std::vector<std::string> names;
  for (int a = 0; a < natts; ++a) {
    char name[NC_MAX_NAME + 1] = {};
    check(nc_inq_attname(id_, var, a, name), "attribute name of " + about(var));
    names.emplace_back(name);
  }
  return names;
}

std::optional<std::string> NcFile::text_att(int var, const std::string& name) const {
  nc_type type = NC_NAT;
  std::size_t len = 0;
  if (nc_inq_att(id_, var, name.c_str(), &type, &len) != NC_NOERR || type != NC_CHAR)
    return std::nullopt;
  std::string value(len, '\0');
  check(nc_get_att_text(id_, var, name.c_str(), value.data()), about(var) + ": attribute " + name);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

std::optional<double> NcFile::number_att(int var, const std::string& name) const {
  nc_type type = NC_NAT;
  std::size_t len = 0;
  if (nc_inq_att(id_, var, name.c_str(), &type, &len) != NC_NOERR || len != 1 || type == NC_CHAR ||
      type == NC_STRING)
    return std::nullopt;
  double value = 0;
  check(nc_get_att_double(id_, var, name.c_str(), &value), about(var) + ": attribute " + name);
  return value;
}

std::size_t NcFile::var_length(int var) const {
  const auto dims = var_dim_names(var);
  if (dims.size() != 1)
    throw std::runtime_error(path_ + ": " + about(var) + " is not one-dimensional");
  return dim_length(dims[0]);
}

std::vector<double> NcFile::read_doubles(int var) const {
  std::vector<double> values(var_length(var));
  if (!values.empty()) check(nc_get_var_double(id_, var, values.data()), "read " + about(var));
  return values;
}

std::vector<double> NcFile::read_doubles_row(int var, std::size_t row) const {
  const auto dims = var_dim_names(var);
  if (dims.size() != 2) throw std::runtime_error(path_ + ": " + about(var) + " is not 2-D");
  const std::size_t start[2] = {row, 0}, count[2] = {1, dim_length(dims[1])};
  std::vector<double> values(count[1]);
  if (!values.empty())
    check(nc_get_vara_double(id_, var, start, count, values.data()), "read " + about(var));
  return values;
}

std::vector<std::uint64_t> NcFile::read_uint64(int var) const {
  std::vector<unsigned long long> values(var_length(var));
  if (!values.empty()) check(nc_get_var_ulonglong(id_, var, values.data()), "read " + about(var));
  return {values.begin(), values.end()};
}

std::vector<std::string> NcFile::read_strings(int var) const {
  const auto dims = var_dim_names(var);
  if (dims.size() != 2)
    throw std::runtime_error(path_ + ": " + about(var) + " is not (rows, strlen)");
  const std::size_t rows = dim_length(dims[0]), width = dim_length(dims[1]);
  std::string buffer(rows * width, '\0');
  if (!buffer.empty()) check(nc_get_var_text(id_, var, buffer.data()), "read " + about(var));
  std::vector<std::string> out;
  for (std::size_t r = 0; r < rows; ++r) {
    std::string s = buffer.substr(r * width, width);
    while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
    out.push_back(s);
  }
  return out;
}

}  // namespace healgrid::io
