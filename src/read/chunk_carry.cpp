#include "healgrid/read/chunk_carry.hpp"

#include <utility>

namespace healgrid {

void ChunkCarry::drop(std::map<Key, Held>::iterator it) {
  bytes_ -= it->second.chunk.size();
  held_.erase(it);
}

void ChunkCarry::put(const Key& key, std::vector<unsigned char>& chunk) {
  if (auto it = held_.find(key); it != held_.end()) drop(it);
  if (chunk.empty() || chunk.size() > capacity_) {
    chunk.clear();
    return;
  }
  while (bytes_ + chunk.size() > capacity_) {   // the oldest out; an entry taken or replaced since
    const auto [old, serial] = order_.front();  // it was put no longer matches its serial
    order_.pop_front();
    if (auto it = held_.find(old); it != held_.end() && it->second.serial == serial) drop(it);
  }
  const std::size_t size = chunk.size();
  order_.emplace_back(key, next_serial_);  // first: a failed allocation leaves held_ as it was
  held_.emplace(key, Held{next_serial_++, std::move(chunk)});
  bytes_ += size;
  chunk.clear();
  // Entries taken or replaced leave stale ones in order_: compacted now and then (amortised).
  if (order_.size() > 4 * held_.size() + 1024) {
    std::deque<std::pair<Key, std::uint64_t>> live;
    for (const auto& [k, serial] : order_)
      if (auto it = held_.find(k); it != held_.end() && it->second.serial == serial)
        live.emplace_back(k, serial);
    order_.swap(live);
  }
}

bool ChunkCarry::take(const Key& key, std::vector<unsigned char>& chunk) {
  const auto it = held_.find(key);
  if (it == held_.end()) return false;
  chunk = std::move(it->second.chunk);
  bytes_ -= chunk.size();
  held_.erase(it);
  return true;
}

}  // namespace healgrid
