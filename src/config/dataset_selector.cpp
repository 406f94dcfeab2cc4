#include "healgrid/config/dataset_selector.hpp"

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
  const std::string hint = " (expected PATH[:, COLUMN], e.g. signal_conf_ph[:, 3])";
  const auto close = text.find(']', open);
  if (close == std::string::npos || !trim(text.substr(close + 1)).empty())
    throw std::invalid_argument("malformed column selector '" + text.substr(open) + "'" + hint);
  const auto inside = text.substr(open + 1, close - open - 1);
  const auto comma = inside.find(',');
  if (comma == std::string::npos || trim(inside.substr(0, comma)) != ":")
    throw std::invalid_argument("malformed column selector '" + text.substr(open) + "'" + hint);
  const auto column = trim(inside.substr(comma + 1));
  if (column.empty() || column.size() > 9 ||
      column.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("column '" + column + "' is not a non-negative integer" + hint);
  out.column = std::stoll(column);
  return out;
}

}  // namespace healgrid
