// Phase 1, resolve (rank 0, broadcast): the granule list, the catalog selection, the inputs'
// identity, and the restart journal keyed by it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>

#include "healgrid/io/output_lock.hpp"
#include "healgrid/io/output_owner.hpp"
#include "healgrid/io/run_partial.hpp"
#include "healgrid/pipeline/catalog_inputs.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/input_fingerprint.hpp"
#include "healgrid/pipeline/inputs_digest.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/pipeline/progress_file.hpp"
#include "healgrid/pipeline/run_metrics.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/util/build_identity.hpp"
#include "healgrid/write/netcdf_writer.hpp"

namespace healgrid {
namespace {

// The output directory must be writable before any expensive work starts: a probe write of
// 64 KiB (synced) to this run's OUT.partial.<run>, removed at once, catches a read-only or
// full file system, a missing permission (also for root) and a tiny file-size limit. Throws
// naming the path.
void check_output_path(const std::string& output) {
  io::check_output_location(output);  // also checked before the lock was taken
  const std::string probe = partial_path(output);
  // The name is this run's own (io/run_partial.hpp): O_EXCL|O_NOFOLLOW, so anything already
  // there, a planted symlink included, fails the run here instead of being written through.
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(probe + ": cannot create the output file: " + std::strerror(errno));
  const std::vector<char> block(io::kOutputProbeBytes, 0);
  int err = 0;
  const ssize_t written = write(fd, block.data(), block.size());
  if (written < 0)
    err = errno;
  else if (written != static_cast<ssize_t>(block.size()))
    err = ENOSPC;  // a short write: no room left (errno is not set)
  else if (fsync(fd) != 0)
    err = errno;
  if (close(fd) != 0 && err == 0) err = errno;
  unlink(probe.c_str());
  if (err != 0) throw InputError(probe + ": cannot write the output file: " + std::strerror(err));
}

// Whether `path` is the file `out` describes (device and inode: any spelling, link or hard link).
bool is_file(const std::string& path, const struct stat& out) {
  struct stat in {};
  return stat(path.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

// The directory part of `path` ("." when it has none).
std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// This run's own files beside its output (its lock, progress file, temporary outputs, restart
// journal), known by device and inode, each looked up once. A glob over the output's directory
// (`--input 'data/*' --output data/grid.nc`) matches them, and the lock exists before the
// inputs are listed: none is a granule, and none may enter the inputs' hash.
class OwnFiles {
 public:
  explicit OwnFiles(const std::string& output)
      : previous_(identity(output) && io::is_healgrid_output(output) ? identity(output)
                                                                     : std::nullopt),
        lock_(identity(io::lock_path(output))),
        progress_(identity(progress_path(output))),
        journal_(identity(output + ".journal")),
        output_dir_(identity(dir_of(output))),
        partial_prefix_(output.substr(output.find_last_of('/') + 1) + ".partial") {}

  // What of them `path` is ("output" for its previous output); "" for any other file.
  std::string kind_of(const std::string& path) const {
    const auto file = identity(path);
    if (file && file == previous_) return "output";
    if (file && file == lock_) return "lock file";
    if (file && file == progress_) return "progress file";
    if (!journal_ && !output_dir_) return "";
    const auto dir = identity(dir_of(path));
    if (dir && dir == journal_) return "restart journal";
    if (dir && dir == output_dir_ &&
        path.substr(path.find_last_of('/') + 1).rfind(partial_prefix_, 0) == 0)
      return "temporary output";
    return "";
  }

 private:
  using Identity = std::optional<std::pair<dev_t, ino_t>>;
  static Identity identity(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return std::nullopt;
    return std::make_pair(st.st_dev, st.st_ino);
  }
  Identity previous_, lock_, progress_, journal_, output_dir_;
  std::string partial_prefix_;
};

// A rerun with its output beside its granules (`--input data/ --output data/grid.nc`) finds
// its previous output among them: a healgrid output is never a granule, so it is left out, with
// a note (any other file that is the output stays, and check_output_is_no_input refuses it).
// The run's own other files are left out too.
void leave_out_own_files(const std::string& output, std::vector<Granule>& granules) {
  const OwnFiles own_files(output);
  const auto own = std::remove_if(granules.begin(), granules.end(), [&](const Granule& g) {
    const std::string kind = own_files.kind_of(g.path);
    if (!kind.empty())
      std::fprintf(stderr, "healgrid run: note: %s is this run's %s, not a granule: left out\n",
                   g.path.c_str(), kind.c_str());
    return !kind.empty();
  });
  granules.erase(own, granules.end());
}

// The output must not be one of the granules (the same file by device and inode, whatever the
// spelling: `./G.h5`, a symlink, a hard link): its rename at the end would replace the granule.
void check_output_is_no_input(const std::string& output, const std::vector<Granule>& granules) {
  struct stat out {};
  if (stat(output.c_str(), &out) != 0) return;  // not there yet: no granule can be it
  for (const auto& g : granules) {
    if (is_file(g.path, out))
      throw std::invalid_argument("--output " + output + " is the input granule " + g.path +
                                  " (the same file): the run would replace it; choose another "
                                  "output path (the granule is left untouched)");
  }
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

// Collective: every granule's fingerprint (rank r hashes granules r, r + size, ...: the full
// hash of --verify-inputs full is spread over the ranks), in granule order on rank 0.
std::vector<std::string> fingerprints(const Communicator& comm,
                                      const std::vector<Granule>& granules,
                                      InputVerification mode) {
  std::string mine;  // one line per granule of this rank
  run_on_every_rank(comm, [&] {
    for (std::size_t i = static_cast<std::size_t>(comm.rank); i < granules.size();
         i += static_cast<std::size_t>(comm.size))
      mine += granule_fingerprint(granules[i].path, mode) + '\n';
  });
  const auto per_rank = comm.gather(mine);
  std::vector<std::string> out(granules.size());
  if (!comm.is_root()) return out;
  for (std::size_t r = 0; r < per_rank.size(); ++r) {
    std::size_t at = 0;
    for (std::size_t i = r; i < granules.size(); i += per_rank.size()) {
      const auto end = per_rank[r].find('\n', at);
      out[i] = per_rank[r].substr(at, end - at);
      at = end + 1;
    }
  }
  return out;
}

}  // namespace

ResolvedInputs resolve_phase(RunContext& ctx) {
  const auto& opt = ctx.options;
  ResolvedInputs in;
  run_on_root(ctx.comm, [&] {
    check_output_path(opt.output);
    // A catalog (--catalog, or a query) instead of --input: pipeline/catalog_inputs.hpp.
    std::vector<Granule> found;  // every file the inputs name, duplicates included
    in.granules = opt.inputs.empty() ? resolve_run_granules(opt, ctx.grid(), in.catalog)
                                     : resolve_inputs(opt.inputs, ctx.config().input_suffixes,
                                                      &found, {opt.output + ".journal"});
    // A copy left out as a duplicate is an input too (exit 2, not "not a healgrid output"); the
    // run's own previous output is left out below.
    if (!io::is_healgrid_output(opt.output)) check_output_is_no_input(opt.output, found);
    leave_out_own_files(opt.output, in.granules);
    if (in.granules.empty() && opt.inputs.empty())
      throw InputError(in.catalog.catalog_path + ": the catalog lists no granule to grid (" +
                       std::to_string(in.catalog.catalog_granules) + " entries, " +
                       std::to_string(in.catalog.left_out) +
                       " left out as outside the planned cells)");
    if (in.granules.empty()) {
      std::string given;
      for (const auto& i : opt.inputs) given += (given.empty() ? "" : ", ") + i;
      throw InputError("no granule files found in the inputs" +
                       (given.empty() ? std::string() : " (" + given + ")"));
    }
    check_output_is_no_input(opt.output, in.granules);
    io::check_output_replaceable(opt.output);  // replaced at the end: only a healgrid output
    std::vector<std::string> others = {opt.output};
    if (!opt.config_path.empty()) others.push_back(opt.config_path);
    if (!opt.catalog_path.empty()) others.push_back(opt.catalog_path);
    for (const auto& g : in.granules) others.push_back(g.path);
    check_metrics_path(opt.metrics_json, opt.output, others);
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
  if (opt.inputs.empty())
    verify_catalog_checksums(ctx.comm, in.granules, opt.verify_catalog_checksums, in.catalog);
  if (ctx.comm.is_root())
    in.inputs_sha256 =
        inputs_sha256({ctx.setup.config_text, ctx.setup.overrides,
                       opt.on_bad_granule == BadGranulePolicy::skip ? "skip" : "fail",
                       in.catalog.catalog_sha256, in.granules});
  ctx.comm.bcast(in.inputs_sha256);
  // The journal reuses rounds only for granules of the same content (a rewrite in place keeps
  // name and size, hence inputs_sha256). Without a journal (--rounds 0) nothing is reused.
  if (opt.rounds != 0) {
    const auto prints = fingerprints(ctx.comm, in.granules, opt.verify_inputs);
    if (ctx.comm.is_root())
      in.journal_key = journal_key(in.inputs_sha256, build_identity(), in.granules, prints);
    ctx.comm.bcast(in.journal_key);
  }
  ctx.figures.granules = static_cast<long long>(in.granules.size());
  return in;
}

void open_journal(RunContext& ctx, RunJournal& journal) {
  std::string line;
  run_on_root(ctx.comm, [&] { line = journal.open(); });
  ctx.observers.note(line);
}

void turn_journal_off_for_data_elsewhere(RunContext& ctx, const IndexResult& mine,
                                         RunJournal& journal) {
  std::string first;
  for (const auto& where : ctx.comm.gather(mine.data_elsewhere))  // rank 0's list
    if (first.empty()) first = where;
  ctx.comm.bcast(first);
  if (first.empty()) return;
  journal.turn_off();
  ctx.observers.note("[journal] off: " + first +
                     ": the journal fingerprints the granule files only, so this run neither "
                     "reuses nor journals rounds (a rerun after a stop computes everything)");
}

}  // namespace healgrid
