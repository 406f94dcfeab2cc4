// Phase 1, resolve (rank 0, broadcast): the granule list, the catalog selection, the inputs'
// identity, and the restart journal keyed by it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "healgrid/pipeline/catalog_inputs.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/inputs_digest.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/write/netcdf_writer.hpp"

namespace healgrid {
namespace {

// The output directory must be writable before any expensive work starts: a probe write of
// 64 KiB (synced) to OUT.partial, removed at once, catches a read-only or full file system, a
// missing permission (also for root) and a tiny file-size limit. Throws naming the path.
void check_output_path(const std::string& output) {
  struct stat st {};
  if (stat(output.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw InputError(output + ": output path is a directory");
  if (stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw InputError(output + ": output path exists and is not a regular file");
  const auto slash = output.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : output.substr(0, slash + 1);
  if (access(dir.c_str(), W_OK) != 0)
    throw InputError(dir + ": output directory is missing or not writable");
  const std::string probe = partial_path(output);
  // O_NOFOLLOW: a symlink planted at OUT.partial fails the run here instead of being written
  // through (by this probe, then by the netCDF library).
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(probe + ": cannot create the output file: " + std::strerror(errno));
  const std::vector<char> block(64 * 1024, 0);
  int err = 0;
  if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) || fsync(fd) != 0)
    err = errno != 0 ? errno : ENOSPC;
  if (close(fd) != 0 && err == 0) err = errno;
  unlink(probe.c_str());
  if (err != 0) throw InputError(probe + ": cannot write the output file: " + std::strerror(err));
}

// Paths and sizes from rank 0; names derived from the paths.
void bcast_granules(const Communicator& comm, std::vector<Granule>& granules) {
  std::vector<std::string> paths;
  std::vector<std::int64_t> bytes;
  for (const auto& g : granules) {
    paths.push_back(g.path);
    bytes.push_back(g.bytes);
  }
  comm.bcast(paths);
  comm.bcast(bytes);
  if (comm.is_root()) return;
  granules.clear();
  for (std::size_t i = 0; i < paths.size(); ++i)
    granules.push_back({paths[i], paths[i].substr(paths[i].find_last_of('/') + 1), bytes[i]});
}

}  // namespace

ResolvedInputs resolve_phase(RunContext& ctx) {
  const auto& opt = ctx.options;
  ResolvedInputs in;
  run_on_root(ctx.comm, [&] {
    check_output_path(opt.output);
    // A catalog (--catalog, or a query) instead of --input: pipeline/catalog_inputs.hpp.
    in.granules = opt.inputs.empty() ? resolve_run_granules(opt, ctx.grid(), in.catalog)
                                     : resolve_inputs(opt.inputs, ctx.config().input_suffixes);
    if (in.granules.empty()) throw InputError("no granule files found in the inputs");
  });
  // Fail fast: the config against the first granules, before any rank reads them (exit 2).
  run_on_root(ctx.comm, [&] {
    std::vector<std::string> paths;
    for (const auto& g : in.granules) paths.push_back(g.path);
    if (const auto error = check_config_against_granules(ctx.config(), paths); !error.empty())
      throw ConfigError(error + " (the config does not fit the granules: fix the config)");
  });
  bcast_granules(ctx.comm, in.granules);
  bcast_selection(ctx.comm, in.catalog);
  if (ctx.comm.is_root())
    in.inputs_sha256 =
        inputs_sha256({ctx.setup.config_text, ctx.setup.overrides,
                       opt.on_bad_granule == BadGranulePolicy::skip ? "skip" : "fail",
                       in.catalog.catalog_sha256, in.granules});
  ctx.comm.bcast(in.inputs_sha256);
  ctx.figures.granules = static_cast<long long>(in.granules.size());
  return in;
}

void open_journal(RunContext& ctx, RunJournal& journal) {
  std::string line;
  run_on_root(ctx.comm, [&] { line = journal.open(); });
  ctx.observers.note(line);
}

}  // namespace healgrid
