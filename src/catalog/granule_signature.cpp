#include "healgrid/catalog/granule_signature.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <regex>
#include <vector>

#include "healgrid/catalog/http_client.hpp"
#include "healgrid/util/safe_path.hpp"

namespace healgrid {
namespace {

constexpr unsigned char kHdf5Signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t kPageBytes = 64 * 1024;  // enough of an HTML page to tell what it is

bool hdf5_signature_at(std::ifstream& in, std::streamoff offset) {
  unsigned char buf[8];
  in.clear();
  in.seekg(offset);
  return in.read(reinterpret_cast<char*>(buf), 8) && std::memcmp(buf, kHdf5Signature, 8) == 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The first link of the page whose URL mentions a EULA, "" if none.
std::string eula_link(const std::string& page) {
  static const std::regex href(R"((https?://[^\s"'<>]+))", std::regex::icase);
  for (auto it = std::sregex_iterator(page.begin(), page.end(), href); it != std::sregex_iterator();
       ++it) {
    const std::string url = (*it)[1];
    if (lower(url).find("eula") != std::string::npos) return url;
  }
  return "";
}

}  // namespace

bool starts_like_granule(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const std::streamoff size = in.tellg();
  if (size < 4) return false;
  char head[4];
  in.seekg(0);
  in.read(head, 4);
  if (std::memcmp(head, "CDF", 3) == 0 && (head[3] == 1 || head[3] == 2 || head[3] == 5))
    return true;
  if (hdf5_signature_at(in, 0)) return true;
  for (std::streamoff offset = 512; offset + 8 <= size; offset *= 2)
    if (hdf5_signature_at(in, offset)) return true;
  return false;
}

std::string explain_not_a_granule(const std::string& path, const std::string& url) {
  std::ifstream in(path, std::ios::binary);
  std::string page(kPageBytes, '\0');
  in.read(page.data(), static_cast<std::streamsize>(page.size()));
  page.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
  const std::string text = lower(page);
  const std::string where = url_for_log(url) + ": the server sent ";
  const bool html =
      text.find("<html") != std::string::npos || text.find("<!doctype") != std::string::npos;
  if (!html)
    return where + std::to_string(page.size()) + (page.size() == kPageBytes ? "+" : "") +
           " bytes that are not HDF5 or netCDF (no file signature); not kept";
  if (text.find("eula") != std::string::npos ||
      text.find("end user license agreement") != std::string::npos) {
    const std::string link = eula_link(page);
    return where +
           "an HTML page asking to accept the data's EULA (End User License Agreement) "
           "instead of the granule: accept it once for your Earthdata account" +
           (link.empty() ? " (sign in at https://urs.earthdata.nasa.gov, Applications)"
                         : " at " + redact_credentials(link)) +
           ", then rerun; not kept";
  }
  if (text.find("earthdata login") != std::string::npos ||
      text.find("login") != std::string::npos || text.find("sign in") != std::string::npos ||
      text.find("oauth") != std::string::npos)
    return where +
           "an Earthdata Login page instead of the granule: the login failed (no or "
           "wrong credentials). Set $EARTHDATA_TOKEN (or --token-file) or put the "
           "account in ~/.netrc for urs.earthdata.nasa.gov (chmod 600), then rerun; "
           "not kept";
  return where + "an HTML page instead of the granule (not HDF5 or netCDF); not kept";
}

}  // namespace healgrid
