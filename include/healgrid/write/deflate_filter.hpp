// HDF5's deflate filter (id 1, what nc_def_var_deflate and H5Pset_deflate select), backed by
// libdeflate instead of zlib for this process: compressing the output chunks is most of the
// write phase, and libdeflate is several times faster than zlib at the same level.
//
// Contract: the chunks are standard zlib streams (RFC 1950), so any HDF5/NetCDF reader
// decodes them with its own zlib; only the compressed bytes differ from zlib's. The level is
// cd_values[0], as for HDF5's own filter (clamped to 0..9). Reads of deflated chunks in this
// process go through libdeflate too.
#pragma once

namespace healgrid {

// Registers the libdeflate filter in place of HDF5's built-in one. Call before creating the
// file; calling again is cheap and harmless. Returns false (HDF5's zlib filter stays, output
// is the same format) when this HDF5 build offers no way to replace a predefined filter.
bool use_libdeflate_for_hdf5_deflate();

}  // namespace healgrid
