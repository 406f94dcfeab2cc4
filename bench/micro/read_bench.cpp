// HDF5 dataset reads: H5Dread (zlib, type conversion by HDF5) against ChunkReader (raw chunks,
// libdeflate, our conversion), on a 1-M-row float64 dataset laid out like ATL06 latitude.
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

}  // namespace
