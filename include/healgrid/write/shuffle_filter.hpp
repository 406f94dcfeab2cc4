// HDF5's shuffle filter (id 2, what nc_def_var_deflate(shuffle=1) and H5Pset_shuffle select),
// with word-at-a-time loops for 4- and 8-byte elements in place of HDF5's byte-by-byte one:
// the output's float and id chunks are shuffled before deflate, and that loop was ~12% of the
// write phase. The byte layout is HDF5's exactly (byte k of every element in plane k; bytes
// left over by a partial element copied last), so files are unchanged and any reader
// unshuffles them. Like HDF5's filter, the element size is taken from the dataset's type when
// the dataset is created (cd_values[0]).
#pragma once

namespace healgrid {

// Registers it in place of HDF5's shuffle for this process; see write/predefined_filter.hpp.
// Returns false (HDF5's own shuffle stays) when that is not possible.
bool use_fast_hdf5_shuffle();

}  // namespace healgrid
