// libFuzzer target: structured mutations of a granule. The input bytes choose, per beam and per
// configured dataset, whether it exists, its type (float64/32, int8/32, uint64, string, 2-D),
// its length (equal to the latitude's or not), storage (contiguous, chunked + deflate), values
// (NaN, +-inf, +-91, 0..360, huge, fill, random) and its _FillValue/units attributes (absent,
// scalar, wrong type, array, string). The file is written with the HDF5 API, so HDF5's own
// parsing of damaged bytes is out of the picture and the reader's logic is what gets fuzzed.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "fuzz_common.hpp"

namespace {

const char* const kBeams[] = {"gt1l", "gt1r"};
const char* const kColumns[] = {"latitude", "longitude", "h_li", "h_li_sigma",
                                "atl06_quality_summary"};

double pick_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 9)) {
    case 0:
      return std::numeric_limits<double>::quiet_NaN();
    case 1:
      return std::numeric_limits<double>::infinity();
    case 2:
      return -std::numeric_limits<double>::infinity();
    case 3:
      return 91.0;
    case 4:
      return -91.0;
    case 5:
      return 3.4028235e38;
    case 6:
      return in.ConsumeFloatingPointInRange(0.0, 360.0);
    case 7:
      return 0.0;
    case 8:
      return in.ConsumeFloatingPoint<double>();
    default:
      return in.ConsumeFloatingPointInRange(-90.0, 90.0);
  }
}

void add_attributes(FuzzedDataProvider& in, hid_t ds, hid_t mem_type) {
  const int fill = in.ConsumeIntegralInRange(0, 4);
  const double fv = pick_value(in);
  if (fill == 1 || fill == 2) {
    const hid_t t = fill == 1 ? mem_type : H5T_NATIVE_INT;
    const hid_t sp = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(ds, "_FillValue", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
      H5Awrite(a, H5T_NATIVE_DOUBLE, &fv);  // converted (and clamped) by HDF5
      H5Aclose(a);
    }
    H5Sclose(sp);
  } else if (fill == 3) {
    const hsize_t two = 2;
    const double v[2] = {fv, fv};
    const hid_t sp = H5Screate_simple(1, &two, nullptr);
    const hid_t a = H5Acreate2(ds, "_FillValue", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, v);
    H5Aclose(a);
    H5Sclose(sp);
  } else if (fill == 4) {
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 4);
    const hid_t sp = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(ds, "_FillValue", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, "fill");
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
  }
  const std::string units = in.ConsumeRandomLengthString(40);
  const int kind = in.ConsumeIntegralInRange(0, 2);
  if (kind == 0) return;
  const hid_t t = H5Tcopy(H5T_C_S1);
  if (kind == 1) {
    H5Tset_size(t, std::max<std::size_t>(1, units.size()));
  } else {
    H5Tset_size(t, H5T_VARIABLE);
  }
  const hid_t sp = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(ds, "units", t, sp, H5P_DEFAULT, H5P_DEFAULT);
  const char* p = units.c_str();
  if (kind == 1 && !units.empty()) H5Awrite(a, t, units.data());
  if (kind == 2) H5Awrite(a, t, &p);
  H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
}

void add_column(FuzzedDataProvider& in, hid_t group, const char* name, std::size_t rows) {
  if (in.ConsumeIntegralInRange(0, 19) == 0) return;  // missing dataset
  std::size_t n = rows;
  if (in.ConsumeIntegralInRange(0, 9) == 0) n = in.ConsumeIntegralInRange<std::size_t>(0, 300);
  const int type = in.ConsumeIntegralInRange(0, 6);
  const hid_t file_types[] = {H5T_IEEE_F64LE, H5T_IEEE_F32LE, H5T_STD_I8LE,  H5T_STD_I32BE,
                              H5T_STD_U64LE,  H5T_C_S1,       H5T_IEEE_F64LE};
  hid_t ftype = H5Tcopy(file_types[type]);
  if (type == 5) H5Tset_size(ftype, 3);
  const int rank = type == 6 ? 2 : 1;
  const hsize_t dims[2] = {n, 2};
  const hid_t space = H5Screate_simple(rank, dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (n > 0 && in.ConsumeBool()) {
    const hsize_t chunk[2] = {std::max<hsize_t>(1, in.ConsumeIntegralInRange<hsize_t>(1, n)), 2};
    H5Pset_chunk(dcpl, rank, chunk);
    if (in.ConsumeBool()) H5Pset_deflate(dcpl, 1);
  }
  const hid_t ds = H5Dcreate2(group, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (ds >= 0) {
    if (type != 5 && n > 0) {
      std::vector<double> values(n * (rank == 2 ? 2 : 1));
      for (auto& v : values) v = pick_value(in);
      // Conversion exceptions (NaN to int...) are HDF5's business: let it clamp.
      H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    }
    add_attributes(in, ds, type == 5 ? H5T_NATIVE_DOUBLE : file_types[type]);
    H5Dclose(ds);
  }
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Tclose(ftype);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = healgrid_fuzz::temp_path("structured");
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  FuzzedDataProvider in(data, size);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) std::abort();
  for (const char* beam : kBeams) {
    if (in.ConsumeIntegralInRange(0, 4) == 0) continue;  // beam absent
    const std::string name = std::string(beam) + "/land_ice_segments";
    const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const hid_t group = H5Gcreate2(file, name.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT);
    const auto rows = in.ConsumeIntegralInRange<std::size_t>(0, 300);
    for (const char* column : kColumns) add_column(in, group, column, rows);
    H5Gclose(group);
    H5Pclose(lcpl);
  }
  H5Fclose(file);
  healgrid_fuzz::read_granule(path);
  return 0;
}
