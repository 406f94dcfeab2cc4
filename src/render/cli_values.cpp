#include "healgrid/render/cli_values.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace healgrid {
namespace {

bool parse_double(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

}  // namespace

std::pair<int, int> parse_size(const std::string& option, const std::string& text) {
  const auto bad = [&] {
    return std::invalid_argument(option + ": expected WIDTH or WIDTHxHEIGHT in pixels, got '" +
                                 text + "'");
  };
  const auto x = text.find('x');
  const std::string w = text.substr(0, x);
  const std::string h = x == std::string::npos ? "" : text.substr(x + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 6 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(w) || (x != std::string::npos && !digits(h))) throw bad();
  return {std::stoi(w), h.empty() ? 0 : std::stoi(h)};
}

std::vector<double> parse_numbers(const std::string& option, const std::string& text,
                                  std::size_t count) {
  std::vector<double> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    double v = 0;
    if (!parse_double(text.substr(start, comma - start), v)) break;
    out.push_back(v);
    if (comma == std::string::npos) {
      if (out.size() == count) return out;
      break;
    }
    start = comma + 1;
  }
  throw std::invalid_argument(option + ": expected " + std::to_string(count) +
                              " comma-separated numbers, got '" + text + "'");
}

std::vector<std::string> join_negative_values(const std::vector<std::string>& args,
                                              const std::vector<std::string>& options) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool listed = false;
    for (const auto& o : options) listed = listed || args[i] == o;
    if (listed && i + 1 < args.size() && args[i + 1].size() > 1 && args[i + 1][0] == '-' &&
        (std::isdigit(static_cast<unsigned char>(args[i + 1][1])) || args[i + 1][1] == '.')) {
      out.push_back(args[i] + "=" + args[i + 1]);
      ++i;
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

}  // namespace healgrid
