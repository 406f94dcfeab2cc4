// Room for the collective part of the write, checked before it starts.
// HDF5 1.10's collective metadata flush (inside nc_enddef and nc_close) does not survive a
// write that fails on one rank only: a short write at a file-size limit (`ulimit -f`, no EFBIG
// or SIGXFSZ) or a full file system leaves the ranks waiting in different collectives, and the
// job hangs until killed (not even SIGTERM ends it). So before the file is created, every rank
// checks that its file-size limit, and rank 0 that the free space of the output's file system,
// can hold an upper bound of what that collective part writes (the header, the chunk indexes,
// the provenance, and the statistics themselves when they are stored uncompressed). Compressed
// chunks are stored afterwards by rank 0 alone (write/direct_chunk_writer), where a failure is
// one rank's error and ends the job cleanly. The free-space check cannot see another process
// filling the disk in between, nor a quota the file system does not report through statvfs.
#pragma once

#include <cstdint>
#include <string>

namespace healgrid {

struct CollectiveWriteSize {
  std::uint64_t variables = 0;       // every variable of every group, coordinates included
  std::uint64_t chunks = 0;          // chunks over every chunked variable
  std::uint64_t text_bytes = 0;      // provenance text and attributes, roughly
  std::uint64_t raw_data_bytes = 0;  // data written through netCDF's collective writes
};

// Bytes the collective part can write at most: 256 KiB + 16 KiB per variable + 512 B per chunk
// (measured: 6 KiB per variable and 245 B per chunk of early-allocated index, dense and sparse)
// + twice the text + the raw data.
std::uint64_t collective_write_bound(const CollectiveWriteSize& size);

// "" when `bytes` fit below this process's RLIMIT_FSIZE; otherwise the reason, naming `path`.
std::string file_size_limit_problem(const std::string& path, std::uint64_t bytes);
// "" when the file system holding `path` (its directory) has `bytes` free for this user;
// otherwise the reason, naming the directory.
std::string free_space_problem(const std::string& path, std::uint64_t bytes);

}  // namespace healgrid
