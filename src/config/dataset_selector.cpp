#include "healgrid/config/dataset_selector.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace healgrid {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

}  // namespace

DatasetSelector parse_dataset_selector(const std::string& text) {
  DatasetSelector out;
  const auto open = text.find('[');
  out.path = trim(text.substr(0, open));
  if (out.path.empty()) throw std::invalid_argument("empty dataset path");
  if (open == std::string::npos) return out;
  const std::string hint =
      " (expected PATH[:, COLUMN], e.g. signal_conf_ph[:, 3], or one item per dimension, : or "
      "an index, e.g. latitude[0, :, :])";
  const auto close = text.find(']', open);
  if (close == std::string::npos || !trim(text.substr(close + 1)).empty())
    throw std::invalid_argument("malformed column selector '" + text.substr(open) + "'" + hint);
  const auto inside = text.substr(open + 1, close - open - 1);
  for (std::size_t pos = 0; pos <= inside.size();) {
    const auto comma = std::min(inside.find(',', pos), inside.size());
    const auto item = trim(inside.substr(pos, comma - pos));
    if (item == ":") {
      out.index.push_back(-1);
    } else if (!item.empty() && item.size() <= 9 &&
               item.find_first_not_of("0123456789") == std::string::npos) {
      out.index.push_back(std::stoll(item));
    } else {
      throw std::invalid_argument("index '" + item + "' is neither : nor a non-negative integer" +
                                  hint);
    }
    pos = comma + 1;
  }
  if (out.index.size() == 2 && out.index[0] == -1 && out.index[1] >= 0) out.column = out.index[1];
  return out;
}

}  // namespace healgrid
