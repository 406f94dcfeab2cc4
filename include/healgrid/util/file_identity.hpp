// What stat(2) says makes a file the same file: its device and inode, size, and modification
// and change times (ns). A rewrite in place changes the times (the change time even when the
// modification time is put back: no user call sets it); a file renamed over the path changes
// the inode. The restart journal's fingerprints (pipeline/input_fingerprint.hpp) and parked
// granule readers (read/granule_reader.hpp) both go by it.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>

namespace healgrid {

struct FileIdentity {
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;

  static FileIdentity of(const struct stat& st);
  // "size=N mtime_ns=N ctime_ns=N dev=N ino=N"
  std::string text() const;
  bool operator==(const FileIdentity& o) const {
    return device == o.device && inode == o.inode && size == o.size && mtime_ns == o.mtime_ns &&
           ctime_ns == o.ctime_ns;
  }
  bool operator!=(const FileIdentity& o) const { return !(*this == o); }
};

}  // namespace healgrid
