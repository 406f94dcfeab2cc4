#include "healgrid/util/safe_path.hpp"

#include <cctype>
#include <regex>
#include <stdexcept>
#include <vector>

namespace healgrid {
namespace {

constexpr std::size_t kMaxComponent = 200;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool allowed(unsigned char c) {
  return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '=' || c == ',' ||
         c == '@';
}

}  // namespace

std::string safe_relative_path(const std::string& untrusted) {
  std::string s = untrusted;
  // scheme://authority/... : keep the path only.
  static const std::regex scheme("^[A-Za-z][A-Za-z0-9+.-]*://[^/]*");
  s = std::regex_replace(s, scheme, "", std::regex_constants::format_first_only);
  const auto cut = s.find_first_of("?#");
  if (cut != std::string::npos) s.resize(cut);
  std::vector<std::string> parts;
  std::string part;
  // Components are split before their percent-escapes are decoded: an escaped separator
  // ("sub%2Fok.h5") stays inside its component (and becomes '_'), never a subdirectory.
  auto flush = [&] {
    part = percent_decode(part);
    if (!part.empty() && part != "." && part != "..") {
      std::string clean;
      for (std::size_t i = 0; i < part.size() && clean.size() < kMaxComponent; ++i) {
        const auto c = static_cast<unsigned char>(part[i]);
        clean += (allowed(c) && !(i == 0 && c == '.')) ? static_cast<char>(c) : '_';
      }
      parts.push_back(clean);
    }
    part.clear();
  };
  for (const char c : s) {
    if (c == '/' || c == '\\') {
      flush();
    } else {
      part += c;
    }
  }
  flush();
  if (parts.empty())
    throw std::invalid_argument("unusable file name from a catalog or server: '" +
                                redact_credentials(untrusted) + "'");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string plain_file_name(const std::string& untrusted) {
  std::string s = untrusted;  // its escapes are decoded inside the one component
  for (auto& c : s) c = (c == '/' || c == '\\') ? '_' : c;
  try {
    return safe_relative_path(s);
  } catch (const std::invalid_argument&) {
    return "";
  }
}

std::string safe_cache_path(const std::string& cache_dir, const std::string& untrusted) {
  const std::string rel = safe_relative_path(untrusted);
  if (cache_dir.empty()) return rel;
  return cache_dir.back() == '/' ? cache_dir + rel : cache_dir + "/" + rel;
}

std::string redact_credentials(const std::string& text) {
  using std::regex;
  // Greedy to the last '@' before the path: a password may hold '@' itself.
  static const regex userinfo("([A-Za-z][A-Za-z0-9+.-]*://)[^/\\s]*@");
  static const regex bearer("\\b(Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]+", regex::icase);
  static const regex secret_pair(
      "([A-Za-z0-9_-]*(token|password|passwd|secret|key|signature|credential|session|auth)"
      "[A-Za-z0-9_-]*[\"']?\\s*[=:]\\s*[\"']?)([^&\\s\"',;}]+)",
      regex::icase);
  std::string out = std::regex_replace(text, userinfo, "$1***@");
  out = std::regex_replace(out, bearer, "$1 ***");
  return std::regex_replace(out, secret_pair, "$1***");
}

}  // namespace healgrid
