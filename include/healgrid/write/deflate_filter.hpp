// HDF5's deflate filter (id 1, what nc_def_var_deflate and H5Pset_deflate select), replaced
// for this process by faster encoders writing the same format: compressing the output chunks
// is most of the write phase. Levels 1-4 (the default output.deflate_level is 4) use
// write/greedy_deflate, built for chunks that are mostly fill: 2x libdeflate's speed, 4x
// zlib's, for output a few percent larger. Levels 5-9 use libdeflate at that level (smaller,
// slower); level 0 stores.
//
// Contract: the chunks are standard zlib streams (RFC 1950), so any HDF5/NetCDF reader
// decodes them with its own zlib; only the compressed bytes differ from zlib's. At levels 1-4
// they depend on healgrid's code only, at 5-9 also on the libdeflate release. The level is
// cd_values[0], as for HDF5's own filter (clamped to 0..9). Reads of deflated chunks in this
// process go through libdeflate.
#pragma once

namespace healgrid {

// Registers the filter in place of HDF5's built-in one. Call before creating the file;
// calling again is cheap and harmless. Returns false (HDF5's zlib filter stays, output is
// the same format) when this HDF5 build offers no way to replace a predefined filter.
bool use_fast_hdf5_deflate();

}  // namespace healgrid
