// Compressing output chunks: zlib (HDF5's own deflate filter) against libdeflate at level 4
// (what write/chunk_encoder uses), on chunks laid out like healgrid's output: one parent's
// 4096 children as float32, shuffled, mostly fill (NaN) with values along a few tracks, as at
// the benchmark's scale. The compressed size is reported as a counter.
#include <benchmark/benchmark.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

constexpr std::size_t kCells = 4096;

// `chunks` shuffled chunks in which about `percent` % of the cells hold a height.
std::vector<std::vector<unsigned char>> output_chunks(int chunks, int percent) {
  std::vector<std::vector<unsigned char>> out;
  std::uint64_t state = 7;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int c = 0; c < chunks; ++c) {
    std::vector<float> v(kCells, std::nanf(""));
    for (std::size_t i = 0; i < kCells;) {  // runs of cells along tracks, gaps between
      const std::size_t run = 1 + next() % 24;
      const bool data = static_cast<int>(next() % 100) < percent;
      for (std::size_t k = 0; k < run && i < kCells; ++k, ++i)
        if (data) v[i] = 1500.0f + static_cast<float>(next() % 100000) * 1e-3f;
    }
    std::vector<unsigned char> raw(kCells * 4), shuffled(kCells * 4);
    std::memcpy(raw.data(), v.data(), raw.size());
    for (std::size_t b = 0; b < 4; ++b)
      for (std::size_t i = 0; i < kCells; ++i) shuffled[b * kCells + i] = raw[i * 4 + b];
    out.push_back(std::move(shuffled));
  }
  return out;
}

// Compressed bytes over input bytes, over all the chunks.
template <typename Compress>
double mean_ratio(const std::vector<std::vector<unsigned char>>& chunks, Compress compress) {
  double in = 0, out = 0;
  for (const auto& c : chunks) {
    in += static_cast<double>(c.size());
    out += static_cast<double>(compress(c));
  }
  return out / in;
}

void BM_CompressOutputChunkZlib(benchmark::State& state) {
  const auto chunks = output_chunks(256, static_cast<int>(state.range(0)));
  std::vector<unsigned char> dst(compressBound(kCells * 4));
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& src = chunks[next++ % chunks.size()];
    uLongf n = dst.size();
    compress2(dst.data(), &n, src.data(), src.size(), 4);
    benchmark::DoNotOptimize(n);
  }
  state.counters["ratio"] = mean_ratio(chunks, [&](const auto& src) {
    uLongf n = dst.size();
    compress2(dst.data(), &n, src.data(), src.size(), 4);
    return n;
  });
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kCells * 4));
}
BENCHMARK(BM_CompressOutputChunkZlib)->Arg(7)->Arg(100)->ArgName("percent_cells_with_data");

void BM_CompressOutputChunkLibdeflate(benchmark::State& state) {
  const auto chunks = output_chunks(256, static_cast<int>(state.range(0)));
  libdeflate_compressor* c = libdeflate_alloc_compressor(4);
  std::vector<unsigned char> dst(libdeflate_zlib_compress_bound(c, kCells * 4));
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& src = chunks[next++ % chunks.size()];
    benchmark::DoNotOptimize(
        libdeflate_zlib_compress(c, src.data(), src.size(), dst.data(), dst.size()));
  }
  state.counters["ratio"] = mean_ratio(chunks, [&](const auto& src) {
    return libdeflate_zlib_compress(c, src.data(), src.size(), dst.data(), dst.size());
  });
  libdeflate_free_compressor(c);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kCells * 4));
}
BENCHMARK(BM_CompressOutputChunkLibdeflate)->Arg(7)->Arg(100)->ArgName("percent_cells_with_data");

}  // namespace
