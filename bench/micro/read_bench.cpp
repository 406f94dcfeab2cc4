// HDF5 dataset reads: H5Dread (zlib, type conversion by HDF5) against ChunkReader (raw chunks,
// libdeflate, our conversion), on a 1-M-row float64 dataset laid out like ATL06 latitude, and
// one column of a 1-M-row int8 [N, 5] dataset laid out like ATL03's signal_conf_ph.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/chunk_reader.hpp"

namespace {

constexpr hsize_t kRows = 1 << 20;

struct Dataset {
  std::string path;
  Dataset() {
    char tmpl[] = "/tmp/healgrid_readbench_XXXXXX";
    close(mkstemp(tmpl));
    path = tmpl;
    healgrid::H5Handle file(H5Fcreate(tmpl, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    const hsize_t chunk = 10000, maxdim = H5S_UNLIMITED;
    healgrid::H5Handle space(H5Screate_simple(1, &kRows, &maxdim), H5Sclose);
    healgrid::H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), 1, &chunk);
    H5Pset_deflate(dcpl.get(), 6);
    std::vector<double> lat(kRows);
    for (hsize_t i = 0; i < kRows; ++i)
      lat[i] = -70.0 - 1e-4 * static_cast<double>(i) + 1e-9 * std::sin(static_cast<double>(i));
    healgrid::H5Handle ds(H5Dcreate2(file.get(), "latitude", H5T_IEEE_F64LE, space.get(),
                                     H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                          H5Dclose);
    H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, lat.data());
    write_confidence(file.get());
  }
  // signal_conf_ph: int8 [rows, 5], chunks of 10000 x 5, shuffle + deflate 6 (healgrid synth's).
  static void write_confidence(hid_t file) {
    const hsize_t dims[2] = {kRows, 5}, chunk[2] = {10000, 5};
    healgrid::H5Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    healgrid::H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), 2, chunk);
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 6);
    std::vector<signed char> conf(kRows * 5);
    for (hsize_t i = 0; i < conf.size(); ++i)
      conf[i] = static_cast<signed char>((i * 2654435761u >> 13) % 6 - 1);  // -1..4
    healgrid::H5Handle ds(H5Dcreate2(file, "signal_conf_ph", H5T_STD_I8LE, space.get(), H5P_DEFAULT,
                                     dcpl.get(), H5P_DEFAULT),
                          H5Dclose);
    H5Dwrite(ds.get(), H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, conf.data());
  }
  ~Dataset() { std::remove(path.c_str()); }
};

const Dataset& dataset() {
  static const Dataset d;
  return d;
}

void BM_ReadH5Dread(benchmark::State& state) {
  healgrid::H5Handle file(H5Fopen(dataset().path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  healgrid::H5Handle ds(H5Dopen2(file.get(), "latitude", H5P_DEFAULT), H5Dclose);
  std::vector<double> out(kRows);
  for (auto _ : state)
    H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * kRows * sizeof(double));
}
BENCHMARK(BM_ReadH5Dread)->Unit(benchmark::kMillisecond);

void BM_ReadChunkReader(benchmark::State& state) {
  healgrid::H5Handle file(H5Fopen(dataset().path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  healgrid::H5Handle ds(H5Dopen2(file.get(), "latitude", H5P_DEFAULT), H5Dclose);
  std::vector<double> out(kRows);
  for (auto _ : state) {
    healgrid::ChunkReader reader(ds.get());
    reader.read(0, kRows, out.data());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * kRows * sizeof(double));
}
BENCHMARK(BM_ReadChunkReader)->Unit(benchmark::kMillisecond);

// Column 3 of signal_conf_ph, as the ATL03 config's filter reads it: a hyperslab through H5Dread,
// against the chunk reader with the column selected.
void BM_ReadColumnH5Dread(benchmark::State& state) {
  healgrid::H5Handle file(H5Fopen(dataset().path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  healgrid::H5Handle ds(H5Dopen2(file.get(), "signal_conf_ph", H5P_DEFAULT), H5Dclose);
  healgrid::H5Handle fs(H5Dget_space(ds.get()), H5Sclose);
  const hsize_t start[2] = {0, 3}, count[2] = {kRows, 1};
  H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  healgrid::H5Handle ms(H5Screate_simple(1, &kRows, nullptr), H5Sclose);
  std::vector<double> out(kRows);
  for (auto _ : state)
    H5Dread(ds.get(), H5T_NATIVE_DOUBLE, ms.get(), fs.get(), H5P_DEFAULT, out.data());
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_ReadColumnH5Dread)->Unit(benchmark::kMillisecond);

void BM_ReadColumnChunkReader(benchmark::State& state) {
  healgrid::H5Handle file(H5Fopen(dataset().path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  healgrid::H5Handle ds(H5Dopen2(file.get(), "signal_conf_ph", H5P_DEFAULT), H5Dclose);
  std::vector<double> out(kRows);
  for (auto _ : state) {
    healgrid::ChunkReader reader(ds.get(), {-1, 3});
    reader.read(0, kRows, out.data());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_ReadColumnChunkReader)->Unit(benchmark::kMillisecond);

}  // namespace
