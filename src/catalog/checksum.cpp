#include "healgrid/catalog/checksum.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace healgrid {
namespace {

std::string algorithm_key(const std::string& algorithm) {
  std::string key;
  for (const char c : algorithm)
    if (std::isalnum(static_cast<unsigned char>(c)))
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

const EVP_MD* find_digest(const std::string& algorithm) {
  const auto key = algorithm_key(algorithm);
  if (key == "md5") return EVP_md5();
  if (key == "sha1") return EVP_sha1();
  if (key == "sha224") return EVP_sha224();
  if (key == "sha256") return EVP_sha256();
  if (key == "sha384") return EVP_sha384();
  if (key == "sha512") return EVP_sha512();
  return nullptr;
}

bool is_adler32(const std::string& algorithm) { return algorithm_key(algorithm) == "adler32"; }

// An OpenSSL digest, or zlib's Adler-32 (UMM-G's "Adler-32"; 8 hex digits).
struct DigestContext {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{nullptr, EVP_MD_CTX_free};
  bool adler = false;
  uLong adler_sum = adler32(0L, Z_NULL, 0);
  explicit DigestContext(const std::string& algorithm) {
    if (is_adler32(algorithm)) {
      adler = true;
      return;
    }
    const EVP_MD* md = find_digest(algorithm);
    if (!md) throw std::runtime_error("unknown checksum algorithm '" + algorithm + "'");
    ctx.reset(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
      throw std::runtime_error("cannot initialise digest " + algorithm);
  }
  void update(const void* data, std::size_t n) {
    if (!adler) {
      EVP_DigestUpdate(ctx.get(), data, n);
      return;
    }
    const auto* bytes = static_cast<const Bytef*>(data);
    while (n > 0) {  // zlib takes uInt lengths
      const auto step = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      adler_sum = adler32(adler_sum, bytes, step);
      bytes += step;
      n -= step;
    }
  }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (adler) {
      for (int i = 0; i < 4; ++i) out[n++] = static_cast<unsigned char>(adler_sum >> (24 - 8 * i));
    } else {
      EVP_DigestFinal_ex(ctx.get(), out, &n);
    }
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (unsigned int i = 0; i < n; ++i) {
      s += digits[out[i] >> 4];
      s += digits[out[i] & 15];
    }
    return s;
  }
};

}  // namespace

bool digest_algorithm_known(const std::string& algorithm) {
  return find_digest(algorithm) != nullptr || is_adler32(algorithm);
}

std::string specific_algorithm(const std::string& algorithm, const std::string& value) {
  if (algorithm_key(algorithm) != "sha2") return algorithm;
  // "SHA-2" names a family: the digest's length tells its member.
  const bool hex = std::all_of(value.begin(), value.end(),
                               [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (!hex) return algorithm;
  switch (value.size()) {
    case 56:
      return "SHA-224";
    case 64:
      return "SHA-256";
    case 96:
      return "SHA-384";
    case 128:
      return "SHA-512";
    default:
      return algorithm;
  }
}

std::string digest_hex(const std::string& data, const std::string& algorithm) {
  DigestContext d(algorithm);
  d.update(data.data(), data.size());
  return d.hex();
}

std::string file_digest_hex(const std::string& path, const std::string& algorithm) {
  DigestContext d(algorithm);
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) throw std::runtime_error(path + ": cannot open for checksum: " + std::strerror(errno));
  std::vector<char> buffer(1 << 20);
  while (const auto n = std::fread(buffer.data(), 1, buffer.size(), f.get()))
    d.update(buffer.data(), n);
  if (std::ferror(f.get()))
    throw std::runtime_error(path + ": read error while computing checksum");
  return d.hex();
}

}  // namespace healgrid
