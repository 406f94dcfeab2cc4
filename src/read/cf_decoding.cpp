#include "healgrid/read/cf_decoding.hpp"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/util/cpu_features.hpp"

namespace healgrid {
namespace {

// The dataset's number type as its values are meant: what a fill value must be representable
// in. netCDF's `_Unsigned` attribute ("true" on a signed integer type, "false" on an unsigned
// one) says the bits mean the other sign; `reinterpret` is then +1 (to unsigned) or -1.
struct StoredType {
  bool is_float = true;
  std::size_t size = 8;
  long double min = 0, max = 0;  // integers only
  std::string name;
  int reinterpret = 0;
  long double modulus = 0;  // 2^bits (integers)
  H5Handle float_type;      // a float format other than IEEE binary32/64 (float16...)
};

StoredType stored_type(hid_t dataset) {
  const H5Handle stored(H5Dget_type(dataset), H5Tclose);
  const H5Handle type = h5::value_type(stored.get());
  StoredType t;
  t.size = H5Tget_size(type.get());
  if (H5Tget_class(type.get()) != H5T_INTEGER) {
    t.name = "float" + std::to_string(8 * t.size);
    if (H5Tequal(type.get(), H5T_NATIVE_FLOAT) <= 0 && H5Tequal(type.get(), H5T_NATIVE_DOUBLE) <= 0)
      t.float_type = H5Handle(H5Tcopy(type.get()), H5Tclose);
    return t;
  }
  t.is_float = false;
  bool sign = H5Tget_sign(type.get()) == H5T_SGN_2;
  if (H5Aexists(dataset, "_Unsigned") > 0) {
    const std::string meant = h5::string_attribute(dataset, "_Unsigned");
    if (meant != "true" && meant != "false")
      throw CfAttributeError("attribute _Unsigned is '" + meant + "', expected true or false");
    if (sign && meant == "true") t.reinterpret = 1;
    if (!sign && meant == "false") t.reinterpret = -1;
    sign = sign != (t.reinterpret != 0);
  }
  const int bits = static_cast<int>(8 * t.size);
  t.modulus = std::ldexp(1.0L, bits);
  t.min = sign ? -std::ldexp(1.0L, bits - 1) : 0.0L;
  t.max = (sign ? std::ldexp(1.0L, bits - 1) : std::ldexp(1.0L, bits)) - 1.0L;
  t.name = (sign ? "int" : "uint") + std::to_string(bits) + (t.reinterpret ? " (_Unsigned)" : "");
  return t;
}

// An integer attribute written in the stored sign (netCDF writes an _Unsigned variable's
// _FillValue in the variable's own, signed type) as the meant value.
long double meant_value(long double x, const StoredType& t) {
  if (t.reinterpret > 0 && x < 0) return x + t.modulus;
  if (t.reinterpret < 0 && x >= t.modulus / 2) return x - t.modulus;
  return x;
}

std::string number_text(long double x) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17Lg", x);
  return text;
}

// `x` rounded to the stored float format, as double (an infinity beyond its largest value).
double rounded_to_float(long double x, const StoredType& t) {
  if (t.float_type.valid()) {  // another format (float16...): HDF5 converts there and back
    // Converted in place: the buffer holds the larger of the two types (a 16-byte long double).
    alignas(16) unsigned char buffer[64] = {};
    const std::size_t size = H5Tget_size(t.float_type.get());
    const double value = static_cast<double>(x);
    std::memcpy(buffer, &value, sizeof value);
    if (size == 0 || size > sizeof buffer ||
        H5Tconvert(H5T_NATIVE_DOUBLE, t.float_type.get(), 1, buffer, nullptr, H5P_DEFAULT) < 0 ||
        H5Tconvert(t.float_type.get(), H5T_NATIVE_DOUBLE, 1, buffer, nullptr, H5P_DEFAULT) < 0)
      throw CfAttributeError("values of the dataset's type " + t.name + " cannot be converted");
    double back = 0;
    std::memcpy(&back, buffer, sizeof back);
    return back;
  }
  return t.size == 4 ? static_cast<double>(static_cast<float>(x)) : static_cast<double>(x);
}

// `x` as a value of the stored type (a float rounded to its format; an integer exact); throws
// when the type cannot hold it, since it could then never match.
long double as_stored_exact(long double x, const StoredType& t, const std::string& what) {
  const auto unusable = [&] {
    throw CfAttributeError(what + " " + number_text(x) + " is not a value of the dataset's type " +
                           t.name + " (it can never match a stored value" +
                           (what == "sentinel" ? "; a sentinel is compared with the stored value, "
                                                 "before scale_factor and add_offset"
                                               : "") +
                           ")");
  };
  if (t.is_float) {
    if (std::isnan(x)) return std::nan("");
    const double stored = rounded_to_float(x, t);
    // Beyond the format's largest value (float32: from 2^128 - 2^103 on) there is no such float.
    if (std::isfinite(x) && !std::isfinite(stored)) unusable();
    return stored;
  }
  if (!std::isfinite(x) || x != std::floor(x) || x < t.min || x > t.max) unusable();
  return x;
}

// A numeric attribute's values (integers read exactly through 64-bit integers); absent: empty.
std::vector<long double> numeric_attribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return {};
  const std::string what = std::string("attribute ") + name;
  H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw CfAttributeError(what + " cannot be opened");
  const H5Handle stored(H5Aget_type(attr.get()), H5Tclose);
  const H5Handle type = h5::value_type(stored.get());  // an enum's fill: its integer
  const auto cls = H5Tget_class(type.get());
  if (cls == H5T_STRING) throw CfAttributeError(what + " is a string, not a number");
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) throw CfAttributeError(what + " is not numeric");
  H5Handle space(H5Aget_space(attr.get()), H5Sclose);
  const auto n = H5Sget_simple_extent_npoints(space.get());
  if (n <= 0) throw CfAttributeError(what + " holds no value");
  std::vector<long double> out(static_cast<std::size_t>(n));
  herr_t rc = -1;
  if (cls == H5T_FLOAT) {
    std::vector<double> v(out.size());
    rc = H5Aread(attr.get(), H5T_NATIVE_DOUBLE, v.data());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i];
  } else if (H5Tget_sign(type.get()) == H5T_SGN_2) {
    std::vector<long long> v(out.size());
    rc = H5Aread(attr.get(), H5T_NATIVE_LLONG, v.data());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<long double>(v[i]);
  } else {
    std::vector<unsigned long long> v(out.size());
    rc = H5Aread(attr.get(), H5T_NATIVE_ULLONG, v.data());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<long double>(v[i]);
  }
  if (rc < 0) throw CfAttributeError(what + " cannot be read (" + h5_error_line() + ")");
  return out;
}

std::vector<long double> attribute_of_length(hid_t obj, const char* name, std::size_t length) {
  auto v = numeric_attribute(obj, name);
  if (!v.empty() && v.size() != length)
    throw CfAttributeError(std::string("attribute ") + name + " has " + std::to_string(v.size()) +
                           " values, expected " + std::to_string(length));
  return v;
}

// Whether attribute `name` exists and holds floating-point numbers.
bool float_attribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return false;
  H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  return H5Tget_class(type.get()) == H5T_FLOAT;
}

bool float32_attribute(hid_t obj, const char* name) {
  H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  return H5Tget_class(type.get()) == H5T_FLOAT && H5Tget_size(type.get()) == 4;
}

double finite_value(long double x, const char* name) {
  if (!std::isfinite(x))
    throw CfAttributeError(std::string("attribute ") + name + " is not a finite number");
  return static_cast<double>(x);
}

// A bound of the valid range, in the dataset's own type for a float dataset (a float64
// valid_max of 0.1 on float32 data is the float32 0.1, as netCDF4-python reads it).
long double range_bound(long double x, const StoredType& t, const char* name) {
  finite_value(x, name);
  return t.is_float ? rounded_to_float(x, t) : x;
}

// Whether `dataset` is a variable of a netCDF-4 file: the file's root has netCDF's
// `_NCProperties` (netCDF-C 4.4.1 on), or the dataset carries netCDF's own dimension attributes
// (`_Netcdf4Dimid`, `_Netcdf4Coordinates`; older netCDF-C). h5py and ICESat-2 files have none.
bool netcdf4_variable(hid_t dataset) {
  if (H5Aexists(dataset, "_Netcdf4Dimid") > 0 || H5Aexists(dataset, "_Netcdf4Coordinates") > 0)
    return true;
  H5Handle file(H5Iget_file_id(dataset), H5Fclose);
  return file.valid() && H5Aexists_by_name(file.get(), "/", "_NCProperties", H5P_DEFAULT) > 0;
}

// netCDF's default fill value of the dataset's stored type (netcdf.h NC_FILL_*), which marks
// unwritten data of a variable without `_FillValue`; none for 1-byte types (the netCDF User
// Guide: no default fill is assumed for bytes) nor for types netCDF does not have, nor for an
// enum (netCDF-C gives user-defined types none).
std::vector<long double> netcdf_default_fill(hid_t dataset) {
  H5Handle type(H5Dget_type(dataset), H5Tclose);
  if (H5Tget_class(type.get()) == H5T_ENUM) return {};
  const auto size = H5Tget_size(type.get());
  if (H5Tget_class(type.get()) == H5T_FLOAT) {
    if (size == 4) return {static_cast<long double>(9.9692099683868690e+36f)};
    if (size == 8) return {static_cast<long double>(9.9692099683868690e+36)};
    return {};
  }
  const bool sign = H5Tget_sign(type.get()) == H5T_SGN_2;
  switch (size) {
    case 2:
      return {sign ? -32767.0L : 65535.0L};
    case 4:
      return {sign ? -2147483647.0L : 4294967295.0L};
    case 8:
      return {sign ? -9223372036854775806.0L : 18446744073709551614.0L};
    default:
      return {};
  }
}

// The fill value: `_FillValue`, else netCDF's default for a netCDF-4 variable.
std::vector<long double> fill_values(hid_t dataset) {
  auto fill = attribute_of_length(dataset, "_FillValue", 1);
  if (fill.empty() && netcdf4_variable(dataset)) fill = netcdf_default_fill(dataset);
  return fill;
}

// The float32 a config sentinel stands for on float64 data: a decimal of at most 9 significant
// digits (float32's round-trip precision) whose nearest float32 is finite and not the sentinel
// itself, e.g. 3.4028235e38 for float32's largest value widened to double. None otherwise.
std::vector<long double> widened_float32(double sentinel) {
  const float narrow = static_cast<float>(sentinel);
  if (!std::isfinite(narrow) || static_cast<double>(narrow) == sentinel) return {};
  for (int digits = 1; digits <= 9; ++digits) {  // the shortest decimal of the sentinel
    char text[40];
    std::snprintf(text, sizeof text, "%.*g", digits, sentinel);
    if (std::strtod(text, nullptr) == sentinel) return {static_cast<long double>(narrow)};
  }
  return {};
}

bool is_float64(const StoredType& t) { return t.is_float && t.size == 8 && !t.float_type.valid(); }

// 2^53: from there on a double no longer holds every integer.
constexpr long double kExactDoubleIntegers = 9007199254740992.0L;

bool beyond_double(long double x) {
  return std::isfinite(x) && std::fabs(x) >= kExactDoubleIntegers;
}

}  // namespace

namespace {

// The meant values marking no data: the fill value, `missing_value` and the config's sentinels,
// each as a value of the stored type.
std::vector<long double> no_data_values(hid_t dataset, const StoredType& type,
                                        const std::vector<double>& sentinels) {
  std::vector<long double> out;
  for (const auto x : fill_values(dataset))
    out.push_back(as_stored_exact(meant_value(x, type), type, "_FillValue"));
  for (const auto x : numeric_attribute(dataset, "missing_value"))
    out.push_back(as_stored_exact(meant_value(x, type), type, "missing_value"));
  for (const double x : sentinels) {
    out.push_back(as_stored_exact(x, type, "sentinel"));
    if (is_float64(type))
      for (const auto w : widened_float32(x)) out.push_back(w);
  }
  return out;
}

struct ValidRange {
  long double min = -std::numeric_limits<long double>::infinity();
  long double max = std::numeric_limits<long double>::infinity();
};

// valid_range, then valid_min / valid_max over it; throws when the minimum exceeds the maximum.
// A range in unpacked units is a range of numbers: _Unsigned's other sign is for the bits of
// the stored type (a bound of -50.0 stays -50, not 65486).
ValidRange valid_range(hid_t dataset, const StoredType& type, bool unpacked) {
  auto bound = [&](long double x, const char* name) {
    return range_bound(unpacked ? x : meant_value(x, type), type, name);
  };
  ValidRange r;
  const auto range = attribute_of_length(dataset, "valid_range", 2);
  if (!range.empty()) {
    r.min = bound(range[0], "valid_range");
    r.max = bound(range[1], "valid_range");
  }
  for (const auto x : attribute_of_length(dataset, "valid_min", 1)) r.min = bound(x, "valid_min");
  for (const auto x : attribute_of_length(dataset, "valid_max", 1)) r.max = bound(x, "valid_max");
  if (r.min > r.max)
    throw CfAttributeError("valid minimum " + number_text(r.min) + " exceeds valid maximum " +
                           number_text(r.max));
  return r;
}

// A 64-bit integer dataset whose no-data values or stored-type range reach 2^53 is checked on
// its stored integers (ExactIntegers); any other in double, where that is exact.
void set_no_data_and_range(CfDecoding& d, const StoredType& type,
                           const std::vector<long double>& no_data, const ValidRange& range) {
  bool exact = false;
  if (!type.is_float && type.size == 8) {
    for (const auto x : no_data) exact = exact || beyond_double(x);
    exact = exact || (!d.range_unpacked && (beyond_double(range.min) || beyond_double(range.max)));
  }
  if (!exact) {
    for (const auto x : no_data) d.no_data.push_back(static_cast<double>(x));
    d.valid_min = static_cast<double>(range.min);
    d.valid_max = static_cast<double>(range.max);
    return;
  }
  d.exact.active = true;
  d.exact.stored_signed = type.min < 0 ? type.reinterpret == 0 : type.reinterpret != 0;
  d.exact.reinterpret = type.reinterpret;
  d.exact.no_data = no_data;
  if (d.range_unpacked) {
    d.valid_min = static_cast<double>(range.min);
    d.valid_max = static_cast<double>(range.max);
  } else {
    d.exact.min = range.min;
    d.exact.max = range.max;
  }
}

}  // namespace

CfDecoding read_cf_decoding(hid_t dataset, const std::vector<double>& sentinels) {
  const auto type = stored_type(dataset);
  CfDecoding d;
  if (type.reinterpret != 0) {
    d.reinterpret = type.reinterpret;
    d.modulus = static_cast<double>(type.modulus);
  }
  const auto no_data = no_data_values(dataset, type, sentinels);
  for (const auto x : attribute_of_length(dataset, "scale_factor", 1))
    d.scale = finite_value(x, "scale_factor");
  if (d.scale == 0) throw CfAttributeError("attribute scale_factor is 0");
  for (const auto x : attribute_of_length(dataset, "add_offset", 1))
    d.offset = finite_value(x, "add_offset");
  // A packed integer dataset whose valid range is given in floating point (CF wants the packed
  // type): the range is in unpacked units, as netCDF-Java reads it (e.g. a packed latitude
  // with valid_min -90.0), not compared with the stored integers.
  if (!type.is_float && d.packed())
    for (const char* name : {"valid_range", "valid_min", "valid_max"})
      d.range_unpacked = d.range_unpacked || float_attribute(dataset, name);
  set_no_data_and_range(d, type, no_data, valid_range(dataset, type, d.range_unpacked));
  d.wide_integers = !type.is_float && type.size == 8;
  if (d.packed()) {
    d.unpack_float32 = true;
    for (const char* name : {"scale_factor", "add_offset"})
      if (H5Aexists(dataset, name) > 0 && !float32_attribute(dataset, name))
        d.unpack_float32 = false;
  }
  if (type.is_float && type.size < 8) {
    H5Handle stored(H5Dget_type(dataset), H5Tclose);
    d.narrow_float = std::make_shared<const H5Handle>(H5Tcopy(stored.get()), H5Tclose);
  }
  return d;
}

double CfDecoding::in_stored_precision(double t) const {
  if (unpack_float32 && std::isfinite(t)) return static_cast<double>(static_cast<float>(t));
  if (!narrow_float || packed() || !std::isfinite(t)) return t;
  if (H5Tget_size(narrow_float->get()) == 4)  // float32: beyond its range, an infinity
    return static_cast<double>(static_cast<float>(t));
  alignas(16) unsigned char buffer[64] = {};  // converted in place: room for either type
  std::memcpy(buffer, &t, sizeof t);
  if (H5Tconvert(H5T_NATIVE_DOUBLE, narrow_float->get(), 1, buffer, nullptr, H5P_DEFAULT) < 0 ||
      H5Tconvert(narrow_float->get(), H5T_NATIVE_DOUBLE, 1, buffer, nullptr, H5P_DEFAULT) < 0)
    return t;
  double back = 0;
  std::memcpy(&back, buffer, sizeof back);
  return back;
}

void ExactIntegers::convert(const std::uint64_t* stored, std::size_t n, double* out) const {
  constexpr long double two64 = 18446744073709551616.0L;
  for (std::size_t i = 0; i < n; ++i) {
    const long double raw = stored_signed
                                ? static_cast<long double>(static_cast<std::int64_t>(stored[i]))
                                : static_cast<long double>(stored[i]);
    long double meant = raw;
    if (reinterpret > 0 && meant < 0) meant += two64;
    if (reinterpret < 0 && meant >= two64 / 2) meant -= two64;
    bool missing = !(meant >= min && meant <= max);
    for (const auto x : no_data) missing = missing || meant == x;
    out[i] = missing ? std::nan("") : static_cast<double>(raw);
  }
}

// netCDF-Java's Misc.defaultMaxRelativeDiffFloat.
constexpr double kUnpackedBoundTolerance = 1e-5;

namespace {

// What CfDecoding::apply reads of the decoding, passed by value into its SIMD body (a field
// read through a pointer could change with any store to valid[], for all the compiler knows).
struct DecodeSteps {
  int sign_change;
  double wrap, factor, add, min, max;
  bool unpack, to_float32, unpacked_range;
  const double* no_data;
  std::size_t no_data_count;
};

HEALGRID_SIMD_BODY inline void decode_values(const DecodeSteps d, double* values, std::size_t n,
                                             std::uint8_t* valid) {
  // Branch-free passes the compiler vectorises: finite and in range (NaN fails every
  // comparison, an infinity the magnitude test), then one pass per no-data value.
  // _Unsigned: the stored bits meant with the other sign, first (fills and ranges are meant so).
  if (d.sign_change > 0)
    for (std::size_t i = 0; i < n; ++i) values[i] += values[i] < 0 ? d.wrap : 0.0;
  if (d.sign_change < 0)
    for (std::size_t i = 0; i < n; ++i) values[i] -= values[i] >= d.wrap / 2 ? d.wrap : 0.0;
  const double lo = d.unpacked_range ? -INFINITY : d.min;
  const double hi = d.unpacked_range ? INFINITY : d.max;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = values[i];
    const bool ok = (std::fabs(x) <= DBL_MAX) & (x >= lo) & (x <= hi);
    valid[i] = ok ? valid[i] : std::uint8_t{0};
  }
  for (std::size_t k = 0; k < d.no_data_count; ++k) {
    const double nd = d.no_data[k];
    for (std::size_t i = 0; i < n; ++i) valid[i] = values[i] != nd ? valid[i] : std::uint8_t{0};
  }
  if (d.unpack)
    for (std::size_t i = 0; i < n; ++i) values[i] = values[i] * d.factor + d.add;
  if (d.to_float32)
    for (std::size_t i = 0; i < n; ++i)
      values[i] = static_cast<double>(static_cast<float>(values[i]));
  // A bound in unpacked units is met within float32's relative tolerance, as netCDF-Java's
  // isInvalidData reads it (Misc.nearlyEquals, 1e-5): stored 3 * scale 0.1 is
  // 0.30000000000000004 in double, which a valid_max of 0.3 means to keep.
  if (d.unpacked_range)
    for (std::size_t i = 0; i < n; ++i) {
      const double x = values[i];
      const bool above_min =
          (x >= d.min) | (std::fabs(x - d.min) <
                          kUnpackedBoundTolerance * std::fmax(std::fabs(x), std::fabs(d.min)));
      const bool below_max =
          (x <= d.max) | (std::fabs(x - d.max) <
                          kUnpackedBoundTolerance * std::fmax(std::fabs(x), std::fabs(d.max)));
      valid[i] = (above_min & below_max) ? valid[i] : std::uint8_t{0};
    }
}

}  // namespace

void CfDecoding::apply(double* values, std::size_t n, std::uint8_t* valid) const {
  const DecodeSteps steps{reinterpret,    modulus,        scale,         offset,
                          valid_min,      valid_max,      packed(),      unpack_float32,
                          range_unpacked, no_data.data(), no_data.size()};
  with_simd([](DecodeSteps d, double* x, std::size_t count, std::uint8_t* ok)
                HEALGRID_SIMD_BODY { decode_values(d, x, count, ok); },
            steps, values, n, valid);
}

}  // namespace healgrid
