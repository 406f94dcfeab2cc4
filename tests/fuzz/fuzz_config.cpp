// libFuzzer target: the pipeline-config parser. parse_config may throw ConfigError only; any
// other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "healgrid/config/pipeline_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = healgrid::parse_config(text, "fuzz input");
    for (const auto& s : config.statistics) (void)config.variable_index(s.variable);
  } catch (const healgrid::ConfigError&) {
  }
  return 0;
}
