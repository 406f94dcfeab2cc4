// Is a downloaded file (or the start of one) a granule at all? Earthdata answers a download
// whose login or EULA acceptance failed with an HTML page and status 200: without this check
// the page would be kept as the granule, or resumed into a file of HTML + granule bytes.
// A granule is HDF5 (the superblock signature \x89HDF\r\n\x1a\n at offset 0, or at 512, 1024,
// 2048, ... after a user block) or netCDF-3 ("CDF\x01", "CDF\x02", "CDF\x05" at offset 0).
#pragma once

#include <string>

namespace healgrid {

// True when the file at `path` starts like an HDF5 or netCDF file (a signature at one of the
// offsets above, within the file's length). False for a missing or empty file.
bool starts_like_granule(const std::string& path);

// Why the file at `path`, downloaded from `url`, is not a granule and what to do, for an error
// message: an Earthdata Login page (credentials refused or missing), a EULA page (with the URL
// to accept it when the page shows one), other HTML, or unknown bytes. No credentials in it.
std::string explain_not_a_granule(const std::string& path, const std::string& url);

}  // namespace healgrid
