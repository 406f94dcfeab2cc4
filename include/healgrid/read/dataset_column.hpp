// One configured dataset of one beam, seen as a column over the beam's points. The points are
// the elements of the beam's latitude dataset: its rows, or for a 2-D latitude (ATL08 20 m
// sub-segments, swath lat/lon [scanline, pixel]) its rows x columns flattened row-major. A
// column either has the points' shape, or holds one value per row (1-D, broadcast across the
// row's columns), or one value for the whole granule (a scalar or 1-element dataset). A
// `[:, k]` selector turns column k of a 2-D dataset into a 1-D one. Reads decode the CF
// attributes (cf_decoding.hpp) and clear the validity of points without data.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/angle_units.hpp"
#include "healgrid/read/cf_decoding.hpp"
#include "healgrid/read/chunk_reader.hpp"
#include "healgrid/read/granule_error.hpp"

namespace healgrid {

class SegmentLinks;

struct PointShape {
  std::uint64_t rows = 0, cols = 1;  // cols 1: a 1-D set of points
  // The dimension scales (netCDF-4 dimensions) of the rows and columns, by path; "" unknown.
  std::string row_dim, col_dim;
  std::uint64_t points() const { return rows * cols; }
  bool operator==(const PointShape& o) const { return rows == o.rows && cols == o.cols; }
};

class DatasetColumn {
 public:
  // Opens `selector.path` (groups already expanded) in the open `file`; `file_path` and `key`
  // (the config key, e.g. "variables.h_li") name it in errors. Throws DatasetMismatch when the
  // dataset is missing, not numeric, of more than 2 dimensions, or its CF attributes are unusable;
  // GranuleError when a filter of its pipeline is not available (its chunks cannot be decoded).
  DatasetColumn(hid_t file, const std::string& file_path, const std::string& key,
                const DatasetSelector& selector, const std::vector<double>& sentinels,
                bool direct_chunks);

  // The selected shape: rows x columns (columns 1 for a 1-D dataset or a selected column).
  const PointShape& shape() const { return shape_; }
  const std::string& path() const { return path_; }
  hid_t dataset() const { return dataset_.get(); }

  // Maps the column on a beam of `points` (the latitude's shape); throws DatasetMismatch when it
  // neither matches, nor is per row, nor per granule.
  // `allow_granule_value`: a 1-element dataset may stand for the whole granule.
  void bind(const PointShape& points, bool allow_granule_value);

  // Maps the column on the points through a linked level: one row per segment, each value
  // broadcast to the points the segment owns (read/segment_links.hpp); `level_key` names the
  // level in errors. Throws DatasetMismatch when the rows are not one per segment.
  void bind_level(std::shared_ptr<const SegmentLinks> links, const std::string& level_key);

  // A coordinate: its values are read in degrees, converted from its `units` (angle_units.hpp);
  // throws DatasetMismatch naming the dataset when those units are not an angle of this axis.
  void read_in_degrees(CoordinateAxis axis);

  // Drops valid_min / valid_max / valid_range: longitudes are wrapped, so 0..360 data under a
  // -180..180 valid range keeps its points.
  void ignore_valid_range();

  // Points [p0, p0 + n): decoded values into out (resized to n); valid[i] = 0 where a value has
  // no data. Throws GranuleError naming the file, dataset and rows when HDF5 cannot read them.
  void read(std::uint64_t p0, std::uint64_t n, std::vector<double>& out, std::uint8_t* valid);

  // "" when every value is in the granule file, else where they are (read/external_storage.hpp).
  const std::string& data_elsewhere() const { return elsewhere_; }

  // The direct chunk reader, or null where the dataset is read with H5Dread.
  ChunkReader* chunk_reader() { return chunks_.get(); }
  // Parking (GranuleReader::park): locate_chunks() is false unless every read goes through the
  // chunk reader and it located every chunk (chunk_reader.hpp); then park() closes the dataset,
  // keeping what reads need, and read_from(fd) serves them from the file opened again.
  bool reads_by_chunks() const { return chunks_ != nullptr; }
  bool locate_chunks() { return chunks_ && chunks_->locate_all(); }
  void park();
  void read_from(int fd) { chunks_->read_from(fd); }
  std::size_t parked_bytes() const { return chunks_ ? chunks_->parked_bytes() : 0; }
  // A filter threshold as this dataset holds values (CfDecoding::in_stored_precision).
  double threshold(double t) const { return decoding_.in_stored_precision(t); }
  // Whether a comparison with `t` is exact in double: not for a threshold at or beyond 2^53 of
  // unpacked 64-bit integers (float64 holds every integer only below 2^53).
  bool compares_exactly(double t) const {
    return !(decoding_.wide_integers && !decoding_.packed() && std::fabs(t) >= 9007199254740992.0);
  }

 private:
  enum class Mapping { same, per_row, per_granule, per_segment };
  void read_rows(std::uint64_t r0, std::uint64_t nr, double* out);
  void read_segments(std::uint64_t p0, std::uint64_t n, std::vector<double>& out,
                     std::uint8_t* valid);
  [[noreturn]] void mismatch(const std::string& what) const;
  // Refuses what the shapes cannot tell apart but the dimension scales can: a square swath's
  // dataset stored in the latitude's other order, or one value per row stored along its columns.
  void check_dimension_order(const PointShape& points) const;
  // Throws when path_ is a soft link to no object (DatasetMismatch: a missing dataset) or an
  // external link that cannot be followed (GranuleError); returns for any other link.
  void dangling_link(hid_t file) const;
  // After H5Dopen2 failed: throws saying why (missing, a link to nothing, damaged metadata,
  // no dataset, or HDF5's reason), in the words of the checks that used to precede the open.
  [[noreturn]] void refuse_unopenable(hid_t file) const;
  void require_virtual_sources(hid_t file, const H5Handle& dcpl) const;
  // Throws DatasetMismatch when the dataset is a netCDF-4 dimension without a variable.
  void refuse_bare_netcdf_dimension(hid_t file) const;
  void require_filters(const H5Handle& dcpl) const;
  void select_dimensions(hid_t space);

  std::string file_path_, key_, path_;
  std::string elsewhere_;  // data_elsewhere()
  H5Handle dataset_;
  int rank_ = 1;                     // of the selection: the dimensions kept, at most 2
  int full_rank_ = 1;                // of the dataset
  bool unlimited_rows_ = false;      // the rows' dimension is unlimited (a netCDF record dimension)
  std::int64_t column_ = -1;         // selected column of a 2-D dataset
  std::vector<std::int64_t> index_;  // per dataset dimension: -1 kept, else the fixed index
  PointShape shape_;                 // selected shape
  PointShape points_;                // the beam's, after bind()
  Mapping mapping_ = Mapping::same;
  CfDecoding decoding_;
  std::unique_ptr<ChunkReader> chunks_;  // the fast path for chunked deflate datasets
  std::vector<double> scratch_;
  std::vector<std::uint64_t> integers_;        // stored 64-bit integers (CfDecoding::exact)
  std::shared_ptr<const SegmentLinks> links_;  // per_segment only
  std::vector<std::int64_t> segment_of_;
  std::vector<std::uint8_t> segment_valid_;
};

}  // namespace healgrid
