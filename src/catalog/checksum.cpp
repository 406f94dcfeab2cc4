#include "healgrid/catalog/checksum.hpp"

#include <openssl/evp.h>

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

const EVP_MD* find_digest(const std::string& algorithm) {
  std::string key;
  for (const char c : algorithm)
    if (std::isalnum(static_cast<unsigned char>(c)))
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (key == "md5") return EVP_md5();
  if (key == "sha1") return EVP_sha1();
  if (key == "sha256") return EVP_sha256();
  if (key == "sha512") return EVP_sha512();
  return nullptr;
}

struct DigestContext {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  explicit DigestContext(const std::string& algorithm) {
    const EVP_MD* md = find_digest(algorithm);
    if (!md) throw std::runtime_error("unknown checksum algorithm '" + algorithm + "'");
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
      throw std::runtime_error("cannot initialise digest " + algorithm);
  }
  void update(const void* data, std::size_t n) { EVP_DigestUpdate(ctx.get(), data, n); }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &n);
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
  return find_digest(algorithm) != nullptr;
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
