// Message digests of files and strings (OpenSSL libcrypto, EVP API), as lower-case hex: the
// catalog's SHA-256 in the output's provenance and the download checks against the checksums
// CMR / STAC publish (MD5, SHA-1, SHA-256, SHA-512).
#pragma once

#include <string>

namespace healgrid {

// `algorithm` as CMR spells it ("SHA-256", "MD5", ...; case and dashes ignored). Throws
// std::runtime_error naming the file for an unreadable file or an unknown algorithm.
std::string file_digest_hex(const std::string& path, const std::string& algorithm = "SHA-256");
std::string digest_hex(const std::string& data, const std::string& algorithm = "SHA-256");
bool digest_algorithm_known(const std::string& algorithm);

}  // namespace healgrid
