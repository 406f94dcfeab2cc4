// The index pass, spread over all ranks: each rank opens its share of the granules (a
// contiguous block of the sorted list, balanced by file size, so that the points it later sends
// arrive at their owners already in granule order), reads coordinates and filter datasets
// once, bins every point that passes
// into its child cell, and counts points per parent cell for the plan. A pass that wants only
// some parent cells reads, in beams with segment positions, only the rows near them. The binned
// points (4 bytes each, plan/point_parts.hpp) are later routed to the ranks that own their cells
// (plan/point_exchange).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "healgrid/catalog/granule_list.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/point_exchange.hpp"
#include "healgrid/plan/point_spill.hpp"
#include "healgrid/plan/work_plan.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

struct IndexResult {
  // Per indexed granule, in (granule, group, row) order; each vector is reserved to the
  // granule's rows, so storing points never reallocates or over-allocates.
  PointParts points;
  std::vector<ParentLoad> loads;  // points per parent cell, this rank's granules
  // With config time_windows: the window key of each part (a part is one granule's points of
  // one window: pipeline/window_points.hpp); empty otherwise.
  std::vector<std::int64_t> part_windows;
  // With config time_windows: the first and last window key of this rank's points (first >
  // last when none), also when the points were given up (`overflowed`): the plan's window count.
  std::int64_t window_first = INT64_MAX, window_last = INT64_MIN;
  std::vector<std::pair<std::int64_t, std::string>> failures;  // granule index, reason
  std::vector<std::int64_t> beamless;  // readable granules holding none of the configured beams
  // The first of this rank's granules whose configured datasets keep values in other files
  // ("PATH: dataset D: a virtual dataset reading from F"; GranuleReader::data_elsewhere), or "".
  std::string data_elsewhere;
  // The configured datasets' units (GranuleReader::dataset_units) of each granule that gave
  // points, for pipeline/unit_agreement.hpp.
  std::vector<std::pair<std::int64_t, std::vector<std::string>>> units;
  std::vector<long long> group_beams;      // per config group: granules holding it (this rank's)
  std::int64_t rows_scanned = 0;           // point rows read (coordinates and filters)
  std::int64_t rows_without_position = 0;  // of the beams indexed: no valid latitude/longitude
  std::int64_t rows_in_beams = 0;  // the indexed beams' rows: what whole-beam reads would scan
  // Beams whose segment pre-selection was not trusted (a guard segment held a photon of a
  // wanted cell, read/photon_selection.hpp) and that were read whole.
  std::int64_t preselection_fallbacks = 0;
  // More points than IndexSelection::max_points: `points` was emptied (the loads are complete)
  // and the run proceeds in passes (plan/pass_plan.hpp); with a spill, every point went to it.
  bool overflowed = false;
  // With IndexSelection::park_bytes: the parked readers of granules that gave points, for the
  // read loop.
  ParkedReaders readers;
};

// Which points the index pass keeps (the default: all of them).
struct IndexSelection {
  // Sorted, disjoint parent ranges [first, last]: only points of these parents are binned,
  // stored and counted (one pass of a multi-pass run); empty: every parent.
  std::vector<std::pair<std::int64_t, std::int64_t>> parents;
  // Beyond this many stored points the pass stops storing, frees them and counts loads only;
  // or, with an active `spill`, writes them there and the rest too, granule by granule (the
  // run in passes reads them back: plan/point_spill.hpp). Not owned; nullptr: no spill.
  std::uint64_t max_points = UINT64_MAX;
  PointSpill* spill = nullptr;
  // Parks the reader of each granule that gave points (IndexResult::readers) while they hold
  // at most this many bytes and the points did not overflow: the read loop then opens none of
  // them again. 0: none is parked.
  std::size_t park_bytes = 0;
  // The catalog's planned parent cells (sorted) when the run is restricted to them: points
  // elsewhere are dropped after the pass (pipeline/catalog_inputs.hpp), so the segment
  // pre-selection need not read them.
  const std::vector<std::int64_t>* planned = nullptr;
  // Per granule, whether the run left it out (--on-bad-granule skip in its first index pass):
  // a later pass does not open it again, so a granule that fails for a passing cause (a lock,
  // an I/O error) and then reads gives none of its points to some passes only. Not owned;
  // nullptr: every granule.
  const std::vector<std::uint8_t>* left_out = nullptr;
  bool keeps(std::int64_t parent) const;
  // Whether the run wants the parent's points at all (keeps it and, if restricted, planned).
  bool wants(std::int64_t parent) const;
  // Whether some parents are not wanted: then a linked level's segment positions select the
  // point rows to read (read/photon_selection.hpp).
  bool restricted() const { return !parents.empty() || planned != nullptr; }
};

// The granules [first, last) that `rank` indexes: contiguous blocks of about equal bytes.
std::pair<std::size_t, std::size_t> index_share(const std::vector<Granule>& granules, int rank,
                                                int ranks);

// Rows read per HDF5 call: bounds the transient memory of one beam.
constexpr std::uint64_t kRowBlock = std::uint64_t{1} << 20;

IndexResult index_granules(const Communicator& mpi, const std::vector<Granule>& granules,
                           const PipelineConfig& config, const HealpixGrid& grid,
                           const IndexSelection& select = {});

}  // namespace healgrid
