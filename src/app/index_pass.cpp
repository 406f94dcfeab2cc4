#include "healgrid/app/index_pass.hpp"

#include <algorithm>
#include <map>

#include "healgrid/read/granule_reader.hpp"
#include "healgrid/util/fault.hpp"

namespace healgrid {

IndexResult index_granules(const MpiContext& mpi, const std::vector<Granule>& granules,
                           const PipelineConfig& config, const HealpixGrid& grid) {
  IndexResult result;
  BeamChunk chunk;
  for (std::size_t g = mpi.rank; g < granules.size(); g += mpi.size) {
    if (stop_signal() != 0) break;  // SIGTERM: the caller reports stop_reason()
    std::vector<IndexEntry> entries;
    try {
      GranuleReader reader(granules[g].path, config);
      if (reader.beams().empty()) result.beamless.push_back(static_cast<std::int64_t>(g));
      for (std::size_t b = 0; b < reader.beams().size(); ++b) {
        const auto& beam = reader.beams()[b];
        const auto group = std::find(config.groups.begin(), config.groups.end(), beam.group) -
                           config.groups.begin();
        std::map<std::int64_t, IndexEntry> per_parent;
        IndexEntry* current = nullptr;  // a beam stays in one parent cell for long runs
        for (std::uint64_t row0 = 0; row0 < beam.rows; row0 += kRowBlock) {
          reader.read(b, row0, std::min(kRowBlock, beam.rows - row0), false, chunk);
          result.rows_scanned += static_cast<std::int64_t>(chunk.size());
          for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (!chunk.valid[i]) continue;
            const auto parent = grid.parent_of(grid.cell(chunk.lat[i], chunk.lon[i]));
            const auto row = static_cast<std::int64_t>(row0 + i);
            if (!current || current->parent != parent) {
              auto [it, fresh] = per_parent.try_emplace(parent);
              if (fresh) it->second = {static_cast<std::int64_t>(g), group, parent, 0, row, row};
              current = &it->second;
            }
            current->points += 1;
            current->row_hi = row + 1;
          }
        }
        for (const auto& [parent, e] : per_parent) entries.push_back(e);
      }
    } catch (const GranuleError& e) {
      result.failures.emplace_back(static_cast<std::int64_t>(g), e.what());
      continue;
    }
    result.entries.insert(result.entries.end(), entries.begin(), entries.end());
  }
  return result;
}

}  // namespace healgrid
