// Read-only access to a NetCDF file (serial nc_open, NC_NOWRITE), for the commands that look at
// a healgrid output after the run. Owns the file id; every failure throws std::runtime_error
// naming the file and the variable or attribute involved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace healgrid {

class NcReader {
 public:
  explicit NcReader(const std::string& path);  // throws when not a readable NetCDF file
  NcReader(const NcReader&) = delete;
  NcReader& operator=(const NcReader&) = delete;
  ~NcReader();

  const std::string& path() const { return path_; }

  // Variable id, or nullopt when the file has no variable of that name.
  std::optional<int> find_var(const std::string& name) const;
  int var_id(const std::string& name) const;  // throws when absent
  std::vector<std::string> var_names() const;
  std::vector<std::string> var_dim_names(int var) const;
  std::size_t dim_length(const std::string& dim) const;
  std::string var_type_name(int var) const;  // "int", "float", "uint64", ...

  // Attribute of a variable (or NC_GLOBAL = -1), nullopt when absent. Text attributes only for
  // text_att; numeric ones are converted by the NetCDF library.
  std::optional<std::string> text_att(int var, const std::string& name) const;
  std::optional<double> number_att(int var, const std::string& name) const;

  // Whole 1-D variables, converted by the library.
  std::vector<double> read_doubles(int var) const;
  std::vector<std::uint64_t> read_uint64(int var) const;
  // A 2-D char variable (rows, strlen) as one trimmed string per row.
  std::vector<std::string> read_strings(int var) const;

 private:
  void check(int status, const std::string& what) const;
  std::size_t var_length(int var) const;

  std::string path_;
  int id_ = -1;
};

}  // namespace healgrid
