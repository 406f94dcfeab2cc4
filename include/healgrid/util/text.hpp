// Small text helpers shared by the commands: UTC timestamps, file names. (JSON documents are
// built with nlohmann-json.)
#pragma once

#include <ctime>
#include <string>

namespace healgrid {

// ISO 8601 UTC, seconds precision: 2026-11-24T01:02:03Z.
std::string utc_timestamp(std::time_t t);
inline std::string utc_now() { return utc_timestamp(std::time(nullptr)); }

// `x` with the digits that read back to it ("%.17g"): for messages naming a value.
std::string number_text(double x);

// `s` without leading and trailing spaces and tabs.
std::string trimmed(const std::string& s);

// `s` with ASCII letters in lower case (unit names, calendars: compared in any case).
std::string lower_case(std::string s);

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// above U+10FFFF). File names on POSIX are bytes, not necessarily UTF-8.
bool is_utf8(const std::string& s);

// The last component of a slash-separated path or URL path ("a/b/c.h5" -> "c.h5").
std::string base_name(const std::string& path);
// Its directory, as given, with the trailing slash ("a/b/c.h5" -> "a/b/"); "." for a bare name.
std::string dir_name(const std::string& path);

// `word` as a POSIX shell reads it back as one word: unchanged when it holds only letters,
// digits and _ . / : = , @ % + -; else in single quotes ("o x.nc" -> 'o x.nc', it's -> 'it'\''s').
std::string shell_quoted(const std::string& word);

}  // namespace healgrid
