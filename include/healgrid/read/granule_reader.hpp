// Reads the configured columns of one granule (an HDF5 file): coordinates, filter datasets and
// variables, beam by beam, any range of a beam's points. A beam's points are the elements of
// its latitude dataset (read/dataset_column.hpp: 2-D coordinates are flattened, per-row and
// per-granule datasets broadcast). Decides which points are used: filters pass, coordinates
// finite and in range, the time (if the config has a time window) inside the window, and no
// coordinate, filter value or variable is without data by its CF attributes or the config's
// sentinels (read/cf_decoding.hpp); every sigma variable > 0, every weight > 0 and finite.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "healgrid/config/expression.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/chunk_carry.hpp"
#include "healgrid/read/chunk_reader.hpp"
#include "healgrid/read/dataset_column.hpp"
#include "healgrid/read/granule_error.hpp"
#include "healgrid/read/segment_links.hpp"
#include "healgrid/read/time_coordinate.hpp"
#include "healgrid/util/file_identity.hpp"

namespace healgrid {

struct BeamInfo {
  std::string group;
  std::uint64_t rows = 0;  // points: the latitude's elements
};

// One beam's points [row0, row0 + size()).
struct BeamChunk {
  std::uint64_t row0 = 0;
  std::vector<double> lat, lon;
  std::vector<std::vector<double>> values;  // per config variable; empty without variables
  std::vector<std::uint8_t> valid;          // 1 if the point is used
  std::size_t positioned = 0;               // read(): rows with a valid latitude and longitude
  std::vector<double> time;  // UTC POSIX seconds, filled by read() under config time_windows
  std::size_t size() const { return valid.size(); }
};

// Reads go through ChunkReader (raw chunks + libdeflate) where the dataset layout allows,
// else H5Dread; set HEALGRID_DIRECT_CHUNKS=0 in the environment to force H5Dread everywhere.
class GranuleReader {
 public:
  // Opens the file and checks every beam: a beam whose group or latitude dataset is absent is
  // skipped, one whose latitude has 0 rows opens nothing else (read() of it takes n = 0);
  // otherwise every configured dataset must exist, be numeric with usable CF
  // attributes, and fit the latitude's shape, with every HDF5 filter of its pipeline available.
  // Throws GranuleError (DatasetMismatch for a dataset that does not fit the config; a netCDF-3
  // file is refused with how to convert it to netCDF-4).
  // Which columns to open: every one (the index pass), or only those read_values() reads
  // (latitude for the beams' shapes, linked levels, variables): a granule the index pass
  // checked is reopened for its values at a third of the HDF5 metadata work.
  enum class Columns { all, values };
  GranuleReader(const std::string& path, const PipelineConfig& config,
                Columns columns = Columns::all);

  const std::string& path() const { return path_; }
  const std::vector<BeamInfo>& beams() const { return beams_; }
  // Whether the file is an output of healgrid (root attribute healgrid_version), not a granule.
  bool is_healgrid_output() const;

  // Reads points [row0, row0 + n) of beams()[beam]. Without variables, validity uses the
  // coordinates and filters only (the planning pass). REQUIRES: opened with Columns::all.
  void read(std::size_t beam, std::uint64_t row0, std::uint64_t n, bool with_variables,
            BeamChunk& out) const;

  // Reads only the variables of points [row0, row0 + n): values and their validity (data
  // present, sigma > 0). Coordinates and filters were checked by the index pass.
  void read_values(std::size_t beam, std::uint64_t row0, std::uint64_t n, BeamChunk& out) const;

  // Whether the beam's first linked level with a position per segment declares one
  // (config/linked_level.hpp: latitude/longitude), for the segment pre-selection.
  bool has_segment_positions(std::size_t beam) const;
  // That level's links and its segments' positions (valid[s] = 0 where a position has no data).
  // REQUIRES: has_segment_positions(beam).
  const SegmentLinks& positioned_links(std::size_t beam) const;
  void read_segment_positions(std::size_t beam, std::vector<double>& lat, std::vector<double>& lon,
                              std::vector<std::uint8_t>& valid) const;

  // The variables' chunks read only in part go to `carry` under `granule` (the granule's index
  // in the run), and chunks are first looked for there (read/chunk_carry.hpp): for the read
  // loop, which reads a granule again in each round. release_chunks() hands over the chunks
  // decoded now, before the reader is dropped. `carry` must outlive the reader.
  void carry_chunks_through(ChunkCarry& carry, std::uint32_t granule);
  void release_chunks();

  // Between the read loop's rounds (pipeline/phase_aggregate.cpp): hands the decoded chunks to
  // the carry and closes the HDF5 file and datasets, keeping what read_values() needs (every
  // variable chunk's place in the file, read/chunk_reader.hpp), so that a later round reads on
  // with plain file reads instead of opening the granule again. False, and the reader usable
  // as it was, unless every variable dataset is read by chunks, the config links no levels
  // (their segments would stay in memory) and the file has no userblock. A reader opened with
  // Columns::all (the index pass's) is one of Columns::values after it.
  bool park();
  // What a parked reader holds: its chunks' places, and an estimate of its objects.
  std::size_t parked_bytes() const;
  // Before reading a parked reader again: opens the file for plain reads. Throws GranuleError
  // when it is no longer the file that was parked (its size, inode, modification or status
  // change time changed: it was written or replaced meanwhile). REQUIRES: park() returned true.
  void unpark();

  // Index of the beam of `group` in beams(), or -1.
  int beam_index(const std::string& group) const;

  // String attribute `name` of variable `var`'s dataset in the first beam ("" if absent).
  std::string variable_attribute(int var, const std::string& name) const;

  // The `units` of each configured dataset of the variables, then of the filters (expressions
  // have none), in config order: the first beam's that has them, "" when none has. Throws
  // GranuleError when two beams give one dataset different units. REQUIRES: Columns::all.
  std::vector<std::string> dataset_units() const;

  // "" when every configured dataset's values are in the granule file, else the first that
  // are not, and where they are ("dataset /gt1l/h: stored in the external raw file h.bin"):
  // read/external_storage.hpp. Includes the linked levels' index datasets.
  std::string data_elsewhere() const;

 private:
  struct Beam {
    std::unique_ptr<DatasetColumn> lat, lon, time;  // time: when the config names one
    // Per config filter / variable; null for an expression.
    std::vector<std::unique_ptr<DatasetColumn>> filters, variables;
    // Per config filter: the spec with its value as the filter's dataset holds values.
    std::vector<FilterSpec> filter_specs;
    std::vector<std::shared_ptr<const SegmentLinks>> levels;  // per config level
    int positioned_level = -1;  // the first level with positions, if any: its lat/lon columns
    std::unique_ptr<DatasetColumn> segment_lat, segment_lon;
  };
  struct ColumnOpener;  // granule_reader.cpp
  // The constructor's steps: the file (refused when it is no granule), then beam after beam.
  void open_file();
  void open_beam(const PipelineConfig& config, const std::string& group, bool direct);
  void open_levels(const PipelineConfig& config, const std::string& group, const PointShape& points,
                   bool direct, Beam& beam);
  void open_filters(const PipelineConfig& config, const ColumnOpener& open, Beam& beam) const;
  void resolve_time_base(const PipelineConfig& config, const DatasetColumn& time);
  bool identify_parkable_file();  // granule_parking.cpp
  void check_variables(const Beam& b, std::uint64_t row0, std::uint64_t n, BeamChunk& out) const;
  void evaluate(Expression& e, const std::string& key, const std::vector<const double*>& inputs,
                std::size_t n, double* out) const;
  void prepare_expressions(const PipelineConfig& config);
  void apply_filter_expressions(const Beam& b, std::uint64_t row0, std::uint64_t n,
                                BeamChunk& out) const;
  std::vector<const double*> expression_inputs(
      const Expression& e, const std::vector<std::vector<double>>& values) const;

  // The file of a parked reader: what it was when parked, and its descriptor once unparked.
  struct ParkedFile {
    ParkedFile() = default;
    ParkedFile(const ParkedFile&) = delete;
    ParkedFile& operator=(const ParkedFile&) = delete;
    ~ParkedFile();
    void close();
    bool parked = false;
    int fd = -1;
    FileIdentity identity;
  };

  std::string path_;
  std::string levels_elsewhere_;  // data_elsewhere() of a linked level's index datasets
  TimeWindow window_;
  bool keep_time_ = false;  // config time_windows: read() fills BeamChunk::time
  Columns opened_ = Columns::all;
  TimeBase time_base_;           // resolved when the window or time_windows are active
  bool time_base_read_ = false;  // by the first beam with a time dataset
  H5Handle file_;
  std::vector<BeamInfo> beams_;
  std::vector<Beam> columns_;
  std::vector<bool> is_sigma_, is_weight_;  // per variable
  std::vector<std::string> variable_names_;
  // Per variable / filter: its expression, or null for a dataset.
  mutable std::vector<std::unique_ptr<Expression>> variable_exprs_, filter_exprs_;
  std::vector<int> filter_expression_variables_;  // dataset variables the filters' expressions use
  mutable std::vector<std::vector<double>> filter_inputs_;  // their values in the index pass
  mutable std::vector<double> filter_values_;  // reused between reads: no allocation per call
  ParkedFile parked_;
};

// The budget of parked readers: a 64th of the memory per rank and 32 MB (some 1000 ATL06
// granules).
inline std::size_t parked_readers_budget(double memory_per_rank) {
  return static_cast<std::size_t>(std::min(32e6, memory_per_rank / 64));
}

// Parked readers (GranuleReader::park) by the granule's index in the run, holding at most a
// budget of bytes together (GranuleReader::parked_bytes): the index pass hands its own to the
// read loop, which keeps those read again in a later round.
class ParkedReaders {
 public:
  explicit ParkedReaders(std::size_t budget = 0) : budget_(budget) {}
  void set_budget(std::size_t budget) { budget_ = budget; }
  // Parks `reader` under `granule` when it parks and fits the budget (`reader` is then null);
  // else leaves it open, its decoded chunks handed to the carry.
  void keep(std::uint32_t granule, std::unique_ptr<GranuleReader>& reader);
  // The reader parked under `granule`, unparked (throws as GranuleReader::unpark), or null.
  std::unique_ptr<GranuleReader> take(std::uint32_t granule);
  // Drops the readers of the granules `wanted` says no to.
  template <typename Wanted>
  void drop_unless(Wanted wanted) {
    for (auto it = readers_.begin(); it != readers_.end();) {
      if (wanted(it->first)) {
        ++it;
      } else {
        bytes_ -= it->second->parked_bytes();
        it = readers_.erase(it);
      }
    }
  }
  void clear() {
    readers_.clear();
    bytes_ = 0;
  }
  std::size_t size() const { return readers_.size(); }

 private:
  std::map<std::uint32_t, std::unique_ptr<GranuleReader>> readers_;
  std::size_t budget_, bytes_ = 0;
};

// Rank 0's check of the config before the index pass: opens the first granules that are
// readable HDF5 files holding a configured group and checks every configured dataset. Returns
// the DatasetMismatch message when the first such granule does not fit the config and neither
// do the next ones (at most `max_granules` looked at), "" otherwise: one odd granule is left to
// the index pass and --on-bad-granule.
std::string check_config_against_granules(const PipelineConfig& config,
                                          const std::vector<std::string>& paths,
                                          std::size_t max_granules = 3);

// After the index pass: `beams_per_group[i]` of the readable granules held config.groups[i].
// Each group found in none gives a warning (saying how many granules could not be read, when
// some could not); when readable granules exist but none holds any group, the config is wrong
// (an error naming the groups and the latitude path). No readable granule: nothing (the
// granules' own errors say why).
struct GroupCoverage {
  std::vector<std::string> warnings;
  std::string error;
};
GroupCoverage check_group_coverage(const PipelineConfig& config,
                                   const std::vector<long long>& beams_per_group,
                                   long long readable_granules, long long unreadable_granules = 0);

}  // namespace healgrid
