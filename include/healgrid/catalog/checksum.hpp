// Message digests of files and strings (OpenSSL libcrypto, EVP API), as lower-case hex: the
// catalog's SHA-256 in the output's provenance and the download checks against the checksums
// CMR / STAC publish (MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512, and zlib's Adler-32).
#pragma once

#include <string>

namespace healgrid {

// `algorithm` as CMR spells it ("SHA-256", "MD5", ...; case and dashes ignored). Throws
// std::runtime_error naming the file for an unreadable file or an unknown algorithm.
std::string file_digest_hex(const std::string& path, const std::string& algorithm = "SHA-256");
std::string digest_hex(const std::string& data, const std::string& algorithm = "SHA-256");
bool digest_algorithm_known(const std::string& algorithm);
// The algorithm that computes `value`: UMM-G's "SHA-2" names a family, whose member the hex
// digest's length tells (56, 64, 96, 128 digits: SHA-224, -256, -384, -512); any other name is
// returned as given (digest_algorithm_known() then says whether it can be checked).
std::string specific_algorithm(const std::string& algorithm, const std::string& value);

}  // namespace healgrid
