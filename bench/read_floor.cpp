// healgrid_read_floor: the least work any gridder of these granules must do, measured on the
// granules themselves: open each file, and for exactly the datasets the pipeline config needs
// (coordinates, filters, variables, linked levels' links; the time coordinate only with a time
// range or time windows; not a level's segment positions, which only a pre-selection reads)
// fetch every stored chunk with HDF5's direct chunk read and inflate it with libdeflate
// (+ unshuffle), nothing else (no conversion, no binning); a dataset stored whole (contiguous or
// compact, as in subset or swath files) is read whole into its native type. One core, page-cached:
// one warm-up pass, then N timed passes; prints the median. bench/run_benchmark.py divides
// healgrid's 1-rank wall time by it ("floor ratio").
//
//   healgrid_read_floor [--config FILE] [--repeats N] [--json] INPUT...   (files or directories)
#include <dirent.h>
#include <hdf5.h>
#include <libdeflate.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/app/run_options.hpp"
#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/util/deflate_codecs.hpp"

namespace {

using healgrid::PipelineConfig;

// The dataset templates the run reads from each granule, each once.
std::vector<std::string> needed_datasets(const PipelineConfig& config) {
  std::vector<std::string> paths = {config.latitude, config.longitude};
  if (config.time_window.active() || config.time_windows.active()) paths.push_back(config.time);
  for (const auto& level : config.levels) {  // every linked level's links (always read)
    paths.push_back(level.index_begin);
    paths.push_back(level.count);
  }
  for (const auto& f : config.filters)
    if (!f.dataset.empty()) paths.push_back(f.dataset);
  for (const auto& v : config.variables)  // expression filters read dataset variables too
    if (!v.dataset.empty()) paths.push_back(v.dataset);
  for (auto& p : paths) p = healgrid::parse_dataset_selector(p).path;
  std::vector<std::string> unique;
  for (const auto& p : paths)
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
  return unique;
}

std::vector<std::string> granule_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    DIR* dir = opendir(input.c_str());
    if (!dir) {
      files.push_back(input);
      continue;
    }
    while (const dirent* e = readdir(dir)) {
      const std::string name = e->d_name;
      if (name.size() > 3 && name.compare(name.size() - 3, 3, ".h5") == 0)
        files.push_back(input + "/" + name);
    }
    closedir(dir);
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Totals {
  std::uint64_t chunks = 0, stored_bytes = 0, inflated_bytes = 0, datasets = 0;
  std::uint64_t whole_reads = 0;  // datasets not chunked: read whole, no inflate
};

// Byte k of every element is stored together (HDF5's shuffle): byte plane k at k * elements.
void unshuffle(const unsigned char* in, std::size_t bytes, std::size_t element,
               unsigned char* out) {
  const std::size_t n = bytes / element;
  for (std::size_t k = 0; k < element; ++k)
    for (std::size_t i = 0; i < n; ++i) out[i * element + k] = in[k * n + i];
}

// An HDF5 failure: what the floor was doing, and HDF5's innermost messages.
[[noreturn]] void fail(const std::string& what) {
  const std::string why = healgrid::h5_error_line();
  throw std::runtime_error(what + (why.empty() ? "" : " (" + why + ")"));
}

// A dataset stored whole (contiguous or compact): one read into its native type, the least a
// reader of it does (no conversion when the file's byte order is the machine's).
void read_whole(hid_t dataset, hid_t dcpl, hid_t type, hid_t space, const std::string& name,
                Totals& totals, std::vector<unsigned char>& buffer) {
  if (H5Tdetect_class(type, H5T_VLEN) > 0 || H5Tis_variable_str(type) > 0)
    throw std::runtime_error(name + ": variable-length values (the floor reads fixed sizes)");
  const auto native = healgrid::h5::type(H5Tget_native_type(type, H5T_DIR_DEFAULT));
  if (!native.valid()) fail(name + ": a type without a native equivalent");
  const hssize_t elements = H5Sget_simple_extent_npoints(space);
  if (elements < 0) fail(name + ": cannot read its shape");
  const std::size_t bytes = static_cast<std::size_t>(elements) * H5Tget_size(native);
  buffer.resize(std::max<std::size_t>(1, bytes));
  if (H5Dread(dataset, native, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
    fail(name + ": cannot read it");
  // Stored in external raw files, the storage size is not the file's: count the bytes read.
  const auto stored = H5Pget_external_count(dcpl) > 0
                          ? static_cast<std::uint64_t>(bytes)
                          : static_cast<std::uint64_t>(H5Dget_storage_size(dataset));
  totals.whole_reads += 1;
  totals.stored_bytes += stored;
  totals.inflated_bytes += stored;
}

// Every stored chunk of `dataset`: direct read, inflate, unshuffle.
void read_chunks(hid_t dataset, hid_t dcpl, hid_t type, hid_t space, const std::string& name,
                 Totals& totals, std::vector<unsigned char>& raw,
                 std::vector<unsigned char>& inflated, std::vector<unsigned char>& plain) {
  const std::size_t element = H5Tget_size(type);
  hsize_t chunk_dims[H5S_MAX_RANK] = {};
  const int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk_dims);
  if (rank < 1) fail(name + ": cannot read its chunk shape");
  // The filter's bit in a chunk's mask (bit i skips filter i); 0: the dataset lacks the filter.
  unsigned deflate_bit = 0, shuffle_bit = 0;
  for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
    unsigned flags = 0;
    std::size_t nelmts = 0;
    char filter_name[64] = {};
    const auto id = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &nelmts, nullptr,
                                   sizeof filter_name, filter_name, nullptr);
    if (id == H5Z_FILTER_SHUFFLE) {
      shuffle_bit = 1u << i;
    } else if (id == H5Z_FILTER_DEFLATE) {
      deflate_bit = 1u << i;
    } else {
      throw std::runtime_error(name + ": filter " + std::to_string(id) + " (" + filter_name +
                               "): the floor applies deflate and shuffle only");
    }
  }
  std::size_t chunk_bytes = element;
  for (int d = 0; d < rank; ++d) chunk_bytes *= chunk_dims[d];
  inflated.resize(chunk_bytes);
  plain.resize(chunk_bytes);
  hsize_t nchunks = 0;
  if (H5Dget_num_chunks(dataset, space, &nchunks) < 0) fail(name + ": cannot count its chunks");
  for (hsize_t c = 0; c < nchunks; ++c) {
    hsize_t offset[H5S_MAX_RANK] = {};
    unsigned mask = 0;
    haddr_t address = 0;
    hsize_t stored = 0;
    if (H5Dget_chunk_info(dataset, space, c, offset, &mask, &address, &stored) < 0)
      fail(name + ": cannot locate chunk " + std::to_string(c));
    raw.resize(stored);
    std::uint32_t read_mask = 0;
    if (H5Dread_chunk(dataset, H5P_DEFAULT, offset, &read_mask, raw.data()) < 0)
      fail(name + ": cannot read chunk " + std::to_string(c));
    const unsigned char* data = raw.data();
    std::size_t size = stored;
    if (deflate_bit && !(mask & deflate_bit)) {
      std::size_t produced = 0;
      if (libdeflate_zlib_decompress(healgrid::thread_decompressor(), raw.data(), stored,
                                     inflated.data(), chunk_bytes, &produced) != LIBDEFLATE_SUCCESS)
        throw std::runtime_error(name + ": corrupt deflate stream in chunk " + std::to_string(c));
      data = inflated.data();
      size = produced;
    }
    if (size > chunk_bytes)  // stored as is, larger than a chunk: not a chunk of this dataset
      throw std::runtime_error(name + ": chunk " + std::to_string(c) + " holds " +
                               std::to_string(size) + " bytes, more than a chunk's " +
                               std::to_string(chunk_bytes));
    if (shuffle_bit && !(mask & shuffle_bit) && element > 1)
      unshuffle(data, size, element, plain.data());
    totals.chunks += 1;
    totals.stored_bytes += stored;
    totals.inflated_bytes += size;
  }
}

void read_dataset(hid_t dataset, const std::string& name, Totals& totals,
                  std::vector<unsigned char>& raw, std::vector<unsigned char>& inflated,
                  std::vector<unsigned char>& plain) {
  const auto dcpl = healgrid::h5::plist(H5Dget_create_plist(dataset));
  const auto type = healgrid::h5::type(H5Dget_type(dataset));
  const auto space = healgrid::h5::space(H5Dget_space(dataset));
  if (!dcpl.valid() || !type.valid() || !space.valid()) fail(name + ": cannot read its layout");
  switch (H5Pget_layout(dcpl)) {
    case H5D_CHUNKED:
      read_chunks(dataset, dcpl, type, space, name, totals, raw, inflated, plain);
      break;
    case H5D_CONTIGUOUS:
    case H5D_COMPACT:
      read_whole(dataset, dcpl, type, space, name, totals, plain);
      break;
    default:  // virtual: its bytes are other datasets', read through their own layouts
      throw std::runtime_error(name + ": a virtual dataset (the floor reads stored ones)");
  }
  ++totals.datasets;
}

Totals one_pass(const std::vector<std::string>& files, const PipelineConfig& config,
                const std::vector<std::string>& templates) {
  Totals totals;
  std::vector<unsigned char> raw, inflated, plain;
  const std::vector<std::string> groups =
      config.groups.empty() ? std::vector<std::string>{""} : config.groups;
  for (const auto& path : files) {
    const auto file = healgrid::h5::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) fail(path + ": cannot open as HDF5");
    for (const auto& group : groups) {
      for (const auto& t : templates) {
        const std::string name = healgrid::expand_group(t, group);
        std::string unreadable;
        switch (healgrid::h5_path_state(file, name, &unreadable)) {
          case healgrid::H5PathState::absent:  // a beam absent from this granule: skipped
            continue;
          case healgrid::H5PathState::unreadable:
            fail(path + ": cannot read the links of " + unreadable);
          case healgrid::H5PathState::present:
            break;
        }
        const auto dataset = healgrid::h5::dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT));
        if (!dataset.valid()) fail(path + ": cannot open " + name);
        read_dataset(dataset, path + ": " + name, totals, raw, inflated, plain);
      }
    }
  }
  return totals;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "healgrid_read_floor: %s\nusage: healgrid_read_floor [--config FILE] [--repeats N] "
               "[--json] INPUT...\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  int repeats = 5;
  bool json = false;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc)
      config_path = argv[++i];
    else if (arg == "--repeats" && i + 1 < argc)
      repeats = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--json")
      json = true;
    else if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: healgrid_read_floor [--config FILE] [--repeats N] [--json] INPUT...\n\n"
          "The least work any gridder of these granules must do: for exactly the datasets\n"
          "the config needs (default: the built-in ATL06 config), read every stored chunk\n"
          "(HDF5 direct chunk read) and inflate it (libdeflate), on one core, page-cached.\n"
          "INPUT: granule files or directories of .h5 files. --repeats N timed passes after\n"
          "one warm-up (default 5); prints the median wall and CPU seconds, the chunks and\n"
          "their stored and inflated bytes (--json: one JSON object).\n");
      return 0;
    } else if (!arg.empty() && arg[0] == '-')
      return usage(("unknown option " + arg).c_str());
    else
      inputs.push_back(arg);
  }
  if (inputs.empty()) return usage("no input");
  healgrid::h5_quiet_errors();  // failures are reported with HDF5's messages in one line
  try {
    const auto config = config_path.empty()
                            ? healgrid::parse_config(healgrid::default_config_text(), "built-in")
                            : healgrid::load_config_file(config_path);
    const auto templates = needed_datasets(config);
    const auto files = granule_files(inputs);
    if (files.empty()) return usage("no .h5 granule in the inputs");
    Totals totals = one_pass(files, config, templates);  // warm-up: page cache, HDF5 caches
    // Wall and CPU seconds of each timed pass: on a shared machine the CPU time is the figure
    // that does not depend on what else runs.
    std::vector<double> seconds, cpu_seconds;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const double cpu0 = process_cpu_seconds();
      totals = one_pass(files, config, templates);
      cpu_seconds.push_back(process_cpu_seconds() - cpu0);
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const double median = median_of(seconds), cpu_median = median_of(cpu_seconds);
    const double fastest = *std::min_element(seconds.begin(), seconds.end());
    std::string names;
    for (const auto& t : templates) names += (names.empty() ? "\"" : ", \"") + t + "\"";
    if (json) {
      std::printf(
          "{\"files\": %zu, \"datasets\": [%s], \"dataset_reads\": %llu, \"chunks\": %llu, "
          "\"whole_reads\": %llu, \"stored_bytes\": %llu, \"inflated_bytes\": %llu, "
          "\"repeats\": %d, "
          "\"median_seconds\": %.6f, \"min_seconds\": %.6f, \"median_cpu_seconds\": %.6f}\n",
          files.size(), names.c_str(), static_cast<unsigned long long>(totals.datasets),
          static_cast<unsigned long long>(totals.chunks),
          static_cast<unsigned long long>(totals.whole_reads),
          static_cast<unsigned long long>(totals.stored_bytes),
          static_cast<unsigned long long>(totals.inflated_bytes), repeats, median, fastest,
          cpu_median);
    } else {
      std::printf(
          "read floor: %zu files, datasets %s: %llu chunks%s, %.1f MB stored -> %.1f MB "
          "inflated; median %.3f s over %d passes (min %.3f s; CPU %.3f s), %.0f MB/s inflated, "
          "one core\n",
          files.size(), names.c_str(), static_cast<unsigned long long>(totals.chunks),
          totals.whole_reads
              ? (" and " + std::to_string(totals.whole_reads) + " datasets read whole").c_str()
              : "",
          static_cast<double>(totals.stored_bytes) / 1e6,
          static_cast<double>(totals.inflated_bytes) / 1e6, median, repeats, fastest, cpu_median,
          static_cast<double>(totals.inflated_bytes) / 1e6 / median);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healgrid_read_floor: %s\n", e.what());
    return 1;
  }
  return 0;
}
