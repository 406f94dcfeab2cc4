// Decoded chunks carried from one reader of a granule to a later reader of the same granule.
// The read loop reads a granule again in each round it has points in (a new or unparked
// reader: read/granule_reader.hpp), and its ranks read neighbouring rows: a chunk whose rows
// lie in two rounds' parent ranges (a track crossing a round boundary) would be inflated
// twice. A reader leaving a chunk it read only part of
// hands it here (ChunkReader::carry_through); a later reader needing that chunk takes it
// back instead of inflating it again. Bounded: past the capacity the oldest chunks are
// dropped; each chunk is handed back once. Only speed depends on it: a chunk taken back is
// the same bytes the reader would have inflated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <tuple>
#include <vector>

namespace healgrid {

class ChunkCarry {
 public:
  // One chunk of one dataset: the granule's index in the run, the beam's index in its reader,
  // the config variable, the chunk's index in the dataset.
  struct Key {
    std::uint32_t granule, beam, variable;
    std::uint64_t chunk;
    bool operator<(const Key& o) const {
      return std::tie(granule, beam, variable, chunk) <
             std::tie(o.granule, o.beam, o.variable, o.chunk);
    }
  };

  explicit ChunkCarry(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // Keeps `chunk` (moved from; left empty) under `key`, in place of the key's earlier one,
  // dropping the oldest chunks held until it fits. A chunk larger than the capacity is dropped.
  void put(const Key& key, std::vector<unsigned char>& chunk);

  // Hands `key`'s chunk over into `chunk` (removed from the carry): false when there is none.
  bool take(const Key& key, std::vector<unsigned char>& chunk);

  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return held_.size(); }

 private:
  struct Held {
    std::list<Key>::iterator age;  // its place in order_
    std::vector<unsigned char> chunk;
  };
  std::vector<unsigned char> drop(std::map<Key, Held>::iterator it);  // returns its chunk

  std::size_t capacity_, bytes_ = 0;
  std::map<Key, Held> held_;
  std::list<Key> order_;  // the keys held, oldest first
};

}  // namespace healgrid
