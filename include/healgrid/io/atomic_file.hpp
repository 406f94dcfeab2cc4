// Durable, all-or-nothing files: every file healgrid keeps (output, journal rounds, progress,
// metrics, catalogs, campaign plans, downloads, maps, synthetic granules) reaches its final name
// only complete. The bytes go to a unique temporary name in the same directory, created with
// O_CREAT|O_EXCL|O_NOFOLLOW (an existing file or a planted symlink there is never followed nor
// overwritten), are fsync'ed, renamed over the final name in one step (readers see the old file
// or the new one, never a mix) and the directory is fsync'ed so the rename survives a crash.
// Errors throw std::runtime_error naming the final path and the system's reason; a failed write
// leaves the final name as it was and removes the temporary.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace healgrid::io {

// Whether the file now at a final name may be replaced. Without one (nullptr) anything there is
// replaced: the caller owns the name (it holds the output's lock, or checked it). With one, a
// name that is free at the commit is taken without replacing (rename with RENAME_NOREPLACE, or
// link and unlink): a file that appears there during the work is never overwritten; a file
// already there is replaced only when MayReplace approves it just before the rename; otherwise
// the commit throws naming the path, the file there untouched.
using MayReplace = std::function<bool(const std::string& path)>;

// A file being written under a temporary name; commit() gives it its final name. Destroyed
// without commit (an error, an exception), it removes the temporary.
class AtomicFile {
 public:
  explicit AtomicFile(std::string final_path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  const std::string& final_path() const { return final_path_; }
  const std::string& temporary_path() const { return temporary_path_; }
  int fd() const { return fd_; }  // for writers that need the descriptor (e.g. fdopen)

  void write(std::string_view bytes);  // all of them, retrying short writes
  // fsync, close, rename to the final path, fsync the directory. At most once.
  void commit(const MayReplace& may_replace = nullptr);

 private:
  std::string final_path_;
  std::string temporary_path_;
  int fd_ = -1;
  int tracked_ = -1;  // its slot among the temporaries a hard stop removes (util/fault.hpp)
};

// The whole file in one call.
void write_file_atomically(const std::string& path, std::string_view contents,
                           const MayReplace& may_replace = nullptr);

// For a file another library wrote under a fixed temporary name (the netCDF output's
// OUT.partial, a download's NAME.partial, an HDF5 granule): fsync it, rename it to `to`, fsync
// the directory. `from` must be a regular file, not a symlink.
void commit_file(const std::string& from, const std::string& to,
                 const MayReplace& may_replace = nullptr);

// Whether `name` is a temporary name AtomicFile gave some file `<final>`: `suffix` is what
// follows "<final>", ".tmp.<pid>.<n>.<hex>" (used to sweep the temporaries of killed runs).
bool is_temporary_suffix(std::string_view suffix);

// fsync of the directory holding `path` (after a rename or an unlink in it).
void sync_parent_directory(const std::string& path);

}  // namespace healgrid::io
