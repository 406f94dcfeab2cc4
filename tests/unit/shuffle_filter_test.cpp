// The word-at-a-time shuffle registered in place of HDF5's: stored chunks must hold exactly
// HDF5's byte-plane layout (checked against a transposition written here), and reads must
// give the written values back, for every element size the output uses and a generic one.
#include "healgrid/write/shuffle_filter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

constexpr hsize_t kChunk = 1000;

class ShuffleFilterTest : public testing::Test {
 protected:
  void SetUp() override {
    h5_quiet_errors();
    ASSERT_TRUE(use_fast_hdf5_shuffle());
    ASSERT_TRUE(file_.valid());
  }

  // Writes `data` (2.5 chunks: the last one partial) shuffled only, then checks chunk 1's
  // stored bytes against the byte-plane layout and reads everything back after reopening.
  template <typename T>
  void round_trip(hid_t type, const std::vector<T>& data) {
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    ASSERT_GE(H5Pset_chunk(dcpl.get(), 1, &kChunk), 0);
    ASSERT_GE(H5Pset_shuffle(dcpl.get()), 0);
    const hsize_t n = data.size();
    H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    {
      H5Handle ds(
          H5Dcreate2(file_.get(), "v", type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
          H5Dclose);
      ASSERT_TRUE(ds.valid());
      ASSERT_GE(H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0);
    }
    file_.reopen_read_only();
    H5Handle ds(H5Dopen2(file_.get(), "v", H5P_DEFAULT), H5Dclose);
    const std::size_t size = sizeof(T);
    const hsize_t offset = kChunk;
    std::vector<unsigned char> raw(kChunk * size);
    std::uint32_t mask = 0xff;
    ASSERT_GE(H5Dread_chunk(ds.get(), H5P_DEFAULT, &offset, &mask, raw.data()), 0);
    EXPECT_EQ(mask, 0u);
    const auto* in = reinterpret_cast<const unsigned char*>(data.data() + kChunk);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < kChunk; ++i)
      for (std::size_t k = 0; k < size; ++k) wrong += raw[k * kChunk + i] != in[i * size + k];
    EXPECT_EQ(wrong, 0u) << "element size " << size;
    std::vector<T> back(data.size());
    ASSERT_GE(H5Dread(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
    EXPECT_EQ(std::memcmp(back.data(), data.data(), data.size() * size), 0) << size;
  }

  ScratchH5File file_{"healgrid_shuffle_filter_"};
};

template <typename T>
std::vector<T> pattern(std::size_t n) {
  std::vector<T> v(n);
  std::uint64_t s = 3;
  for (auto& x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    std::memcpy(&x, &s, sizeof x);  // every byte position varies
  }
  return v;
}

TEST_F(ShuffleFilterTest, FourByteElements) {
  round_trip(H5T_NATIVE_UINT32, pattern<std::uint32_t>(2500));
}
TEST_F(ShuffleFilterTest, EightByteElements) {
  round_trip(H5T_NATIVE_UINT64, pattern<std::uint64_t>(2500));
}
TEST_F(ShuffleFilterTest, TwoByteElementsTakeTheGenericPath) {
  round_trip(H5T_NATIVE_UINT16, pattern<std::uint16_t>(2500));
}
TEST_F(ShuffleFilterTest, RegisteringAgainIsHarmless) {
  EXPECT_TRUE(use_fast_hdf5_shuffle());
  unsigned config = 0;
  ASSERT_GE(H5Zget_filter_info(H5Z_FILTER_SHUFFLE, &config), 0);
  EXPECT_TRUE(config & H5Z_FILTER_CONFIG_ENCODE_ENABLED);
  EXPECT_TRUE(config & H5Z_FILTER_CONFIG_DECODE_ENABLED);
  round_trip(H5T_NATIVE_FLOAT, pattern<float>(2500));
}

}  // namespace
}  // namespace healgrid
