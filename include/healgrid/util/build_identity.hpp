// Which build of healgrid is running, for what must not outlive a change of the program (the
// restart journal: rounds computed by one build are not merged with another's).
#pragma once

#include <string>

namespace healgrid {

// The running executable's GNU build ID in hex ("build-id 7caa78ae..."; the linker's hash of
// the program's contents, so two builds of other sources or options differ), else the source
// commit and version ("commit f73a8e28d7c9 version 0.1.0") when the program has none.
// Computed once.
std::string build_identity();

}  // namespace healgrid
