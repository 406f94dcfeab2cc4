#include "healgrid/config/output_layout.hpp"

namespace healgrid {

const char* to_string(OutputLayout layout) {
  switch (layout) {
    case OutputLayout::dense:
      return "dense";
    case OutputLayout::sparse:
      return "sparse";
    case OutputLayout::automatic:
      break;
  }
  return "auto";
}

std::optional<OutputLayout> parse_output_layout(const std::string& word) {
  if (word == "auto") return OutputLayout::automatic;
  if (word == "dense") return OutputLayout::dense;
  if (word == "sparse") return OutputLayout::sparse;
  return std::nullopt;
}

}  // namespace healgrid
