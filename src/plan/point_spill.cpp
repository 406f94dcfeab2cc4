#include "healgrid/plan/point_spill.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "healgrid/util/require.hpp"

namespace healgrid {

bool in_memory_file_system(const std::string& directory) {
  struct statfs fs {};
  if (::statfs(directory.c_str(), &fs) != 0) return false;
  return fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
}

SpillPlace spill_place(const std::string& option) {
  if (option == "none") return {"", "--scratch none"};
  if (!option.empty()) return {option, ""};
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  if (in_memory_file_system(dir))
    return {"", "the default scratch " + dir +
                    " is held in memory (tmpfs): give --scratch a directory on a disk"};
  return {dir, ""};
}

PointSpill::PointSpill(std::string directory, std::string why_off)
    : directory_(std::move(directory)) {
  if (directory_.empty()) error_ = std::move(why_off);
}

PointSpill::~PointSpill() {
  if (fd_ >= 0) ::close(fd_);
}

void PointSpill::fail(const std::string& why) {
  error_ = "scratch directory " + directory_ + ": " + why;
  if (fd_ >= 0) ::close(fd_);  // the file has no name: closing it frees its blocks
  fd_ = -1;
}

// A file without a name: nothing to remove, whatever ends the run.
bool PointSpill::open_file() {
  fd_ = ::open(directory_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    std::string path = directory_ + "/healgrid-spill-XXXXXX";  // a file system without O_TMPFILE
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ >= 0) ::unlink(path.c_str());
  }
  if (fd_ < 0) fail(std::strerror(errno));
  return fd_ >= 0;
}

bool PointSpill::write_all(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const auto n = ::pwrite(fd_, p, bytes, static_cast<off_t>(end_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail(n < 0 ? std::strerror(errno) : "nothing written");
      return false;
    }
    p += n;
    bytes -= static_cast<std::size_t>(n);
    end_ += static_cast<std::uint64_t>(n);
  }
  return true;
}

void PointSpill::begin_part() {
  ++part_;
  in_part_ = true;
}

void PointSpill::append(const PointVector& entries) {
  HEALGRID_REQUIRE(in_part_, "a part begun");
  if (!active() || entries.empty()) return;
  if (fd_ < 0 && !open_file()) return;
  const Record record{part_, entries.size()};
  if (write_all(&record, sizeof record))
    write_all(entries.data(), entries.size() * sizeof(PointEntry));
}

void PointSpill::append_parts(const PointParts& parts) {
  for (const auto& part : parts) {
    begin_part();
    append(part);
  }
}

void PointSpill::rollback(std::uint64_t mark) {
  HEALGRID_REQUIRE(mark <= end_, "a mark of this spill");
  end_ = mark;  // later writes overwrite; reads stop at end_
  in_part_ = false;
}

void PointSpill::read_exact(void* data, std::size_t bytes, std::uint64_t at) const {
  auto* p = static_cast<char*>(data);
  while (bytes > 0) {
    const auto n = ::pread(fd_, p, bytes, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error("reading the points spilled to scratch directory " + directory_ +
                               ": " + (n < 0 ? std::strerror(errno) : "the file is short"));
    p += n;
    bytes -= static_cast<std::size_t>(n);
    at += static_cast<std::uint64_t>(n);
  }
}

namespace {

// The points kept of the parts read back, and their loads counted as the index pass counts.
class KeptPoints {
 public:
  KeptPoints(const std::function<bool(std::int64_t)>& wants, const HealpixGrid& grid)
      : wants_(wants), grid_(grid) {}

  void start_part() {
    HEALGRID_REQUIRE(!half_header_, "whole headers in a part");
    finish_part();
    state_ = {};
    writer_ = {};
  }
  // The next `n` entries of the part; a header's two entries may lie in two calls.
  void add(const PointEntry* entries, std::size_t n) {
    std::size_t i = 0;
    if (half_header_ && n > 0) {
      const PointEntry header[2] = {first_half_, entries[0]};
      state_.apply(header);
      half_header_ = false;
      i = 1;
    }
    for (; i < n; ++i) {
      if (!entries[i].is_header()) {
        keep(state_.point(entries[i]));
      } else if (i + 1 < n) {
        state_.apply(&entries[i++]);  // and the header's second entry
      } else {
        first_half_ = entries[i];
        half_header_ = true;
      }
    }
  }
  PointParts finish(std::vector<ParentLoad>& loads) {
    finish_part();
    loads = merge_loads(std::move(loads_));
    return std::move(parts_);
  }

 private:
  void keep(const PointRef& p) {
    const auto parent = grid_.parent_of(p.cell);
    if (parent != parent_ || p.granule_group != beam_) {
      if (parent != parent_) wanted_ = wants_(parent);
      if (p.granule_group != beam_) last_cell_ = -1;  // a beam's first point starts a cell run
      parent_ = parent;
      beam_ = p.granule_group;
      if (wanted_) loads_.push_back({parent, 0, 0});
    }
    if (!wanted_) return;
    loads_.back().points += 1;
    loads_.back().cell_runs += p.cell != last_cell_;
    last_cell_ = p.cell;
    writer_.push(part_, p);
  }
  void finish_part() {
    if (!part_.empty()) parts_.push_back(std::move(part_));
    part_ = {};
  }

  const std::function<bool(std::int64_t)>& wants_;
  const HealpixGrid& grid_;
  PointState state_;
  PointWriter writer_;
  PointVector part_;
  PointParts parts_;
  std::vector<ParentLoad> loads_;
  std::int64_t parent_ = -1, last_cell_ = -1;
  std::uint32_t beam_ = PointState::kNone;
  bool wanted_ = false;
  PointEntry first_half_;  // a header's first entry, the last of the previous call
  bool half_header_ = false;
};

}  // namespace

PointParts PointSpill::read_back(const std::function<bool(std::int64_t)>& wants,
                                 const HealpixGrid& grid, std::vector<ParentLoad>& loads) const {
  HEALGRID_REQUIRE(active(), "an active spill");
  KeptPoints kept(wants, grid);
  constexpr std::size_t kBlock = std::size_t{1} << 20;  // entries per read: 4 MB
  std::vector<PointEntry> block(kBlock);
  std::uint64_t part = 0;
  for (std::uint64_t at = 0; at < end_;) {
    Record record{};
    read_exact(&record, sizeof record, at);
    at += sizeof record;
    if (record.part != part) kept.start_part();
    part = record.part;
    for (std::uint64_t done = 0; done < record.entries;) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, record.entries - done));
      read_exact(block.data(), n * sizeof(PointEntry), at);
      kept.add(block.data(), n);
      done += n;
      at += n * sizeof(PointEntry);
    }
  }
  return kept.finish(loads);
}

}  // namespace healgrid
