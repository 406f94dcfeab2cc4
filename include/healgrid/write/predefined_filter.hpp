// Replacing one of HDF5's predefined filters (deflate, shuffle) for this process with a faster
// implementation of the same format. The public H5Zregister refuses ids below 256; HDF5's
// internal H5Z_register, which replaces a registered id in place, is exported by its shared
// library (1.10 to 1.14, same signature) but not declared: it is looked up at run time, and
// where it is missing (or the release is another) the built-in filter simply stays.
#pragma once

#include <hdf5.h>

namespace healgrid {

// Registers `filter` (both directions) and `set_local` (may be null) in place of the
// predefined filter `id`, under HDF5's own `name` (version-1 pipeline messages store it in the
// file). Returns false, changing nothing, when this HDF5 offers no way to do it.
bool replace_predefined_filter(H5Z_filter_t id, const char* name, H5Z_func_t filter,
                               H5Z_set_local_func_t set_local = nullptr);

}  // namespace healgrid
