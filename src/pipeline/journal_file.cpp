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

// Version 03: the block as the aggregator makes it: the cells with points (ids) and one value
// per cell and statistic.
constexpr char kMagic[8] = {'H', 'G', 'J', 'R', 'N', 'L', '0', '3'};
constexpr char kEnd[8] = {'H', 'G', 'J', 'E', 'N', 'D', '0', '3'};
constexpr std::size_t kShaLen = 64;

// A round file, written under a temporary name and given its final name only complete, with
// its checksum trailer (pipeline/journal_checksum.hpp) after the round's bytes.
class Writer {
 public:
  // `size`: the round's bytes, known before they are written: one block, not a string
  // grown by doubling (a new block and a copy at each step).
  Writer(const std::string& path, std::size_t size) : file_(path) {
    bytes_.reserve(size + kRoundTrailerBytes);
  }
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

// The block's cells: strictly increasing, each a child of one of its (sorted) parents.
bool read_cells(Reader& r, GridBlock& block, std::uint64_t per_parent, std::string& why) {
  const std::uint64_t limit = std::uint64_t{1} << 40;
  if (!r.array(block.cells, r.u64(), limit)) {
    why = "truncated";
    return false;
  }
  if (!std::is_sorted(block.parents.begin(), block.parents.end())) {
    why = "damaged (parents out of order)";
    return false;
  }
  const auto per = static_cast<std::int64_t>(per_parent);
  for (std::size_t k = 0; k < block.cells.size(); ++k) {
    const auto cell = block.cells[k];
    if (cell < 0 || (k > 0 && cell <= block.cells[k - 1]) ||
        !std::binary_search(block.parents.begin(), block.parents.end(), cell / per)) {
      why = "damaged (cell out of its parents or out of order)";
      return false;
    }
  }
  return true;
}

}  // namespace

void write_piece(const std::string& path, const std::string& inputs_sha256,
                 const JournalPiece& piece, std::int64_t children_per_parent) {
  const auto& b = piece.block;
  std::size_t size = sizeof kMagic + kShaLen + 7 * sizeof(std::uint64_t) + sizeof kEnd +
                     sizeof(std::int64_t) * (piece.covered.size() + b.parents.size() +
                                             b.cells.size() + piece.granule_points.size());
  for (const auto& col : b.columns)
    size += sizeof(std::uint64_t) + sizeof(float) * col.f32.size() +
            sizeof(std::int32_t) * col.i32.size();
  Writer w(path, size);
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
  w.u64(piece.block.cells.size());
  w.array(piece.block.cells);
  for (const auto& col : piece.block.columns) {
    // From the statistic, not the data: a round whose points were all invalid has no cells.
    const std::uint64_t kind = is_integer_statistic(col.spec->function) ? 1 : 0;
    w.u64(kind);
    if (kind)
      w.array(col.i32);
    else
      w.array(col.f32);
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
  if (!r.bytes(sha.data(), kShaLen)) {
    why = "truncated";
    return false;
  }
  if (sha != want) {
    why = kOtherRoundKey;
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
  if (!read_cells(r, piece.block, per_parent, why)) return false;
  piece.block.columns.clear();
  const std::size_t ncells = piece.block.cells.size();
  for (std::size_t s = 0; s < ncols; ++s) {
    OutputColumn col;
    col.spec = &config.statistics[s];
    const auto kind = r.u64();
    if (kind != (is_integer_statistic(col.spec->function) ? 1u : 0u)) {
      why = "column " + config.statistics[s].name + " has another type";
      return false;
    }
    if (!(kind ? r.array(col.i32, ncells, ncells) : r.array(col.f32, ncells, ncells))) {
      why = "truncated";
      return false;
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
  for (const auto p : piece.block.parents)
    if (p >= first && p <= last) out.block.parents.push_back(p);
  // The children of [first, last] are one id range: nested ids.
  const auto& cells = piece.block.cells;
  const auto lo = std::lower_bound(cells.begin(), cells.end(), first * children_per_parent);
  const auto hi = std::lower_bound(cells.begin(), cells.end(), (last + 1) * children_per_parent);
  const auto from = static_cast<std::size_t>(lo - cells.begin());
  const auto to = static_cast<std::size_t>(hi - cells.begin());
  out.block.cells.assign(lo, hi);
  for (const auto& col : piece.block.columns) {
    OutputColumn c;
    c.spec = col.spec;
    if (!col.i32.empty()) c.i32.assign(col.i32.begin() + from, col.i32.begin() + to);
    if (!col.f32.empty()) c.f32.assign(col.f32.begin() + from, col.f32.begin() + to);
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
    std::size_t piece;
  };
  std::vector<Slot> slots;
  GridBlock out;
  std::size_t cells = 0;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    out.points += pieces[k].block.points;
    cells += pieces[k].block.cells.size();
    for (const auto p : pieces[k].block.parents) slots.push_back({p, k});
  }
  std::sort(slots.begin(), slots.end(),
            [](const Slot& a, const Slot& b) { return a.parent < b.parent; });
  for (std::size_t i = 1; i < slots.size(); ++i)
    if (slots[i].parent == slots[i - 1].parent)
      throw std::logic_error("journal: parent cell " + std::to_string(slots[i].parent) +
                             " in two pieces");
  // Sized once: the merged block is the rank's whole output, grown by doubling it was copied
  // about twice over into fresh pages.
  out.parents.reserve(slots.size());
  out.cells.reserve(cells);
  for (const auto& s : config.statistics) {
    OutputColumn col;
    col.spec = &s;
    if (is_integer_statistic(s.function))
      col.i32.reserve(cells);
    else
      col.f32.reserve(cells);
    out.columns.push_back(std::move(col));
  }
  // Each piece's cells are sorted, and its parents are visited in increasing order: one cursor
  // per piece walks its cells parent by parent.
  std::vector<std::size_t> cursor(pieces.size(), 0);
  for (const auto& slot : slots) {
    out.parents.push_back(slot.parent);
    const auto& src = pieces[slot.piece].block;
    auto& at = cursor[slot.piece];
    const std::size_t from = at;
    while (at < src.cells.size() && src.cells[at] / children_per_parent == slot.parent) ++at;
    out.cells.insert(out.cells.end(), src.cells.begin() + from, src.cells.begin() + at);
    for (std::size_t s = 0; s < out.columns.size(); ++s) {
      const auto& c = src.columns.at(s);
      auto& o = out.columns[s];
      if (!c.i32.empty()) o.i32.insert(o.i32.end(), c.i32.begin() + from, c.i32.begin() + at);
      if (!c.f32.empty()) o.f32.insert(o.f32.end(), c.f32.begin() + from, c.f32.begin() + at);
    }
  }
  return out;
}

}  // namespace healgrid
