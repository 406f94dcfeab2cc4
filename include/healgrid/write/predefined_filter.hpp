// Replacing one of HDF5's predefined filters (deflate, shuffle) for this process with a faster
// implementation of the same format. The public H5Zregister refuses ids below 256; HDF5's
// internal H5Z_register, which replaces a registered id in place, is exported by its shared
// library (1.10 to 1.14, same signature) but not declared: it is looked up at run time, and
// where it is missing (or the release is another) the built-in filter simply stays.
#pragma once

#include <hdf5.h>

namespace healgrid {

// Registers `cls` in place of the predefined filter cls.id (which must be initialised by
// HDF5 already). Returns false, changing nothing, when this HDF5 offers no way to do it.
bool replace_predefined_filter(const H5Z_class2_t& cls);

}  // namespace healgrid
