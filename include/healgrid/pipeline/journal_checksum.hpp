// The checksum around a journal round file: whatever bytes the round's block writer produced,
// followed by a trailer "HGJSUM01" + the SHA-256 (64 hex digits) of those bytes. A round whose
// bytes changed after it was written (a bad disk, a stray write, an edit) fails the check at
// load and is recomputed, never used. Generic over the round's format (pipeline/journal.hpp).
#pragma once

#include <cstddef>
#include <string>

namespace healgrid {

// What seal_round adds: the magic and the hex digest.
constexpr std::size_t kRoundTrailerBytes = 8 + 64;

// `bytes` followed by their trailer.
std::string seal_round(std::string bytes);
// Checks and strips the trailer; false with `why` set when it is missing or does not match.
bool unseal_round(std::string& bytes, std::string& why);

}  // namespace healgrid
