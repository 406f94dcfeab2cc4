#include "healgrid/pipeline/index_pass.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>

#include "healgrid/pipeline/window_points.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/read/photon_selection.hpp"
#include "healgrid/util/fault.hpp"

namespace healgrid {

std::pair<std::size_t, std::size_t> index_share(const std::vector<Granule>& granules, int rank,
                                                int ranks) {
  double total = 0;
  for (const auto& g : granules) total += static_cast<double>(std::max<std::int64_t>(g.bytes, 1));
  // Granule i belongs to the rank whose byte range holds the middle of the granule.
  auto owner = [&, cumulative = 0.0, i = std::size_t{0}]() mutable {
    const double bytes = static_cast<double>(std::max<std::int64_t>(granules[i++].bytes, 1));
    const double middle = cumulative + bytes / 2;
    cumulative += bytes;
    return std::min(ranks - 1, static_cast<int>(middle / total * ranks));
  };
  std::size_t first = granules.size(), last = granules.size();
  for (std::size_t i = 0; i < granules.size(); ++i) {
    const int r = owner();
    if (r == rank && first == granules.size()) first = i;
    if (r > rank) {
      last = i;
      break;
    }
  }
  if (first == granules.size()) return {first, first};
  return {first, last};
}

bool IndexSelection::keeps(std::int64_t parent) const {
  if (parents.empty()) return true;
  const auto it = std::upper_bound(parents.begin(), parents.end(), parent,
                                   [](std::int64_t p, const auto& r) { return p < r.first; });
  return it != parents.begin() && parent <= std::prev(it)->second;
}

bool IndexSelection::wants(std::int64_t parent) const {
  return keeps(parent) &&
         (planned == nullptr || std::binary_search(planned->begin(), planned->end(), parent));
}

namespace {

// One granule's share of the result, kept only if the granule reads completely.
struct GranuleIndex {
  std::vector<ParentLoad> loads;
  PointVector points;
  PointWriter writer;                         // writes `points`
  std::vector<std::int64_t> keys;             // time windows: each point's window (else empty)
  std::optional<std::uint64_t> spilled_from;  // where its points begin in the spill, if there
};

// The rows of beam `b` to read: all of them, or the segment pre-selection's when the run wants
// only some parent cells and the beam has segment positions.
PhotonSelection rows_to_read(const GranuleReader& reader, std::size_t b, const HealpixGrid& grid,
                             const IndexSelection& select) {
  const auto rows = reader.beams()[b].rows;
  if (!select.restricted() || !reader.has_segment_positions(b)) return PhotonSelection::whole(rows);
  std::vector<double> lat, lon;
  std::vector<std::uint8_t> valid;
  reader.read_segment_positions(b, lat, lon, valid);
  std::vector<std::int64_t> parent(lat.size(), -1);
  for (std::size_t s = 0; s < lat.size(); ++s)
    if (valid[s] && lat[s] >= -90.0 && lat[s] <= 90.0 && std::isfinite(lon[s]))
      parent[s] = grid.parent_of(grid.cell(lat[s], lon[s]));
  return select_photons(
      reader.positioned_links(b), parent, [&](std::int64_t p) { return select.wants(p); }, rows);
}

// Whether a guard row of the chunk holds a photon of a wanted parent (filters aside: the
// guard is about where the photons are, not which are used).
bool guard_breached(const BeamChunk& chunk, const RowRanges& guards, std::size_t& next,
                    const HealpixGrid& grid, const IndexSelection& select) {
  const auto r0 = chunk.row0, r1 = chunk.row0 + chunk.size();
  while (next < guards.size() && guards[next].second <= r0) ++next;
  for (auto g = next; g < guards.size() && guards[g].first < r1; ++g)
    for (auto r = std::max(guards[g].first, r0); r < std::min(guards[g].second, r1); ++r) {
      const double lat = chunk.lat[r - r0], lon = chunk.lon[r - r0];
      if (lat >= -90.0 && lat <= 90.0 && std::isfinite(lon) &&
          select.wants(grid.parent_of(grid.cell(lat, lon))))
        return true;
    }
  return false;
}

// Whether points beyond the budget go to the spill rather than being dropped.
bool spilling(const IndexSelection& select) {
  return select.spill != nullptr && select.spill->active();
}

// After an overflow with a spill: the complete granules held so far, then the points of this
// granule indexed so far, go to the spill in order. The granule's first piece marks where its
// points begin, for a rollback if it fails later.
void spill_points(IndexResult& result, GranuleIndex& granule, PointSpill& spill) {
  spill.append_parts(result.points);
  result.points = {};
  if (!granule.spilled_from) {
    granule.spilled_from = spill.mark();
    spill.begin_part();
  }
  spill.append(granule.points);
  granule.points.clear();  // its capacity serves the next chunk
}

// A chunk's columns and cells, kept from granule to granule: filled again, never reallocated.
struct IndexScratch {
  BeamChunk chunk;
  std::vector<std::int64_t> cells;  // a tile's cells (-1: not a valid point)
  std::vector<PointEntry> entries;  // a tile's packed points, before they join the part
};

class BeamIndexer {
 public:
  BeamIndexer(const IndexSelection& select, const HealpixGrid& grid, const TimeWindows& windows,
              IndexResult& result, std::uint64_t stored, IndexScratch& scratch)
      : select_(select),
        grid_(grid),
        windows_(windows),
        window_of_(windows),
        result_(result),
        stored_(stored),
        chunk_(scratch.chunk),
        cells_(scratch.cells),
        entries_(scratch.entries) {}

  // Bins the rows of `rows` of beam `b` into `out`; false when a guard was breached (`out`
  // then holds part of the beam: the caller rolls it back).
  bool index(const GranuleReader& reader, std::size_t b, const PhotonSelection& rows,
             std::uint32_t tag, GranuleIndex& out) {
    std::size_t next_guard = 0;
    last_cell_ = -1;  // a beam's first point starts a cell run (also when read again)
    for (const auto& [begin, end] : rows.ranges)
      for (std::uint64_t row0 = begin; row0 < end; row0 += kRowBlock) {
        if (stop_signal() != 0) throw std::runtime_error(stop_reason());  // ~1 s, not a granule
        reader.read(b, row0, std::min(kRowBlock, end - row0), false, chunk_);
        result_.rows_scanned += static_cast<std::int64_t>(chunk_.size());
        result_.rows_without_position +=
            static_cast<std::int64_t>(chunk_.size() - chunk_.positioned);
        if (guard_breached(chunk_, rows.guards, next_guard, grid_, select_)) return false;
        bin(tag, out);
      }
    return true;
  }

 private:
  // Bins the chunk tile by tile: a tile's cells and packed points stay in cache until the
  // points are appended to `out` at once.
  void bin(std::uint32_t tag, GranuleIndex& out) {
    const std::size_t n = chunk_.size();
    cells_.resize(std::min(n, kTile));
    entries_.resize(kTileEntries);
    for (std::size_t t0 = 0; t0 < n; t0 += kTile) bin_tile(tag, t0, std::min(kTile, n - t0), out);
    if (!result_.overflowed && stored_ + out.points.size() > select_.max_points) {
      result_.overflowed = true;  // the run goes in passes
      if (!spilling(select_)) {   // keep the loads only
        out.points = {};
        out.keys = {};
        result_.points = {};
        result_.part_windows = {};
      }
    }
    // Past the budget, a spill takes the points chunk by chunk: a rank holds at most a chunk
    // beyond its budget (a beam when the pass is restricted: index_granules spills after each
    // beam, as a breached guard rolls the beam back).
    if (result_.overflowed && spilling(select_) && !select_.restricted())
      spill_points(result_, out, *select_.spill);
  }

  static constexpr std::size_t kTile = 4096;
  static constexpr std::size_t kTileEntries = kTile * PointWriter::kMaxEntries;

  void bin_tile(std::uint32_t tag, std::size_t t0, std::size_t n, GranuleIndex& out) {
    grid_.cells(chunk_.lat.data() + t0, chunk_.lon.data() + t0, chunk_.valid.data() + t0, n,
                cells_.data());
    // Locals, not members: the stores of points could alias them (a reload per point).
    const HealpixGrid grid = grid_;
    auto& loads = out.loads;
    const bool windows = windows_.active(), keep_points = !result_.overflowed || spilling(select_);
    const std::uint8_t* valid = chunk_.valid.data() + t0;
    const std::int64_t* cells = cells_.data();
    const auto row0 = static_cast<std::uint32_t>(chunk_.row0 + t0);
    std::int64_t parent_now = loads.empty() ? -1 : loads.back().parent;
    std::int64_t pending = 0;       // points of parent_now not yet counted in loads.back()
    std::int64_t pending_runs = 0;  // and its cell runs
    std::int64_t last_cell = last_cell_;
    std::int64_t key_first = result_.window_first, key_last = result_.window_last;
    PointWriter writer = out.writer;  // a local: see PointWriter::push(PointEntry*, ...)
    PointEntry* entries = entries_.data();
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!valid[i]) continue;
      const auto key = windows ? window_of_.key_of(chunk_.time[t0 + i]) : 0;
      if (key == kNoWindow) continue;  // between explicit windows
      key_first = std::min(key_first, key);
      key_last = std::max(key_last, key);
      const auto cell = cells[i];
      // A beam stays in one parent cell for long runs: extend the last load.
      const auto parent = grid.parent_of(cell);
      if (parent != parent_now) {
        if (!select_.keeps(parent)) continue;
        if (!loads.empty()) {
          loads.back().points += pending;
          loads.back().cell_runs += pending_runs;
        }
        loads.push_back({parent, 0, 0});
        parent_now = parent;
        pending = 0;
        pending_runs = 0;
      }
      pending_runs += cell != last_cell;
      last_cell = cell;
      if (keep_points) {
        m += writer.push(entries + m, {cell, tag, row0 + static_cast<std::uint32_t>(i)});
        if (windows) out.keys.push_back(key);
      }
      ++pending;
    }
    out.points.insert(out.points.end(), entries, entries + m);
    out.writer = writer;
    if (!loads.empty()) {
      loads.back().points += pending;
      loads.back().cell_runs += pending_runs;
    }
    last_cell_ = last_cell;
    if (windows) {
      result_.window_first = key_first;
      result_.window_last = key_last;
    }
  }

  const IndexSelection& select_;
  const HealpixGrid& grid_;
  const TimeWindows& windows_;
  WindowLookup window_of_;
  IndexResult& result_;
  std::uint64_t stored_;
  BeamChunk& chunk_;
  std::vector<std::int64_t>& cells_;
  std::vector<PointEntry>& entries_;
  std::int64_t last_cell_ = -1;  // the last kept point's cell (ParentLoad::cell_runs)
};

// Indexes one beam, with the segment pre-selection where it applies; a breached guard rolls
// the beam back and reads it whole.
void index_beam(const GranuleReader& reader, std::size_t b, std::uint32_t tag, BeamIndexer& indexer,
                const HealpixGrid& grid, const IndexSelection& select, IndexResult& result,
                GranuleIndex& out) {
  const auto rows = reader.beams()[b].rows;
  result.rows_in_beams += static_cast<std::int64_t>(rows);
  const auto selection = rows_to_read(reader, b, grid, select);
  const auto points_before = out.points.size(), keys_before = out.keys.size();
  const auto loads_before = out.loads.size();
  const auto last_load = out.loads.empty() ? ParentLoad{} : out.loads.back();
  const auto writer_before = out.writer;
  const auto unpositioned_before = result.rows_without_position;
  if (indexer.index(reader, b, selection, tag, out)) return;
  ++result.preselection_fallbacks;
  result.rows_without_position = unpositioned_before;  // counted again in the whole beam
  out.points.resize(std::min(points_before, out.points.size()));
  out.keys.resize(std::min(keys_before, out.keys.size()));
  out.writer = writer_before;
  out.loads.resize(loads_before);
  if (loads_before > 0) out.loads.back() = last_load;
  indexer.index(reader, b, PhotonSelection::whole(rows), tag, out);
}

}  // namespace

IndexResult index_granules(const Communicator& mpi, const std::vector<Granule>& granules,
                           const PipelineConfig& config, const HealpixGrid& grid,
                           const IndexSelection& select) {
  if (granules.size() >= (std::size_t{1} << 24) || config.groups.size() > 255)
    throw std::runtime_error("at most 16777215 granules and 255 beam groups per run");
  IndexResult result;
  result.group_beams.assign(config.groups.size(), 0);
  result.readers.set_budget(select.park_bytes);
  std::uint64_t stored = 0;  // points in result.points
  IndexScratch scratch;
  const auto [first, last] = index_share(granules, mpi.rank, mpi.size);
  for (std::size_t g = first; g < last; ++g) {
    if (stop_signal() != 0) break;  // SIGTERM: the caller reports stop_reason()
    if (select.left_out != nullptr && (*select.left_out)[g]) continue;
    GranuleIndex granule;
    try {
      auto opened = std::make_unique<GranuleReader>(granules[g].path, config);
      GranuleReader& reader = *opened;
      if (reader.beams().empty()) result.beamless.push_back(static_cast<std::int64_t>(g));
      if (result.data_elsewhere.empty())
        if (const auto where = reader.data_elsewhere(); !where.empty())
          result.data_elsewhere = granules[g].path + ": " + where;
      std::uint64_t rows = 0;
      for (const auto& beam : reader.beams()) rows += beam.rows;
      // Filled once, in order, in 2 MB pages (PointVector): room for every row and its headers
      // (a beam's three, the rows' high bits every 2^15 rows, and the cells' changes of a grid
      // finer than order 14: reserved memory is not touched until used).
      if (!result.overflowed)
        granule.points.reserve(rows + 6 * reader.beams().size() + rows / 8192 +
                               (grid.child_order() > 14 ? rows / 4 : 0));
      BeamIndexer indexer(select, grid, config.time_windows, result, stored, scratch);
      for (std::size_t b = 0; b < reader.beams().size(); ++b) {
        const auto& beam = reader.beams()[b];
        if (beam.rows > std::uint64_t{UINT32_MAX} + 1)
          throw GranuleError(granules[g].path + ": beam " + beam.group +
                             " has more than 2^32 rows");
        const auto group = std::find(config.groups.begin(), config.groups.end(), beam.group) -
                           config.groups.begin();
        ++result.group_beams[static_cast<std::size_t>(group)];
        const auto tag = pack_granule_group(g, static_cast<std::size_t>(group));
        index_beam(reader, b, tag, indexer, grid, select, result, granule);
        if (result.overflowed && spilling(select)) spill_points(result, granule, *select.spill);
      }
      if (!granule.loads.empty())
        result.units.emplace_back(static_cast<std::int64_t>(g), reader.dataset_units());
      if (!granule.loads.empty() && !result.overflowed)
        result.readers.keep(static_cast<std::uint32_t>(g), opened);
    } catch (const GranuleError& e) {
      if (granule.spilled_from && spilling(select)) select.spill->rollback(*granule.spilled_from);
      result.failures.emplace_back(static_cast<std::int64_t>(g), e.what());
      continue;  // nothing of a bad granule is used
    }
    stored += granule.points.size();
    if (!result.overflowed && config.time_windows.active())
      add_window_parts(std::move(granule.points), granule.keys, result);  // one part per window
    else if (!result.overflowed)
      result.points.push_back(std::move(granule.points));
    result.loads.insert(result.loads.end(), granule.loads.begin(), granule.loads.end());
    result.loads = merge_loads(std::move(result.loads));
  }
  return result;
}

}  // namespace healgrid
