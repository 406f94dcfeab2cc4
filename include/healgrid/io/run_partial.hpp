// The run's temporary output name, unique per run: `OUT.partial.<pid>.<random>` (rank 0's pid
// and a random number, broadcast so every rank writes the same file). Two runs on the same
// output never share a temporary file, and the stop handlers remove only this run's. A run
// holding the output lock (io/output_lock.hpp) removes the temporaries earlier runs of the same
// output left when they were killed (SIGKILL, node failure): nobody else can be writing them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace healgrid::io {

// A fresh tag for this run ("<pid>.<8 hex digits>"), made once on rank 0.
std::string new_run_tag();
// Sets the process's tag (every rank, the same); "" gives the plain `OUT.partial`.
void set_run_tag(const std::string& tag);
// `<output>.partial.<tag>`.
std::string run_partial_path(const std::string& output);
// The zero bytes a run writes (synced) to its own `<output>.partial.<tag>` before any work, to
// find a full or read-only file system at once; removed then.
constexpr std::size_t kOutputProbeBytes = 64 * 1024;

// Removes the regular files `<output>.partial.<digits>.<8 hex digits>` other than this run's
// that are empty, HDF5, or a probe's zeros (a user's file of another kind under such a name is
// left), and their
// MPI-IO sidecars (`.data.<n>`, `.metadata.<n>`: OpenMPI's shared file pointers);
// returns their names. Call only while holding the output lock.
std::vector<std::string> remove_stale_partials(const std::string& output);
// Removes the regular files AtomicFile left at `<path>.tmp.<pid>.<n>.<hex>` when a run was
// killed while writing `path` (the progress file beside the output); returns their names. Call
// only while holding the output lock, before this run writes `path`.
std::vector<std::string> remove_stale_temporaries(const std::string& path);

}  // namespace healgrid::io
