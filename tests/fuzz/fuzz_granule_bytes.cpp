// libFuzzer target: the granule reader on arbitrary bytes written to a temporary file (mutated
// small HDF5 granules as seeds). GranuleReader may throw GranuleError only. Crashes inside the
// HDF5 library itself are HDF5's (see docs/reliability.md); fuzz_granule_structured covers our
// layer with well-formed files of every odd shape.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = healgrid_fuzz::temp_path("bytes");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  healgrid_fuzz::read_granule(path);
  return 0;
}
