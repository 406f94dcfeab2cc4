// The restart journal's round files: write (durably), read (validated), slice and merge.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/io/atomic_file.hpp"
#include "healgrid/pipeline/journal.hpp"
#include "healgrid/pipeline/journal_checksum.hpp"

namespace healgrid {
namespace {

// Version 02: only the cells holding a value are stored (most of a parent's children are
// empty at campaign scales short of full coverage), with their indices into the block.
constexpr char kMagic[8] = {'H', 'G', 'J', 'R', 'N', 'L', '0', '2'};
constexpr char kEnd[8] = {'H', 'G', 'J', 'E', 'N', 'D', '0', '2'};
constexpr std::size_t kShaLen = 64;

// Fill values, as CellAggregator::finalize leaves them in cells without points.
const float kFillF32 = std::numeric_limits<float>::quiet_NaN();
constexpr std::int32_t kFillI32 = 0;

bool is_fill(float v) {
  std::uint32_t a, b;
  std::memcpy(&a, &v, sizeof a);
  std::memcpy(&b, &kFillF32, sizeof b);
  return a == b;  // bitwise: a NaN of another payload is a value, kept as it is
}

// Indices of the block's cells where some column holds something other than its fill value.
std::vector<std::uint64_t> occupied_cells(const GridBlock& block) {
  std::size_t cells = 0;
  for (const auto& col : block.columns) cells = std::max(cells, col.i32.size() + col.f32.size());
  std::vector<unsigned char> used(cells, 0);
  for (const auto& col : block.columns) {
    for (std::size_t i = 0; i < col.i32.size(); ++i) used[i] |= col.i32[i] != kFillI32;
    for (std::size_t i = 0; i < col.f32.size(); ++i) used[i] |= !is_fill(col.f32[i]);
  }
  std::vector<std::uint64_t> idx;
  for (std::size_t i = 0; i < cells; ++i)
    if (used[i]) idx.push_back(i);
  return idx;
}

// A round file, written under a temporary name and given its final name only complete, with
// its checksum trailer (pipeline/journal_checksum.hpp) after the round's bytes.
class Writer {
 public:
  explicit Writer(const std::string& path) : file_(path) {}
  void bytes(const void* data, std::size_t n) { bytes_.append(static_cast<const char*>(data), n); }
  void u64(std::uint64_t v) { bytes(&v, sizeof v); }
  template <typename T>
  void array(const std::vector<T>& v) {
    if (!v.empty()) bytes(v.data(), v.size() * sizeof(T));
  }
  void finish() {
    file_.write(seal_round(std::move(bytes_)));
    file_.commit();
  }

 private:
  io::AtomicFile file_;
  std::string bytes_;
};

// Reads a round's bytes after their checksum was verified (checksum_ok()).
class Reader {
 public:
  explicit Reader(const std::string& path) {
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      char buf[1 << 16];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes_.append(buf, n);
      std::fclose(f);
      checksum_ok_ = unseal_round(bytes_, checksum_why_);
      if (checksum_ok_)
        f_ = fmemopen(bytes_.empty() ? nullptr : bytes_.data(), bytes_.size(), "rb");
    } else {
      checksum_why_ = std::string("cannot open: ") + std::strerror(errno);
    }
  }
  ~Reader() {
    if (f_) std::fclose(f_);
  }
  bool checksum_ok() const { return checksum_ok_; }
  const std::string& checksum_why() const { return checksum_why_; }
  bool ok() const { return f_ != nullptr && good_; }
  bool bytes(void* data, std::size_t n) {
    good_ = good_ && f_ && (n == 0 || std::fread(data, 1, n, f_) == n);
    return good_;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    bytes(&v, sizeof v);
    return v;
  }
  template <typename T>
  bool array(std::vector<T>& v, std::uint64_t n, std::uint64_t limit) {
    if (!good_ || n > limit) return good_ = false;
    v.resize(n);
    return bytes(v.data(), n * sizeof(T));
  }
  bool at_end() { return f_ && std::fgetc(f_) == EOF; }

 private:
  std::string bytes_;
  bool checksum_ok_ = false;
  std::string checksum_why_;
  std::FILE* f_ = nullptr;
  bool good_ = true;
};

}  // namespace

void write_piece(const std::string& path, const std::string& inputs_sha256,
                 const JournalPiece& piece, std::int64_t children_per_parent) {
  Writer w(path);
  w.bytes(kMagic, sizeof kMagic);
  std::string sha = inputs_sha256;
  sha.resize(kShaLen, ' ');
  w.bytes(sha.data(), kShaLen);
  w.u64(static_cast<std::uint64_t>(children_per_parent));
  w.u64(piece.covered.size());
  w.u64(piece.block.parents.size());
  w.u64(piece.block.columns.size());
  w.u64(piece.granule_points.size());
  w.u64(piece.block.points);
  w.array(piece.covered);
  w.array(piece.block.parents);
  const auto cells = occupied_cells(piece.block);
  w.u64(cells.size());
  w.array(cells);
  std::vector<std::int32_t> i32(cells.size());
  std::vector<float> f32(cells.size());
  for (const auto& col : piece.block.columns) {
    // From the statistic, not the data: a round whose points were all invalid has no cells.
    const std::uint64_t kind = is_integer_statistic(col.spec->function) ? 1 : 0;
    w.u64(kind);
    for (std::size_t k = 0; k < cells.size(); ++k) {
      if (kind)
        i32[k] = col.i32[cells[k]];
      else
        f32[k] = col.f32[cells[k]];
    }
    if (kind)
      w.array(i32);
    else
      w.array(f32);
  }
  w.array(piece.granule_points);
  w.bytes(kEnd, sizeof kEnd);
  w.finish();
}

bool read_piece(const std::string& path, const std::string& inputs_sha256,
                const PipelineConfig& config, std::int64_t children_per_parent, JournalPiece& piece,
                std::string& why) {
  Reader r(path);
  if (!r.checksum_ok()) {
    why = r.checksum_why();
    return false;
  }
  char magic[8] = {}, end[8] = {};
  std::string sha(kShaLen, ' ');
  if (!r.bytes(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0) {
    why = "not a healgrid journal round";
    return false;
  }
  std::string want = inputs_sha256;
  want.resize(kShaLen, ' ');
  if (!r.bytes(sha.data(), kShaLen) || sha != want) {
    why = "written for other inputs";
    return false;
  }
  const auto per_parent = r.u64();
  const auto ncovered = r.u64(), nparents = r.u64(), ncols = r.u64(), ncounts = r.u64();
  piece.block.points = r.u64();
  if (!r.ok() || per_parent != static_cast<std::uint64_t>(children_per_parent) ||
      ncols != config.statistics.size()) {
    why = "written for another grid or other statistics";
    return false;
  }
  const std::uint64_t limit = std::uint64_t{1} << 40;
  if (!r.array(piece.covered, ncovered, limit) ||
      !r.array(piece.block.parents, nparents, ncovered)) {
    why = "truncated";
    return false;
  }
  const std::uint64_t cells = nparents * per_parent;
  std::vector<std::uint64_t> at;
  if (!r.array(at, r.u64(), cells)) {
    why = "truncated";
    return false;
  }
  for (std::size_t k = 0; k < at.size(); ++k)
    if (at[k] >= cells || (k > 0 && at[k] <= at[k - 1])) {
      why = "damaged (cell index out of range or order)";
      return false;
    }
  piece.block.columns.clear();
  std::vector<std::int32_t> i32;
  std::vector<float> f32;
  for (std::size_t s = 0; s < ncols; ++s) {
    OutputColumn col;
    col.spec = &config.statistics[s];
    const auto kind = r.u64();
    if (kind != (is_integer_statistic(col.spec->function) ? 1u : 0u)) {
      why = "column " + config.statistics[s].name + " has another type";
      return false;
    }
    if (!(kind ? r.array(i32, at.size(), at.size()) : r.array(f32, at.size(), at.size()))) {
      why = "truncated";
      return false;
    }
    if (kind) {
      col.i32.assign(cells, kFillI32);
      for (std::size_t k = 0; k < at.size(); ++k) col.i32[at[k]] = i32[k];
    } else {
      col.f32.assign(cells, kFillF32);
      for (std::size_t k = 0; k < at.size(); ++k) col.f32[at[k]] = f32[k];
    }
    piece.block.columns.push_back(std::move(col));
  }
  if (!r.array(piece.granule_points, ncounts, limit) || ncounts % 3 != 0 ||
      !r.bytes(end, sizeof end) || std::memcmp(end, kEnd, sizeof end) != 0 || !r.at_end()) {
    why = "truncated or damaged";
    return false;
  }
  if (!std::is_sorted(piece.covered.begin(), piece.covered.end()) ||
      !std::is_sorted(piece.block.parents.begin(), piece.block.parents.end())) {
    why = "damaged (parents out of order)";
    return false;
  }
  return true;
}

JournalPiece slice_piece(const JournalPiece& piece, std::int64_t first, std::int64_t last,
                         std::int64_t children_per_parent) {
  JournalPiece out;
  for (const auto p : piece.covered)
    if (p >= first && p <= last) out.covered.push_back(p);
  const auto per = static_cast<std::size_t>(children_per_parent);
  std::vector<std::size_t> slots;
  for (std::size_t i = 0; i < piece.block.parents.size(); ++i) {
    const auto p = piece.block.parents[i];
    if (p >= first && p <= last) {
      slots.push_back(i);
      out.block.parents.push_back(p);
    }
  }
  for (const auto& col : piece.block.columns) {
    OutputColumn c;
    c.spec = col.spec;
    for (const auto i : slots) {
      if (!col.i32.empty())
        c.i32.insert(c.i32.end(), col.i32.begin() + i * per, col.i32.begin() + (i + 1) * per);
      else
        c.f32.insert(c.f32.end(), col.f32.begin() + i * per, col.f32.begin() + (i + 1) * per);
    }
    out.block.columns.push_back(std::move(c));
  }
  for (std::size_t i = 0; i + 2 < piece.granule_points.size(); i += 3) {
    const auto p = piece.granule_points[i];
    if (p < first || p > last) continue;
    out.granule_points.insert(out.granule_points.end(), piece.granule_points.begin() + i,
                              piece.granule_points.begin() + i + 3);
    out.block.points += static_cast<std::uint64_t>(piece.granule_points[i + 2]);
  }
  return out;
}

GridBlock merge_pieces(const std::vector<JournalPiece>& pieces, const PipelineConfig& config,
                       std::int64_t children_per_parent) {
  struct Slot {
    std::int64_t parent;
    std::size_t piece, index;
  };
  std::vector<Slot> slots;
  GridBlock out;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    out.points += pieces[k].block.points;
    for (std::size_t i = 0; i < pieces[k].block.parents.size(); ++i)
      slots.push_back({pieces[k].block.parents[i], k, i});
  }
  std::sort(slots.begin(), slots.end(),
            [](const Slot& a, const Slot& b) { return a.parent < b.parent; });
  for (std::size_t i = 1; i < slots.size(); ++i)
    if (slots[i].parent == slots[i - 1].parent)
      throw std::logic_error("journal: parent cell " + std::to_string(slots[i].parent) +
                             " in two pieces");
  const auto per = static_cast<std::size_t>(children_per_parent);
  for (std::size_t s = 0; s < config.statistics.size(); ++s) {
    OutputColumn col;
    col.spec = &config.statistics[s];
    const bool is_int = is_integer_statistic(col.spec->function);
    if (is_int)
      col.i32.resize(slots.size() * per);
    else
      col.f32.resize(slots.size() * per);
    for (std::size_t j = 0; j < slots.size(); ++j) {
      const auto& src = pieces[slots[j].piece].block.columns.at(s);
      const auto from = slots[j].index * per;
      if (is_int)
        std::copy_n(src.i32.begin() + from, per, col.i32.begin() + j * per);
      else
        std::copy_n(src.f32.begin() + from, per, col.f32.begin() + j * per);
    }
    out.columns.push_back(std::move(col));
  }
  for (const auto& s : slots) out.parents.push_back(s.parent);
  return out;
}

}  // namespace healgrid
