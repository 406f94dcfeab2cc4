// Where a dataset's values live when they are not in its granule file: the source files of a
// virtual dataset, external raw data files (H5Pset_external), or the file an external link
// leads to. The restart journal fingerprints the granule files only (pipeline/journal.hpp), so
// a run that reads such data neither reuses nor writes rounds: a source rewritten after a
// killed run would otherwise come back with its old values.
//
// Both take the dataset's creation property list (`dcpl`, from H5Dget_create_plist): a granule
// opens dozens of datasets, each once for all its checks.
//
// data_elsewhere: "" when every value of `dataset` is in `file`, else where they are, e.g.
// "stored in the external raw file h.bin" or "a virtual dataset reading from src.h5".
//
// require_external_raw_files: HDF5 reads the bytes an external raw file lacks as zeros, exit 0;
// throws GranuleError ("FILE_PATH: KEY: dataset PATH ...") when one is missing, or shorter than
// the bytes the dataset takes from it. Files are looked for as HDF5 does: the dataset access
// HDF5_EXTFILE_PREFIX, else the access list's prefix (`${ORIGIN}` the granule's folder), else the
// path as given (relative to the working directory).
#pragma once

#include <hdf5.h>

#include <string>

#include "healgrid/io/h5_handle.hpp"

namespace healgrid {

std::string data_elsewhere(hid_t file, hid_t dataset, const H5Handle& dcpl);

void require_external_raw_files(hid_t dataset, const H5Handle& dcpl, const std::string& file_path,
                                const std::string& key, const std::string& path);

}  // namespace healgrid
