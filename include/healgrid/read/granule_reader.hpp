// Reads the configured columns of one granule (an HDF5 file): coordinates, filter datasets and
// variables, beam by beam, any row range (an HDF5 hyperslab). Decides which points are used:
// filters pass, coordinates finite and in range, every variable finite and not its dataset's
// _FillValue, every sigma variable > 0.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/chunk_reader.hpp"

namespace healgrid {

// A granule that cannot be read as configured; the message names the file and dataset.
class GranuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BeamInfo {
  std::string group;
  std::uint64_t rows = 0;
};

// One beam's rows [row0, row0 + size()).
struct BeamChunk {
  std::uint64_t row0 = 0;
  std::vector<double> lat, lon;
  std::vector<std::vector<double>> values;  // per config variable; empty without variables
  std::vector<std::uint8_t> valid;          // 1 if the point is used
  std::size_t size() const { return valid.size(); }
};

// Reads go through ChunkReader (raw chunks + libdeflate) where the dataset layout allows,
// else H5Dread; set HEALGRID_DIRECT_CHUNKS=0 in the environment to force H5Dread everywhere.
class GranuleReader {
 public:
  // Opens the file and checks every beam: a beam whose group or latitude dataset is absent is
  // skipped; otherwise every configured dataset must exist, be 1-D numeric, and have the
  // latitude's length. Throws GranuleError.
  GranuleReader(const std::string& path, const PipelineConfig& config);

  const std::string& path() const { return path_; }
  const std::vector<BeamInfo>& beams() const { return beams_; }

  // Reads rows [row0, row0 + n) of beams()[beam]. Without variables, validity uses the
  // coordinates and filters only (the planning pass).
  void read(std::size_t beam, std::uint64_t row0, std::uint64_t n, bool with_variables,
            BeamChunk& out) const;

  // Reads only the variables of rows [row0, row0 + n): values and their validity (finite, not
  // the fill value, sigma > 0). Coordinates and filters were checked by the index pass.
  void read_values(std::size_t beam, std::uint64_t row0, std::uint64_t n, BeamChunk& out) const;

  // Index of the beam of `group` in beams(), or -1.
  int beam_index(const std::string& group) const;

  // String attribute `name` of variable `var`'s dataset in the first beam ("" if absent).
  std::string variable_attribute(int var, const std::string& name) const;

 private:
  struct Column {
    H5Handle dataset;
    std::string path;
    bool has_fill = false;
    double fill = 0;
    std::unique_ptr<ChunkReader> chunks;  // the fast path, when the layout allows it
  };
  struct Beam {
    Column lat, lon;
    std::vector<Column> filters, variables;
  };
  Column open_column(const std::string& path, std::uint64_t expected_rows, bool set_rows,
                     std::uint64_t* rows) const;
  void check_variables(const Beam& b, std::uint64_t row0, std::uint64_t n, BeamChunk& out) const;
  void read_column(const Column& c, std::uint64_t row0, std::uint64_t n,
                   std::vector<double>& out) const;

  std::string path_;
  std::vector<FilterSpec> filters_;
  H5Handle file_;
  std::vector<BeamInfo> beams_;
  std::vector<Beam> columns_;
  std::vector<bool> is_sigma_;                 // per variable
  mutable std::vector<double> filter_values_;  // reused between reads: no allocation per call
};

}  // namespace healgrid
