// GranuleReader::park and unpark: a granule's reader kept between the read loop's rounds
// without HDF5. Reopening a granule with HDF5 costs about 2 ms (its metadata read and checked
// again, every dataset opened); a parked reader holds each variable chunk's place in the file
// and reads on with pread, after checking that the file is still the one it parked.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "healgrid/read/granule_reader.hpp"

namespace healgrid {

GranuleReader::ParkedFile::~ParkedFile() { close(); }

void GranuleReader::ParkedFile::close() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Whether the open file can be read on with pread at the chunk addresses HDF5 gives, noting
// what it is: the file HDF5 holds (its descriptor's, not the path's, which may name another
// file by now), opened by the sec2 driver, without a userblock (HDF5 before 1.14.4 gives chunk
// addresses without it: HDFGroup/hdf5#4236).
bool GranuleReader::identify_parkable_file() {
  const H5Handle fapl(H5Fget_access_plist(file_.get()), H5Pclose);
  if (!fapl.valid() || H5Pget_driver(fapl.get()) != H5FD_SEC2) return false;
  const H5Handle fcpl(H5Fget_create_plist(file_.get()), H5Pclose);
  hsize_t userblock = 1;
  if (!fcpl.valid() || H5Pget_userblock(fcpl.get(), &userblock) < 0 || userblock != 0) return false;
  void* handle = nullptr;
  struct stat st {};
  if (H5Fget_vfd_handle(file_.get(), H5P_DEFAULT, &handle) < 0 || handle == nullptr ||
      ::fstat(*static_cast<int*>(handle), &st) != 0)
    return false;
  parked_.identity = FileIdentity::of(st);
  return true;
}

bool GranuleReader::park() {
  release_chunks();
  for (const auto& beam : columns_) {
    if (!beam.levels.empty()) return false;
    for (const auto& column : beam.variables)
      if (column && !column->reads_by_chunks()) return false;
  }
  if (!parked_.parked) {
    if (!identify_parkable_file()) return false;
    // Every variable's chunks located before any dataset is closed: a reader that cannot park
    // stays whole.
    for (auto& beam : columns_)
      for (auto& column : beam.variables)
        if (column && !column->locate_chunks()) return false;
  }
  for (auto& beam : columns_) {
    for (auto& column : beam.variables)
      if (column) column->park();
    // What read_values() does not read (the beams' shapes are in beams_).
    beam.lat.reset();
    beam.lon.reset();
    beam.time.reset();
    beam.filters.clear();
    beam.segment_lat.reset();
    beam.segment_lon.reset();
  }
  opened_ = Columns::values;
  std::vector<double>().swap(filter_values_);  // the index pass's buffers
  for (auto& inputs : filter_inputs_) std::vector<double>().swap(inputs);
  file_ = H5Handle();
  parked_.close();
  parked_.parked = true;
  return true;
}

std::size_t GranuleReader::parked_bytes() const {
  // The reader, its beams, names and expressions, and per column its objects (measured with
  // mallinfo2 for ATL06: 31 kB a reader of 12 columns, counted here as 33 kB).
  std::size_t bytes = 8192;
  for (const auto& beam : columns_)
    for (const auto& column : beam.variables)
      if (column) bytes += 2048 + column->parked_bytes();
  return bytes;
}

void GranuleReader::unpark() {
  parked_.close();
  parked_.fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (parked_.fd < 0)
    throw GranuleError(path_ +
                       ": cannot open it again to read its values: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(parked_.fd, &st) != 0 || FileIdentity::of(st) != parked_.identity) {
    parked_.close();
    throw GranuleError(path_ + ": the file changed while healgrid was reading it (its size, " +
                       "inode, modification or status change time differ from when this run " +
                       "first read it): rerun once nothing writes to the inputs");
  }
  for (auto& beam : columns_)
    for (auto& column : beam.variables)
      if (column) column->read_from(parked_.fd);
}

void ParkedReaders::keep(std::uint32_t granule, std::unique_ptr<GranuleReader>& reader) {
  if (bytes_ >= budget_) {
    reader->release_chunks();
    return;
  }
  if (!reader->park()) return;  // its chunks went to the carry all the same
  const std::size_t bytes = reader->parked_bytes();
  if (bytes_ + bytes > budget_) return;  // parked, but dropped by the caller
  bytes_ += bytes;
  readers_[granule] = std::move(reader);
}

std::unique_ptr<GranuleReader> ParkedReaders::take(std::uint32_t granule) {
  const auto it = readers_.find(granule);
  if (it == readers_.end()) return nullptr;
  auto reader = std::move(it->second);
  readers_.erase(it);
  bytes_ -= reader->parked_bytes();
  reader->unpark();
  return reader;
}

}  // namespace healgrid
