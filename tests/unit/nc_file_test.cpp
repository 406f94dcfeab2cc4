// io::NcFile reading a netCDF file written here with the plain C API: typed attributes and
// variables come back as written, and every failure names the file and the variable.
#include "healgrid/io/nc_file.hpp"

#include <gtest/gtest.h>
#include <netcdf.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace healgrid {
namespace {

class NcFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/healgrid-ncfile-XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
    int id = -1, dim = -1, rows = -1, width = -1, ids = -1, names = -1;
    ASSERT_EQ(nc_create(path_.c_str(), NC_NETCDF4 | NC_CLOBBER, &id), NC_NOERR);
    nc_def_dim(id, "cell_ids", 3, &dim);
    nc_def_dim(id, "granules", 2, &rows);
    nc_def_dim(id, "name_strlen", 4, &width);
    nc_def_var(id, "cell_ids", NC_UINT64, 1, &dim, &ids);
    const int dims[2] = {rows, width};
    nc_def_var(id, "granule_name", NC_CHAR, 2, dims, &names);
    nc_put_att_text(id, ids, "grid_name", 7, "healpix");
    const int level = 12;
    nc_put_att_int(id, ids, "level", NC_INT, 1, &level);
    nc_put_att_text(id, NC_GLOBAL, "latitude_convention", 8, "authalic");
    nc_enddef(id);
    const unsigned long long values[3] = {5, 6, 1ull << 60};
    nc_put_var_ulonglong(id, ids, values);
    nc_put_var_text(id, names, "ab\0\0cdef");
    ASSERT_EQ(nc_close(id), NC_NOERR);
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(NcFileTest, ReadsWhatWasWritten) {
  const auto nc = io::NcFile::open_read(path_);
  EXPECT_EQ(nc.var_names(), (std::vector<std::string>{"cell_ids", "granule_name"}));
  const int ids = nc.var_id("cell_ids");
  EXPECT_EQ(nc.var_type_name(ids), "uint64");
  EXPECT_EQ(nc.var_dim_names(ids), std::vector<std::string>{"cell_ids"});
  EXPECT_EQ(nc.att_names(ids), (std::vector<std::string>{"grid_name", "level"}));
  EXPECT_EQ(nc.text_att(ids, "grid_name"), "healpix");
  EXPECT_EQ(nc.number_att(ids, "level"), 12.0);
  EXPECT_EQ(nc.text_att(ids, "level"), std::nullopt) << "a number is not text";
  EXPECT_EQ(nc.text_att(io::kNcGlobal, "latitude_convention"), "authalic");
  EXPECT_EQ(nc.read_uint64(ids), (std::vector<std::uint64_t>{5, 6, 1ull << 60}));
  EXPECT_EQ(nc.read_strings(nc.var_id("granule_name")), (std::vector<std::string>{"ab", "cdef"}));
  EXPECT_EQ(nc.find_var("healpix_index"), std::nullopt);
  EXPECT_EQ(nc.dim_length("granules"), 2u);
}

TEST_F(NcFileTest, ErrorsNameTheFileAndVariable) {
  const auto nc = io::NcFile::open_read(path_);
  try {
    nc.var_id("h_mean");
    FAIL() << "no error for a missing variable";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path_), std::string::npos) << what;
    EXPECT_NE(what.find("h_mean"), std::string::npos) << what;
  }
  try {
    nc.read_doubles(nc.var_id("granule_name"));
    FAIL() << "no error for a 2-D variable read as 1-D";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("variable granule_name"), std::string::npos) << e.what();
  }
}

TEST_F(NcFileTest, NotNetcdfIsRefusedNamingTheFile) {
  std::ofstream(path_) << "plain text";
  try {
    io::NcFile::open_read(path_);
    FAIL() << "a text file opened as netCDF";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace healgrid
