#include "healgrid/render/nc_reader.hpp"

#include <netcdf.h>

#include <stdexcept>

namespace healgrid {

NcReader::NcReader(const std::string& path) : path_(path) {
  const int status = nc_open(path.c_str(), NC_NOWRITE, &id_);
  if (status != NC_NOERR) {
    id_ = -1;
    throw std::runtime_error(path + ": cannot open as NetCDF: " + nc_strerror(status));
  }
}

NcReader::~NcReader() {
  if (id_ >= 0) nc_close(id_);
}

void NcReader::check(int status, const std::string& what) const {
  if (status != NC_NOERR)
    throw std::runtime_error(path_ + ": NetCDF " + what + ": " + nc_strerror(status));
}

std::optional<int> NcReader::find_var(const std::string& name) const {
  int var = -1;
  if (nc_inq_varid(id_, name.c_str(), &var) != NC_NOERR) return std::nullopt;
  return var;
}

int NcReader::var_id(const std::string& name) const {
  int var = -1;
  check(nc_inq_varid(id_, name.c_str(), &var), "variable " + name);
  return var;
}

std::vector<std::string> NcReader::var_names() const {
  int nvars = 0;
  check(nc_inq_nvars(id_, &nvars), "number of variables");
  std::vector<std::string> names;
  for (int v = 0; v < nvars; ++v) {
    char name[NC_MAX_NAME + 1] = {};
    check(nc_inq_varname(id_, v, name), "variable name");
    names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> NcReader::var_dim_names(int var) const {
  int ndims = 0;
  check(nc_inq_varndims(id_, var, &ndims), "dimensions of a variable");
  std::vector<int> dims(ndims);
  check(nc_inq_vardimid(id_, var, dims.data()), "dimension ids");
  std::vector<std::string> names;
  for (int d : dims) {
    char name[NC_MAX_NAME + 1] = {};
    check(nc_inq_dimname(id_, d, name), "dimension name");
    names.emplace_back(name);
  }
  return names;
}

std::size_t NcReader::dim_length(const std::string& dim) const {
  int id = -1;
  check(nc_inq_dimid(id_, dim.c_str(), &id), "dimension " + dim);
  std::size_t len = 0;
  check(nc_inq_dimlen(id_, id, &len), "length of dimension " + dim);
  return len;
}

std::string NcReader::var_type_name(int var) const {
  nc_type type = NC_NAT;
  check(nc_inq_vartype(id_, var, &type), "variable type");
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

std::optional<std::string> NcReader::text_att(int var, const std::string& name) const {
  nc_type type = NC_NAT;
  std::size_t len = 0;
  if (nc_inq_att(id_, var, name.c_str(), &type, &len) != NC_NOERR || type != NC_CHAR)
    return std::nullopt;
  std::string value(len, '\0');
  check(nc_get_att_text(id_, var, name.c_str(), value.data()), "attribute " + name);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

std::optional<double> NcReader::number_att(int var, const std::string& name) const {
  nc_type type = NC_NAT;
  std::size_t len = 0;
  if (nc_inq_att(id_, var, name.c_str(), &type, &len) != NC_NOERR || len != 1 || type == NC_CHAR ||
      type == NC_STRING)
    return std::nullopt;
  double value = 0;
  check(nc_get_att_double(id_, var, name.c_str(), &value), "attribute " + name);
  return value;
}

std::size_t NcReader::var_length(int var) const {
  int ndims = 0;
  check(nc_inq_varndims(id_, var, &ndims), "dimensions of a variable");
  if (ndims != 1) {
    char name[NC_MAX_NAME + 1] = {};
    nc_inq_varname(id_, var, name);
    throw std::runtime_error(path_ + ": variable " + name + " is not one-dimensional");
  }
  int dim = -1;
  check(nc_inq_vardimid(id_, var, &dim), "dimension id");
  std::size_t len = 0;
  check(nc_inq_dimlen(id_, dim, &len), "dimension length");
  return len;
}

std::vector<double> NcReader::read_doubles(int var) const {
  std::vector<double> values(var_length(var));
  if (!values.empty()) check(nc_get_var_double(id_, var, values.data()), "read variable");
  return values;
}

std::vector<std::uint64_t> NcReader::read_uint64(int var) const {
  std::vector<unsigned long long> values(var_length(var));
  if (!values.empty()) check(nc_get_var_ulonglong(id_, var, values.data()), "read variable");
  return {values.begin(), values.end()};
}

std::vector<std::string> NcReader::read_strings(int var) const {
  int ndims = 0;
  check(nc_inq_varndims(id_, var, &ndims), "dimensions of a variable");
  int dims[2] = {-1, -1};
  if (ndims != 2) throw std::runtime_error(path_ + ": char variable is not (rows, strlen)");
  check(nc_inq_vardimid(id_, var, dims), "dimension ids");
  std::size_t rows = 0, width = 0;
  check(nc_inq_dimlen(id_, dims[0], &rows), "dimension length");
  check(nc_inq_dimlen(id_, dims[1], &width), "dimension length");
  std::string buffer(rows * width, '\0');
  if (!buffer.empty()) check(nc_get_var_text(id_, var, buffer.data()), "read char variable");
  std::vector<std::string> out;
  for (std::size_t r = 0; r < rows; ++r) {
    std::string s = buffer.substr(r * width, width);
    while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
    out.push_back(s);
  }
  return out;
}

}  // namespace healgrid
