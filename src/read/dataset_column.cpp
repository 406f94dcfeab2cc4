#include "healgrid/read/dataset_column.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/external_storage.hpp"
#include "healgrid/read/segment_links.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

std::string with_cause(const std::string& msg) {
  const auto cause = h5_error_line();
  return cause.empty() ? msg : msg + " (HDF5: " + cause + ")";
}

// The path of `object` in its file; "" when it has none.
std::string object_path(hid_t object) {
  const ssize_t n = H5Iget_name(object, nullptr, 0);
  if (n <= 0) return "";
  std::string name(static_cast<std::size_t>(n) + 1, '\0');
  H5Iget_name(object, name.data(), name.size());
  name.resize(static_cast<std::size_t>(n));
  return name;
}

// The path of the dimension scale attached to dimension `dim` of `dataset` (netCDF-4 dimensions
// are HDF5 dimension scales), or the dataset's own for the first dimension of a dataset that is
// itself a scale (a netCDF coordinate variable: ground_pixel(ground_pixel)); "" when none or
// several are attached.
std::string dimension_scale(hid_t dataset, unsigned dim) {
  const int scales = H5DSget_num_scales(dataset, dim);
  if (scales <= 0 && dim == 0 && H5DSis_scale(dataset) > 0) return object_path(dataset);
  if (scales != 1) return "";
  std::string path;
  H5DSiterate_scales(
      dataset, dim, nullptr,
      [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
        *static_cast<std::string*>(out) = object_path(scale);
        return 1;  // the only one
      },
      &path);
  return path;
}

// "/group/along" -> "along": the name ncpdq and ncdump give a dimension.
std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string shape_text(const PointShape& s, bool two_d) {
  return two_d ? "[" + std::to_string(s.rows) + ", " + std::to_string(s.cols) + "]"
               : "[" + std::to_string(s.rows) + "]";
}

}  // namespace

DatasetColumn::DatasetColumn(hid_t file, const std::string& file_path, const std::string& key,
                             const DatasetSelector& selector, const std::vector<double>& sentinels,
                             bool direct_chunks)
    : file_path_(file_path),
      key_(key),
      path_(selector.path),
      column_(selector.column),
      index_(selector.index) {
  // Opened at once (a granule opens dozens of datasets, once per round): only a failure is
  // looked into, to say why.
  dataset_ = H5Handle(H5Dopen2(file, path_.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset_.valid()) refuse_unopenable(file);
  refuse_bare_netcdf_dimension(file);
  // One creation property list for every check of the layout below.
  const H5Handle dcpl(H5Dget_create_plist(dataset_.get()), H5Pclose);
  require_filters(dcpl);
  require_virtual_sources(file, dcpl);
  require_external_raw_files(dataset_.get(), dcpl, file_path_, key_, path_);
  elsewhere_ = healgrid::data_elsewhere(file, dataset_.get(), dcpl);
  const H5Handle stored(H5Dget_type(dataset_.get()), H5Tclose);
  const H5Handle type = h5::value_type(stored.get());  // an enum: its integers
  const auto cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) mismatch("dataset " + path_ + " is not numeric");
  H5Handle space(H5Dget_space(dataset_.get()), H5Sclose);
  if (H5Sget_simple_extent_type(space.get()) == H5S_NULL)  // h5py's Empty: no value at all
    mismatch("dataset " + path_ + " has no elements (a null dataspace)");
  select_dimensions(space.get());
  try {
    decoding_ = read_cf_decoding(dataset_.get(), sentinels);
  } catch (const CfAttributeError& e) {
    mismatch("dataset " + path_ + ": " + e.what());
  }
  // Any rank: the reader keeps the selector's dimensions (rows, then columns) as read_rows does.
  if (direct_chunks && full_rank_ >= 1 && !decoding_.exact.active) {
    chunks_ = std::make_unique<ChunkReader>(dataset_.get(), dcpl, index_);
    if (!chunks_->supported()) chunks_.reset();
    HEALGRID_REQUIRE(!chunks_ || chunks_->width() == shape_.cols, "the reader's columns");
  }
}

// Why `path_` does not open as a dataset, in the order a reader would look: no such link (the
// config's mistake), a link to nothing, an object HDF5 cannot read (the granule's damage), an
// object that is no dataset (the config's), or HDF5's own reason.
void DatasetColumn::refuse_unopenable(hid_t file) const {
  if (!granule_path_exists(file, file_path_, path_))
    throw DatasetMismatch(file_path_ + ": " + key_ + ": missing dataset " + path_);
  H5O_info_t info{};
  if (H5Oget_info_by_name2(file, path_.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
    dangling_link(file);  // a link to nothing is no damage
    throw GranuleError(
        file_path_ + ": " + key_ + ": " +
        with_cause("cannot read the object header of " + path_ + ": damaged metadata"));
  }
  if (info.type != H5O_TYPE_DATASET) mismatch(path_ + " is not a dataset (a group?)");
  H5Handle again(H5Dopen2(file, path_.c_str(), H5P_DEFAULT), H5Dclose);  // for HDF5's reason
  throw GranuleError(file_path_ + ": " + key_ + ": " + with_cause("cannot open dataset " + path_));
}

// Every filter of the dataset's pipeline must be available (built in or a loadable plugin):
// otherwise its chunks cannot be decoded and the granule fails only when read.
void DatasetColumn::require_filters(const H5Handle& dcpl) const {
  const int n = dcpl.valid() ? H5Pget_nfilters(dcpl.get()) : 0;
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, filter_config = 0;
    std::size_t values = 0;
    char name[128] = {};
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &values,
                                           nullptr, sizeof name, name, &filter_config);
    if (id >= 0 && H5Zfilter_avail(id) > 0) continue;
    throw GranuleError(file_path_ + ": " + key_ + ": dataset " + path_ + " is compressed with " +
                       "HDF5 filter " + std::to_string(id) +
                       (name[0] ? " (" + std::string(name) + ")" : std::string()) +
                       ", which this HDF5 library cannot decode (no " +
                       "such filter built in nor in HDF5_PLUGIN_PATH)");
  }
}

// A virtual dataset's missing source (file or dataset) reads as fill values in HDF5, without
// an error: its rows would be taken as data (or as fills), exit 0. Each mapping's source must
// be there, looked for where HDF5 looks: HDF5_VDS_PREFIX, the granule's folder, the path as
// given. (A printf-style name of an unlimited mapping is left to HDF5.)
void DatasetColumn::require_virtual_sources(hid_t file, const H5Handle& dcpl) const {
  if (!dcpl.valid() || H5Pget_layout(dcpl.get()) != H5D_VIRTUAL) return;
  std::size_t count = 0;
  if (H5Pget_virtual_count(dcpl.get(), &count) < 0) return;
  auto text = [&](auto get, std::size_t i) {
    const auto n = get(dcpl.get(), i, nullptr, 0);
    std::string out(n > 0 ? static_cast<std::size_t>(n) + 1 : 1, '\0');
    if (n > 0) get(dcpl.get(), i, out.data(), out.size());
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
  };
  const auto folder = std::filesystem::path(file_path_).parent_path();
  for (std::size_t i = 0; i < count; ++i) {
    const auto source_file = text(H5Pget_virtual_filename, i);
    const auto source = text(H5Pget_virtual_dsetname, i);
    const auto named = "dataset " + path_ + " is a virtual dataset whose source " + source;
    if (source_file.find('%') != std::string::npos) continue;
    // The source must hold every element the mapping takes from it (HDF5 fills the rest).
    auto require_extent = [&](hid_t in, const std::string& in_name) {
      H5Handle src(H5Dopen2(in, source.c_str(), H5P_DEFAULT), H5Dclose);
      H5Handle src_space(src.valid() ? H5Dget_space(src.get()) : H5I_INVALID_HID, H5Sclose);
      H5Handle selection(H5Pget_virtual_srcspace(dcpl.get(), i), H5Sclose);
      const int rank = src_space.valid() ? H5Sget_simple_extent_ndims(src_space.get()) : -1;
      if (rank < 0 || !selection.valid() || rank > 32)
        throw GranuleError(file_path_ + ": " + key_ + ": " +
                           with_cause(named + " cannot be read in " + in_name));
      if (H5Sget_select_type(selection.get()) == H5S_SEL_ALL) {  // the whole source, as it is
        H5Handle vspace(H5Pget_virtual_vspace(dcpl.get(), i), H5Sclose);
        const auto wanted = vspace.valid() ? H5Sget_select_npoints(vspace.get()) : -1;
        const auto have = H5Sget_simple_extent_npoints(src_space.get());
        if (wanted >= 0 && have != wanted)
          throw GranuleError(file_path_ + ": " + key_ + ": " + named + " in " + in_name + " has " +
                             std::to_string(have) + " elements, the mapping takes " +
                             std::to_string(wanted) + " (HDF5 cannot read it)");
        return;
      }
      if (rank == 0 || H5Sget_simple_extent_ndims(selection.get()) != rank) return;
      std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), first(dims.size()),
          last(dims.size());
      H5Sget_simple_extent_dims(src_space.get(), dims.data(), nullptr);
      if (H5Sget_select_bounds(selection.get(), first.data(), last.data()) < 0) return;
      for (std::size_t d = 0; d < dims.size(); ++d)
        if (last[d] >= dims[d])
          throw GranuleError(file_path_ + ": " + key_ + ": " + named + " in " + in_name + " has " +
                             std::to_string(dims[d]) + " elements along dimension " +
                             std::to_string(d) + ", the mapping reads up to index " +
                             std::to_string(last[d]) +
                             " (HDF5 would read the rest as fill values)");
    };
    if (source_file == ".") {
      if (!granule_path_exists(file, file_path_, source))
        throw GranuleError(file_path_ + ": " + key_ + ": " + named +
                           " does not exist (HDF5 would read those rows as fill values)");
      require_extent(file, file_path_);
      continue;
    }
    std::vector<std::filesystem::path> places;
    const std::filesystem::path given(source_file);
    if (const char* prefix = std::getenv("HDF5_VDS_PREFIX");
        prefix && *prefix && given.is_relative())
      places.emplace_back(std::filesystem::path(prefix) / given);
    if (given.is_relative()) places.push_back(folder / given);
    places.push_back(given);
    std::string found;
    for (const auto& p : places) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(p, ec)) {
        found = p.string();
        break;
      }
    }
    if (found.empty())
      throw GranuleError(file_path_ + ": " + key_ + ": " + named + " is in " + source_file +
                         ", which does not exist (HDF5 would read those rows as fill values)");
    H5Handle other(H5Fopen(found.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!other.valid() || !granule_path_exists(other.get(), found, source))
      throw GranuleError(file_path_ + ": " + key_ + ": " +
                         with_cause(named + " cannot be opened in " + found +
                                    " (HDF5 would read those rows as fill values)"));
    require_extent(other.get(), found);
  }
}

void DatasetColumn::read_in_degrees(CoordinateAxis axis) {
  decoding_.unpack_float32 = false;  // positions keep double precision (fine grids)
  double factor = 1;
  try {
    factor = degrees_per_unit(h5::string_attribute(dataset_.get(), "units"), axis);
  } catch (const CfAttributeError& e) {
    mismatch("dataset " + path_ + ": " + e.what());
  }
  if (factor == 1) return;
  // Unpacking then yields degrees; a range given in unpacked units is converted with it.
  decoding_.scale *= factor;
  decoding_.offset *= factor;
  if (decoding_.range_unpacked) {
    decoding_.valid_min *= factor;
    decoding_.valid_max *= factor;
  }
}

void DatasetColumn::ignore_valid_range() {
  const CfDecoding unbounded;
  decoding_.valid_min = unbounded.valid_min;
  decoding_.valid_max = unbounded.valid_max;
  decoding_.exact.min = unbounded.exact.min;
  decoding_.exact.max = unbounded.exact.max;
}

void DatasetColumn::dangling_link(hid_t file) const {
  const auto why = unfollowable_link(file, path_);
  if (why.rfind("a soft link", 0) == 0) mismatch("missing dataset " + path_ + " (" + why + ")");
  if (!why.empty())
    throw GranuleError(file_path_ + ": " + key_ + ": " + with_cause(path_ + " is " + why));
}

// The dimensions the selector keeps (all without one): at most two, the rows and the columns.
void DatasetColumn::select_dimensions(hid_t space) {
  full_rank_ = H5Sget_simple_extent_ndims(space);
  if (full_rank_ < 0 || full_rank_ > 32) mismatch("dataset " + path_ + " has an unreadable shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(full_rank_) + 1, 1);
  std::vector<hsize_t> max_dims(dims.size(), 1);
  if (full_rank_ > 0) H5Sget_simple_extent_dims(space, dims.data(), max_dims.data());
  const auto rank_text =
      std::to_string(full_rank_) + (full_rank_ == 1 ? " dimension" : " dimensions");
  if (column_ >= 0 && full_rank_ != 2)
    mismatch("the column selector [:, " + std::to_string(column_) + "] needs a 2-D dataset, " +
             path_ + " has " + rank_text);
  if (column_ >= 0 && static_cast<hsize_t>(column_) >= dims[1])
    mismatch("column " + std::to_string(column_) + " is out of range: " + path_ + " has " +
             std::to_string(dims[1]) + " columns");
  if (index_.empty()) index_.assign(static_cast<std::size_t>(full_rank_), -1);
  if (index_.size() != static_cast<std::size_t>(full_rank_))
    mismatch("the selector gives " + std::to_string(index_.size()) + " item(s), " + path_ +
             " has " + rank_text + " (one item per dimension" +
             (full_rank_ == 2 && index_.size() == 1 && index_[0] >= 0
                  ? ": for column " + std::to_string(index_[0]) + " write " + path_ + "[:, " +
                        std::to_string(index_[0]) + "])"
                  : ")"));
  std::vector<hsize_t> kept;
  std::vector<std::string> kept_dims;
  for (std::size_t d = 0; d < index_.size(); ++d) {
    if (index_[d] < 0) {
      if (kept.empty()) unlimited_rows_ = max_dims[d] == H5S_UNLIMITED;
      kept.push_back(dims[d]);
      kept_dims.push_back(dimension_scale(dataset_.get(), static_cast<unsigned>(d)));
    } else if (static_cast<hsize_t>(index_[d]) >= dims[d]) {
      mismatch("index " + std::to_string(index_[d]) + " of dimension " + std::to_string(d) +
               " is out of range: " + path_ + " has " + std::to_string(dims[d]) + " there");
    }
  }
  rank_ = static_cast<int>(kept.size());
  if (rank_ > 2)
    mismatch("dataset " + path_ + " has " + rank_text +
             " (at most 2 are supported: fix the others with a selector such as " + path_ +
             "[0, :, :])");
  shape_ = {rank_ > 0 ? kept[0] : 1, rank_ == 2 ? kept[1] : 1, rank_ > 0 ? kept_dims[0] : "",
            rank_ == 2 ? kept_dims[1] : ""};
}

void DatasetColumn::check_dimension_order(const PointShape& points) const {
  const std::string &rows = points.row_dim, &cols = points.col_dim;
  if (points.cols <= 1 || rows == cols) return;  // a 1-D latitude, or nothing to tell apart
  // An axis of this dataset named like the latitude's other axis (any scale that is known).
  const bool rows_crossed = !cols.empty() && shape_.row_dim == cols;
  const bool cols_crossed = rank_ == 2 && !rows.empty() && shape_.col_dim == rows;
  const auto named = [](const std::string& dim) { return dim.empty() ? "(unnamed)" : dim; };
  if (rank_ == 2 && shape_ == points && (rows_crossed || cols_crossed))
    mismatch("dataset " + path_ + " is stored on dimensions (" + named(shape_.row_dim) + ", " +
             named(shape_.col_dim) + "), the latitude on (" + named(rows) + ", " + named(cols) +
             "): the same shape, transposed (healgrid reads values in their stored order; "
             "rewrite it in the latitude's order" +
             (rows.empty() || cols.empty()
                  ? std::string()
                  : ", e.g. ncpdq -a " + base_name(rows) + "," + base_name(cols)) +
             ")");
  if (shape_.cols == 1 && shape_.rows == points.rows && rows_crossed)
    mismatch("dataset " + path_ + " lies along dimension " + cols +
             ", the latitude's columns: a value per latitude row must lie along its rows (" +
             named(rows) + "); a value per column is not supported");
}

void DatasetColumn::refuse_bare_netcdf_dimension(hid_t file) const {
  static const std::string kBare = "This is a netCDF dimension but not a netCDF variable";
  if (h5::string_attribute(dataset_.get(), "NAME").rfind(kBare, 0) != 0) return;
  // A variable named like a dimension but not its coordinate variable is stored under this name.
  const auto slash = path_.rfind('/');
  const std::string stored =
      path_.substr(0, slash + 1) + "_nc4_non_coord_" + path_.substr(slash + 1);
  mismatch("missing dataset " + path_ +
           ": it is a netCDF dimension without a variable (HDF5 holds it, it holds no values)" +
           (granule_path_exists(file, file_path_, stored)
                ? "; netCDF stores the variable of that name as " + stored + ": give that path"
                : std::string()));
}

void DatasetColumn::mismatch(const std::string& what) const {
  throw DatasetMismatch(file_path_ + ": " + key_ + ": " + what);
}

void DatasetColumn::bind(const PointShape& points, bool allow_granule_value) {
  points_ = points;
  check_dimension_order(points);
  const bool two_d = rank_ == 2;
  if (shape_ == points) {
    mapping_ = Mapping::same;
  } else if (points.cols > 1 && shape_.cols == 1 && shape_.rows == points.rows) {
    mapping_ = Mapping::per_row;
  } else if (allow_granule_value && shape_.points() == 1) {
    mapping_ = Mapping::per_granule;
  } else if (points.cols == 1 && two_d) {
    mismatch("dataset " + path_ + " is not 1-D: shape " + shape_text(shape_, true) +
             " against the latitude's " + shape_text(points, false) + " (select one column with " +
             path_ + "[:, k])");
  } else if (shape_.cols == points.cols && unlimited_rows_ && shape_.rows < points.rows &&
             !shape_.row_dim.empty() && shape_.row_dim == points.row_dim) {
    // The latitude's own netCDF dimension: the file's layout, not the config's mistake (any
    // other short dataset, unlimited or not, is: ICESat-2's datasets are all unlimited).
    throw GranuleError(
        file_path_ + ": " + key_ + ": dataset " + path_ + " has " + std::to_string(shape_.rows) +
        " rows, latitude has " + std::to_string(points.rows) +
        ": a record variable written for fewer records than its unlimited dimension holds "
        "(netCDF reads the rest as fills; healgrid does not: rewrite the file with nccopy, which "
        "writes them)");
  } else if (shape_.cols == points.cols) {
    mismatch("dataset " + path_ + " has " + std::to_string(shape_.rows) + " rows, latitude has " +
             std::to_string(points.rows));
  } else {
    mismatch("dataset " + path_ + " of shape " + shape_text(shape_, two_d) +
             " does not fit the latitude's shape " + shape_text(points, points.cols > 1) +
             " (same shape, or one value per latitude row)");
  }
}

void DatasetColumn::bind_level(std::shared_ptr<const SegmentLinks> links,
                               const std::string& level_key) {
  if (shape_.cols != 1 || shape_.rows != links->segments())
    mismatch("dataset " + path_ + " of shape " + shape_text(shape_, rank_ == 2) +
             " is not one value per segment of " + level_key + " (" +
             std::to_string(links->segments()) + " segments)");
  links_ = std::move(links);
  mapping_ = Mapping::per_segment;
}

// The segments the points touch are read once and decoded; each point takes its segment's
// value and validity, and a point no segment owns has no data.
void DatasetColumn::read_segments(std::uint64_t p0, std::uint64_t n, std::vector<double>& out,
                                  std::uint8_t* valid) {
  const auto [s0, s1] = links_->map(p0, n, segment_of_);
  scratch_.resize(s1 - s0);
  segment_valid_.assign(s1 - s0, 1);
  if (s1 > s0) read_rows(s0, s1 - s0, scratch_.data());
  decoding_.apply(scratch_.data(), s1 - s0, segment_valid_.data());
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto s = segment_of_[i];
    if (s < 0) {
      out[i] = std::nan("");
      valid[i] = 0;
      continue;
    }
    const auto k = static_cast<std::uint64_t>(s) - s0;
    out[i] = scratch_[k];
    if (!segment_valid_[k]) valid[i] = 0;
  }
}

void DatasetColumn::park() {
  chunks_->park();
  dataset_ = H5Handle();
  std::vector<double>().swap(scratch_);
  std::vector<std::int64_t>().swap(segment_of_);
  std::vector<std::uint8_t>().swap(segment_valid_);
}

void DatasetColumn::read_rows(std::uint64_t r0, std::uint64_t nr, double* out) {
  if (chunks_) {
    try {
      chunks_->read(r0, nr, out);
      return;
    } catch (const std::exception& e) {
      throw GranuleError(file_path_ + ": cannot read dataset " + path_ + ": " + e.what());
    }
  }
  H5Handle file_space(H5Dget_space(dataset_.get()), H5Sclose);
  // Fixed dimensions at their index; the kept ones: rows r0..r0+nr, then every column.
  std::vector<hsize_t> start(index_.size()), count(index_.size());
  int kept = 0;
  for (std::size_t d = 0; d < index_.size(); ++d) {
    const bool fixed = index_[d] >= 0;
    start[d] = fixed ? static_cast<hsize_t>(index_[d]) : kept == 0 ? r0 : 0;
    count[d] = fixed ? 1 : kept == 0 ? nr : shape_.cols;
    kept += fixed ? 0 : 1;
  }
  if (full_rank_ > 0)
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                        nullptr);
  const hsize_t total = nr * shape_.cols;
  H5Handle mem_space(H5Screate_simple(1, &total, nullptr), H5Sclose);
  const auto& exact = decoding_.exact;  // 64-bit integers checked before becoming doubles
  if (exact.active) integers_.resize(total);
  const hid_t mem_type = !exact.active         ? H5T_NATIVE_DOUBLE
                         : exact.stored_signed ? H5T_NATIVE_INT64
                                               : H5T_NATIVE_UINT64;
  void* buffer = exact.active ? static_cast<void*>(integers_.data()) : out;
  if (H5Dread(dataset_.get(), mem_type, mem_space.get(),
              full_rank_ > 0 ? file_space.get() : H5S_ALL, H5P_DEFAULT, buffer) < 0) {
    throw GranuleError(file_path_ + ": " +
                       with_cause("cannot read dataset " + path_ + " rows " + std::to_string(r0) +
                                  ".." +
                                  std::to_string(r0 + nr - (nr > 0))));  // inclusive, as chunks
  }
  if (exact.active) exact.convert(integers_.data(), total, out);
}

void DatasetColumn::read(std::uint64_t p0, std::uint64_t n, std::vector<double>& out,
                         std::uint8_t* valid) {
  out.resize(n);
  if (n == 0) return;
  const std::uint64_t cols = points_.cols;
  if (mapping_ == Mapping::per_segment) return read_segments(p0, n, out, valid);
  if (mapping_ == Mapping::per_granule) {
    double value = 0;
    read_rows(0, 1, &value);
    std::fill(out.begin(), out.end(), value);
  } else if (mapping_ == Mapping::same && cols == 1) {
    read_rows(p0, n, out.data());
  } else {
    // Whole latitude rows r0..r1 cover the points; a per-row column has one value per row.
    const std::uint64_t r0 = p0 / cols, r1 = (p0 + n - 1) / cols + 1;
    scratch_.resize((r1 - r0) * shape_.cols);
    read_rows(r0, r1 - r0, scratch_.data());
    if (mapping_ == Mapping::same) {
      std::copy_n(scratch_.begin() + static_cast<std::ptrdiff_t>(p0 - r0 * cols), n, out.begin());
    } else {
      for (std::uint64_t i = 0; i < n; ++i) out[i] = scratch_[(p0 + i) / cols - r0];
    }
  }
  decoding_.apply(out.data(), n, valid);
}

}  // namespace healgrid
