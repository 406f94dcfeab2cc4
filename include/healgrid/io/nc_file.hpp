// One open netCDF file, owned: the output writer creates it collectively (nc_create_par), the
// commands that look at an output afterwards open it read-only (serial nc_open). Every call goes
// through check(), so a failure throws std::runtime_error naming the file, the variable or
// attribute and netCDF's reason. Variable ids come from def_var / var_id; kNcGlobal addresses
// the global attributes.
#pragma once

#include <mpi.h>
#include <netcdf.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace healgrid::io {

inline constexpr int kNcGlobal = NC_GLOBAL;

class NcFile {
 public:
  // Read-only, serial. Throws when the file is not a readable netCDF file.
  static NcFile open_read(const std::string& path);
  // NetCDF-4, clobbering, collective over `comm` (every rank calls every define/put/close).
  static NcFile create_parallel(const std::string& path, MPI_Comm comm);

  NcFile(NcFile&& other) noexcept;
  NcFile& operator=(NcFile&&) = delete;
  NcFile(const NcFile&) = delete;
  NcFile& operator=(const NcFile&) = delete;
  // Closes the file. A parallel file is not closed while an exception unwinds this rank alone:
  // nc_close is collective and would wait for ranks that are elsewhere; the caller aborts.
  ~NcFile();

  // A group of this file, `path` relative to this one ("a/b"), as a view sharing the file: its
  // ids address the group's dimensions, variables and (kNcGlobal) attributes; closing or
  // destroying the view leaves the file open, and the view must not outlive the file.
  // create_group defines the missing groups of the path (define mode, collective in a parallel
  // file); find_group returns nullopt when the group is absent.
  NcFile create_group(const std::string& path);
  std::optional<NcFile> find_group(const std::string& path) const;
  // Names of the groups directly inside this one, in file order.
  std::vector<std::string> group_names() const;

  const std::string& path() const { return path_; }
  int id() const { return id_; }
  void check(int status, const std::string& what) const;
  void close();  // explicit, checked close (collective for a parallel file)

  // --- define mode (create_parallel) ---
  int def_dim(const std::string& name, std::size_t length);
  int def_var(const std::string& name, nc_type type, const std::vector<int>& dims);
  // Chunks of `chunk` elements, deflate (with shuffle) at `deflate_level` when > 0.
  void def_chunked(int var, std::size_t chunk, int deflate_level);
  // The same for a variable of any rank: one chunk length per dimension.
  void def_chunked(int var, const std::vector<std::size_t>& chunks, int deflate_level);
  void def_fill(int var, int fill);
  void def_fill(int var, float fill);
  void set_collective(int var);  // parallel files: every rank joins each data call
  void put_att(int var, const std::string& name, const std::string& text);
  void put_att_int(int var, const std::string& name, int value);
  void put_att_int64(int var, const std::string& name, long long value);
  void put_att_double(int var, const std::string& name, double value);
  void end_define();

  // --- data (a hyperslab of a 1-D or 2-D variable; collective in a parallel file) ---
  void put(int var, std::size_t start, std::size_t count, const unsigned long long* values);
  void put(int var, std::size_t start, std::size_t count, const int* values);
  void put(int var, std::size_t start, std::size_t count, const float* values);
  void put(int var, std::size_t start, std::size_t count, const long long* values);
  // A hyperslab of a variable of any rank: `start` and `count` per dimension.
  using Extent = std::vector<std::size_t>;
  void put(int var, const Extent& start, const Extent& count, const int* values);
  void put(int var, const Extent& start, const Extent& count, const float* values);
  void put(int var, const Extent& start, const Extent& count, const double* values);
  // Rows [0, rows) of a (rows, width) char variable.
  void put_text_rows(int var, std::size_t rows, std::size_t width, const char* values);

  // --- inquiry and reading ---
  std::optional<int> find_var(const std::string& name) const;  // nullopt when absent
  int var_id(const std::string& name) const;                   // throws when absent
  std::string var_name(int var) const;
  std::vector<std::string> var_names() const;
  std::vector<std::string> var_dim_names(int var) const;
  std::size_t dim_length(const std::string& dim) const;
  std::string var_type_name(int var) const;  // "int32", "float32", "uint64", ...
  // Names of a variable's (or kNcGlobal's) attributes, in file order.
  std::vector<std::string> att_names(int var) const;

  // Attribute of a variable (or kNcGlobal), nullopt when absent. Text attributes only for
  // text_att; a numeric one of length 1 is converted by the library for number_att.
  std::optional<std::string> text_att(int var, const std::string& name) const;
  std::optional<double> number_att(int var, const std::string& name) const;

  // Whole 1-D variables, converted by the library.
  std::vector<double> read_doubles(int var) const;
  // Row `row` of a 2-D variable (rows, columns), e.g. one time window of a statistic.
  std::vector<double> read_doubles_row(int var, std::size_t row) const;
  std::vector<std::uint64_t> read_uint64(int var) const;
  // A 2-D char variable (rows, strlen) as one trimmed string per row.
  std::vector<std::string> read_strings(int var) const;

 private:
  NcFile(std::string path, int id, bool parallel, bool owns = true)
      : path_(std::move(path)), id_(id), parallel_(parallel), owns_(owns) {}
  std::string about(int var) const;  // "variable NAME" or "global attributes"
  std::size_t var_length(int var) const;

  std::string path_;
  int id_ = -1;
  bool parallel_ = false;
  bool owns_ = true;  // false for a group view (create_group/find_group)
};

}  // namespace healgrid::io
