// Turning untrusted names (catalog entries, server URLs, redirects) into file names, and keeping
// credentials out of logs, errors and outputs.
//
// safe_relative_path: a name from a catalog or a server becomes a relative path that stays
// inside the cache directory: URL scheme, host, query and fragment are dropped, the path split
// at '/' and '\\' and then each component's percent-escapes decoded (an escaped separator is no
// separator), empty, "." and ".." components removed, and any
// byte outside [A-Za-z0-9._-+=,@] replaced by '_' (so no control characters, spaces or quotes);
// a leading '.' of a component is replaced too (no hidden files). Throws std::invalid_argument
// when nothing is left (e.g. "../..", "/", "?x"). Components longer than 200 bytes are cut.
// safe_cache_path joins it under `cache_dir`. plain_file_name: one component, as the catalog's
// granule names must be (every separator, escaped or not, becomes '_'); "" when nothing is left.
//
// redact_credentials: URL user-info ("https://user:pass@host" -> "https://***@host"), the values
// of query parameters and key=value/JSON pairs whose key looks secret (token, password, passwd,
// secret, key, signature, credential, session, auth), and "Authorization:"/"Bearer"
// values become "***". Use it on every URL or server text that reaches a log or an error.
#pragma once

#include <string>

namespace healgrid {

std::string safe_relative_path(const std::string& untrusted);
std::string safe_cache_path(const std::string& cache_dir, const std::string& untrusted);
std::string plain_file_name(const std::string& untrusted);
std::string redact_credentials(const std::string& text);

}  // namespace healgrid
