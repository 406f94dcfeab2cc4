// HEALGRID_REQUIRE(condition, message): checks a precondition a header states (a caller's
// promise, not a property of the input data) in Debug builds, i.e. when NDEBUG is not defined.
// A broken promise is a bug in healgrid: the process prints the condition, the message and the
// place to stderr and aborts (under mpirun the whole job ends). In Release builds the macro
// compiles to nothing and the condition is not evaluated, so it may sit on hot paths. Bad input
// data is never checked with it: that is a typed error naming the file (see read/, config/).
#pragma once

namespace healgrid {

[[noreturn]] void precondition_failed(const char* condition, const char* message, const char* file,
                                      int line);

}  // namespace healgrid

#ifdef NDEBUG
#define HEALGRID_REQUIRE(condition, message) static_cast<void>(0)
#else
#define HEALGRID_REQUIRE(condition, message) \
  ((condition) ? static_cast<void>(0)        \
               : ::healgrid::precondition_failed(#condition, message, __FILE__, __LINE__))
#endif
