#include "healgrid/pipeline/journal_checksum.hpp"

#include "healgrid/catalog/checksum.hpp"

namespace healgrid {
namespace {

constexpr char kTrailerMagic[] = "HGJSUM01";
constexpr std::size_t kMagicLen = sizeof kTrailerMagic - 1;
constexpr std::size_t kHexLen = 64;
static_assert(kMagicLen + kHexLen == kRoundTrailerBytes);

}  // namespace

std::string seal_round(std::string bytes) {
  const auto sum = digest_hex(bytes, "SHA-256");
  bytes += kTrailerMagic;
  bytes += sum;
  return bytes;
}

bool unseal_round(std::string& bytes, std::string& why) {
  const std::size_t trailer = kMagicLen + kHexLen;
  if (bytes.size() < trailer ||
      bytes.compare(bytes.size() - trailer, kMagicLen, kTrailerMagic) != 0) {
    why = "no checksum trailer (truncated, or written by an older healgrid)";
    return false;
  }
  const auto stored = bytes.substr(bytes.size() - kHexLen);
  bytes.resize(bytes.size() - trailer);
  if (digest_hex(bytes, "SHA-256") != stored) {
    why =
        "checksum mismatch: the file changed after it was written; its parent cells are "
        "recomputed";
    return false;
  }
  return true;
}

}  // namespace healgrid
