// The content identity of one input granule, for the restart journal's reuse decision: size,
// modification and change times (ns), device + inode, and a SHA-256 of a sample of the file's
// bytes (or of all of them). A granule rewritten in place with the same name and size changes
// its fingerprint through its mtime and ctime; one whose mtime was put back (touch -r, rsync
// -t, a restore) through its ctime, which no user call sets; --verify-inputs full hashes every
// byte as well (the sample: util/file_sample.hpp). Costs: docs/reliability.md "Journal reuse".
#pragma once

#include <string>

#include "healgrid/util/file_sample.hpp"

namespace healgrid {

enum class InputVerification { sample, full };

// "size=N mtime_ns=N ctime_ns=N dev=N ino=N sample_sha256=HEX" (or full_sha256=HEX). A file
// that cannot be read gets "unreadable=REASON" instead of the digest, never an error: the
// index pass reports it under --on-bad-granule like any bad granule.
std::string granule_fingerprint(const std::string& path, InputVerification mode);

}  // namespace healgrid
