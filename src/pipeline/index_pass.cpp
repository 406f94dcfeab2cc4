#include "healgrid/pipeline/index_pass.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "healgrid/pipeline/window_points.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/util/fault.hpp"
#include "healgrid/util/huge_pages.hpp"

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

IndexResult index_granules(const Communicator& mpi, const std::vector<Granule>& granules,
                           const PipelineConfig& config, const HealpixGrid& grid,
                           const IndexSelection& select) {
  if (granules.size() >= (std::size_t{1} << 24) || config.groups.size() > 255)
    throw std::runtime_error("at most 16777215 granules and 255 beam groups per run");
  IndexResult result;
  result.group_beams.assign(config.groups.size(), 0);
  BeamChunk chunk;
  std::uint64_t stored = 0;  // points in result.points
  const auto& windows = config.time_windows;
  WindowLookup window_of(windows);
  std::vector<std::int64_t> keys;  // time windows: each stored point's window
  const auto [first, last] = index_share(granules, mpi.rank, mpi.size);
  for (std::size_t g = first; g < last; ++g) {
    if (stop_signal() != 0) break;  // SIGTERM: the caller reports stop_reason()
    std::vector<ParentLoad> loads;  // this granule's, kept only if it reads completely
    std::vector<PointRef> points;
    keys.clear();
    try {
      GranuleReader reader(granules[g].path, config);
      if (reader.beams().empty()) result.beamless.push_back(static_cast<std::int64_t>(g));
      std::uint64_t rows = 0;
      for (const auto& beam : reader.beams()) rows += beam.rows;
      if (!result.overflowed) {
        points.reserve(rows);  // filled once, in order: fault it in 2 MB pages
        advise_huge_pages(points.data(), points.capacity() * sizeof(PointRef));
      }
      for (std::size_t b = 0; b < reader.beams().size(); ++b) {
        const auto& beam = reader.beams()[b];
        if (beam.rows > std::numeric_limits<std::uint32_t>::max())
          throw GranuleError(granules[g].path + ": beam " + beam.group +
                             " has more than 2^32 rows");
        const auto group = std::find(config.groups.begin(), config.groups.end(), beam.group) -
                           config.groups.begin();
        ++result.group_beams[static_cast<std::size_t>(group)];
        const auto tag = pack_granule_group(g, static_cast<std::size_t>(group));
        for (std::uint64_t row0 = 0; row0 < beam.rows; row0 += kRowBlock) {
          if (stop_signal() != 0) throw std::runtime_error(stop_reason());  // ~1 s, not a granule
          reader.read(b, row0, std::min(kRowBlock, beam.rows - row0), false, chunk);
          result.rows_scanned += static_cast<std::int64_t>(chunk.size());
          for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (!chunk.valid[i]) continue;
            const auto key = windows.active() ? window_of.key_of(chunk.time[i]) : 0;
            if (key == kNoWindow) continue;  // between explicit windows
            const auto cell = grid.cell(chunk.lat[i], chunk.lon[i]);
            // A beam stays in one parent cell for long runs: extend the last load.
            const auto parent = grid.parent_of(cell);
            if (loads.empty() || loads.back().parent != parent) {
              if (!select.keeps(parent)) continue;
              loads.push_back({parent, 0});
            }
            if (!result.overflowed) {
              points.push_back({cell, tag, static_cast<std::uint32_t>(row0 + i)});
              if (windows.active()) keys.push_back(key);
            }
            ++loads.back().points;
          }
          if (!result.overflowed && stored + points.size() > select.max_points) {
            result.overflowed = true;  // the run goes in passes: keep the loads only
            points = {};
            keys = {};
            result.points = {};
            result.part_windows = {};
          }
        }
      }
    } catch (const GranuleError& e) {
      result.failures.emplace_back(static_cast<std::int64_t>(g), e.what());
      continue;  // nothing of a bad granule is used
    }
    stored += points.size();
    if (!result.overflowed && windows.active())
      add_window_parts(std::move(points), keys, result);  // one part per window
    else if (!result.overflowed)
      result.points.push_back(std::move(points));
    result.loads.insert(result.loads.end(), loads.begin(), loads.end());
    result.loads = merge_loads(std::move(result.loads));
  }
  return result;
}

}  // namespace healgrid
