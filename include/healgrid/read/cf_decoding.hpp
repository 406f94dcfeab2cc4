// How the stored values of one dataset become physical values, by the CF / netCDF attributes:
// a point has no data when its stored value is not finite, equals `_FillValue`, one of
// `missing_value` or a config sentinel (each compared in the dataset's own type, whatever type
// the attribute is stored in; 64-bit integers exactly, see ExactIntegers). A variable of a
// netCDF-4 file (root attribute `_NCProperties`, or netCDF's `_Netcdf4Dimid` /
// `_Netcdf4Coordinates` on the dataset) without `_FillValue` has netCDF's default fill of its
// type (NC_FILL_FLOAT 9.96921e36, NC_FILL_INT -2147483647, ...; none for 1-byte types) as its
// fill value, as netCDF4-python masks it. On a float64 dataset a config sentinel whose shortest
// decimal has at most 9 significant digits also matches the nearest float32 widened to double
// (3.4028235e38: float32's largest value in a dataset widened to float64). A point also has no
// data when its stored value lies outside `valid_min` / `valid_max` / `valid_range`
// (compared with the stored value, as CF says; with the unpacked value when a packed integer
// dataset gives its range in floating point, as netCDF-Java reads it); the others are unpacked as
// stored * scale_factor + add_offset, in double. netCDF's `_Unsigned` ("true" on a signed
// integer type, "false" on an unsigned one) is honoured first: the stored bits are read with
// the other sign, and so are integer fill values written in the stored type (as xarray does).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"

namespace healgrid {

// An attribute that cannot be used (a string, wrong length, a fill value the dataset's type
// cannot hold); the message names the attribute.
class CfAttributeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The checks of a 64-bit integer dataset whose no-data values or valid range reach 2^53, where
// a double no longer holds every integer (2^53 + 1 would read as 2^53): made on the stored
// integers, exactly, before they become doubles. Values are meant values (after _Unsigned).
struct ExactIntegers {
  bool active = false;
  bool stored_signed = true;  // the HDF5 type's sign: how the stored bits are read
  int reinterpret = 0;        // as CfDecoding::reinterpret
  std::vector<long double> no_data;
  long double min = -std::numeric_limits<long double>::infinity();
  long double max = std::numeric_limits<long double>::infinity();
  // stored[0..n): the raw 64-bit integers (read as the stored sign's native type) -> out[0..n)
  // as double, NaN (no data for CfDecoding::apply) where a value is a no-data value or out of
  // range.
  void convert(const std::uint64_t* stored, std::size_t n, double* out) const;
};

struct CfDecoding {
  std::vector<double> no_data;  // stored values meaning "no data", as the dataset's type holds them
  double valid_min = -std::numeric_limits<double>::infinity();
  double valid_max = std::numeric_limits<double>::infinity();
  double scale = 1, offset = 0;
  // netCDF's _Unsigned: +1, stored signed integers meant unsigned (a negative value gains
  // `modulus`, 2^bits); -1, stored unsigned meant signed; 0: as stored.
  int reinterpret = 0;
  double modulus = 0;
  // A packed integer dataset with a floating-point valid range: compared with the unpacked
  // values (netCDF-Java's reading; CF wants the range in the packed type).
  bool range_unpacked = false;
  // Active: no_data is empty and the stored-type range unbounded here; the reader converts the
  // stored integers with exact.convert() and then calls apply().
  ExactIntegers exact;
  bool wide_integers = false;
  // Packed with float32 scale_factor/add_offset: CF's unpacked type is float32, so unpacked
  // values are rounded to it (a uint8 qa_value 75 x 0.01f is 0.75f, as netCDF4-python reads it,
  // not the double 0.7499999832 that `qa_value >= 0.75` would drop). Coordinates keep double.
  bool unpack_float32 = false;  // stored as 64-bit integers (beyond 2^53 no double holds them all)
  // The stored float format when narrower than double (float32, float16...), else null.
  std::shared_ptr<const H5Handle> narrow_float;

  bool packed() const { return scale != 1 || offset != 0; }
  // A filter's threshold `t` as the dataset holds values: rounded to its narrow float format
  // (0.9 becomes float32's 0.9f, so `>= 0.9` keeps a stored 0.9f, as numpy compares a float32
  // array with 0.9) or to float32 where values unpack to it; unchanged for doubles, integers
  // and data packed with float64 attributes.
  double in_stored_precision(double t) const;
  // values[0..n) hold stored values converted to double: clears valid[i] where a value has no
  // data, and unpacks every value in place.
  void apply(double* values, std::size_t n, std::uint8_t* valid) const;
};

// Reads the attributes of `dataset` and adds the config's `sentinels`. Throws CfAttributeError.
CfDecoding read_cf_decoding(hid_t dataset, const std::vector<double>& sentinels);

}  // namespace healgrid
