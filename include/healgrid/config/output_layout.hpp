// Which cells an output stores (config `output.layout`, CLI `--layout`):
//   dense  - every child of every parent cell with data, in id order (4^(child - parent) cells
//            per parent; child_order - parent_order at most 16);
//   sparse - only the cells holding data, ids strictly increasing;
//   automatic (`auto`, the default) - sparse when the dense blocks would be mostly fill (rule:
//            write/cell_layout.hpp), else dense.
#pragma once

#include <optional>
#include <string>

namespace healgrid {

enum class OutputLayout { automatic, dense, sparse };

// "auto", "dense" or "sparse".
const char* to_string(OutputLayout layout);
// The layout a config/CLI word names; nullopt for anything else.
std::optional<OutputLayout> parse_output_layout(const std::string& word);

}  // namespace healgrid
