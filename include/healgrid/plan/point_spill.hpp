// The binned points of a run in passes, spilled once to node-local scratch so that each pass
// reads them back instead of reading and binning the coordinates again (docs/performance.md,
// "Re-reading coordinates or spilling the binned points?"). One file per rank, without a
// name: it is unlinked as soon as it is made (O_TMPFILE, else mkstemp + unlink), so nothing
// is left behind however the run ends. A directory that cannot hold it (none given, not
// writable, full) turns the spill off with the reason; the run then reads the coordinates
// again, as before.
//
// The file holds parts (plan/point_parts.hpp: one per granule), each written as one or more
// pieces whose entries continue one another; reading back keeps the points of the wanted
// parent cells, in the order written, so a pass gets the points a re-index would give it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/point_parts.hpp"
#include "healgrid/plan/work_plan.hpp"

namespace healgrid {

class PointSpill {
 public:
  // `directory`: where the file is made, at the first write; "" turns the spill off, with
  // `why_off` as its error().
  explicit PointSpill(std::string directory, std::string why_off = "no scratch directory");
  ~PointSpill();
  PointSpill(const PointSpill&) = delete;
  PointSpill& operator=(const PointSpill&) = delete;

  // Whether points go to the file: a directory was given and no write failed.
  bool active() const { return error_.empty(); }
  // Why the spill is off ("" while active).
  const std::string& error() const { return error_; }
  const std::string& directory() const { return directory_; }
  std::uint64_t bytes() const { return end_; }

  // Starts a new part; the pieces appended until the next begin_part() continue it.
  void begin_part();
  // Appends `entries` to the current part. A failed write turns the spill off (error()).
  // REQUIRES: begin_part() was called since construction or the last rollback.
  void append(const PointVector& entries);
  // Appends each of `parts` as a part of its own (whole granules held in memory).
  void append_parts(const PointParts& parts);
  // The end of what is written: rollback(mark()) forgets what is appended after it (a granule
  // that failed half-way gives no point).
  std::uint64_t mark() const { return end_; }
  void rollback(std::uint64_t mark);

  // Every spilled point whose parent cell `wants`, part by part in the order written (empty
  // parts dropped), and the points per parent cell of those kept (merge_loads' order, cell
  // runs counted per granule beam as the index pass counts them). Throws std::runtime_error
  // naming the file's directory when a read fails.
  PointParts read_back(const std::function<bool(std::int64_t)>& wants, const HealpixGrid& grid,
                       std::vector<ParentLoad>& loads) const;

 private:
  struct Record {  // before each piece
    std::uint64_t part, entries;
  };
  bool open_file();
  bool write_all(const void* data, std::size_t bytes);
  void fail(const std::string& why);
  void read_exact(void* data, std::size_t bytes, std::uint64_t at) const;

  std::string directory_, error_;
  int fd_ = -1;
  std::uint64_t end_ = 0, part_ = 0;
  bool in_part_ = false;
};

// Where --scratch `option` puts the spill: "none" turns it off; "" takes $TMPDIR (Slurm jobs
// often get a node-local one), else /tmp, unless that is held in memory (tmpfs, ramfs: its
// pages would count against the job's memory beside the budget), which turns it off too; any
// other value is the directory, as the user chose it. `directory` is "" when off, and
// `why_off` says why.
struct SpillPlace {
  std::string directory, why_off;
};
SpillPlace spill_place(const std::string& option);
// Whether `directory` is on a file system held in memory (false when it cannot be told).
bool in_memory_file_system(const std::string& directory);

}  // namespace healgrid
