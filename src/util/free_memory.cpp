#include "healgrid/util/free_memory.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc, which the test below needs

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace healgrid {

void return_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);  // also releases whole free pages inside the heap, not only its top
#endif
}

}  // namespace healgrid
