// Shared by the granule fuzz targets: a per-process temporary path and a full read of a granule
// with the built-in ATL06 config (every beam, every row up to a bound, every attribute).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "healgrid/app/run_options.hpp"
#include "healgrid/read/granule_reader.hpp"

namespace healgrid_fuzz {

inline std::string temp_path(const char* what) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/healgrid-fuzz-" + what + "-" +
         std::to_string(getpid()) + ".h5";
}

inline void read_granule(const std::string& path) {
  static const healgrid::PipelineConfig config =
      healgrid::parse_config(healgrid::default_config_text(), "built-in");
  try {
    healgrid::GranuleReader reader(path, config);
    healgrid::BeamChunk chunk;
    for (std::size_t b = 0; b < reader.beams().size(); ++b) {
      const auto rows = std::min<std::uint64_t>(reader.beams()[b].rows, 1 << 16);
      for (std::uint64_t row = 0; row < rows; row += 4096) {
        reader.read(b, row, std::min<std::uint64_t>(4096, rows - row), false, chunk);
        reader.read(b, row, std::min<std::uint64_t>(4096, rows - row), true, chunk);
      }
    }
    for (int v = 0; v < static_cast<int>(config.variables.size()); ++v) {
      (void)reader.variable_attribute(v, "units");
      (void)reader.variable_attribute(v, "long_name");
    }
  } catch (const healgrid::GranuleError&) {
  }
}

}  // namespace healgrid_fuzz
