// Small text helpers shared by the commands: JSON string literals, UTC timestamps, file names.
#pragma once

#include <ctime>
#include <string>

namespace healgrid {

// `s` as a JSON string literal, quotes included (", \, and control characters escaped).
std::string json_quote(const std::string& s);

// ISO 8601 UTC, seconds precision: 2026-11-24T01:02:03Z.
std::string utc_timestamp(std::time_t t);
inline std::string utc_now() { return utc_timestamp(std::time(nullptr)); }

// The last component of a slash-separated path or URL path ("a/b/c.h5" -> "c.h5").
std::string base_name(const std::string& path);

}  // namespace healgrid
