#include "healgrid/read/chunk_carry.hpp"

#include <iterator>
#include <utility>

namespace healgrid {

std::vector<unsigned char> ChunkCarry::drop(std::map<Key, Held>::iterator it) {
  std::vector<unsigned char> chunk = std::move(it->second.chunk);
  bytes_ -= chunk.size();
  order_.erase(it->second.age);
  held_.erase(it);
  return chunk;
}

void ChunkCarry::put(const Key& key, std::vector<unsigned char>& chunk) {
  if (auto it = held_.find(key); it != held_.end()) drop(it);
  if (chunk.empty() || chunk.size() > capacity_) {
    chunk.clear();
    return;
  }
  while (bytes_ + chunk.size() > capacity_) drop(held_.find(order_.front()));  // the oldest out
  const std::size_t size = chunk.size();
  order_.push_back(key);  // first: a failed allocation below leaves held_ as it was
  try {
    held_.emplace(key, Held{std::prev(order_.end()), std::move(chunk)});
  } catch (...) {
    order_.pop_back();
    throw;
  }
  bytes_ += size;
  chunk.clear();
}

bool ChunkCarry::take(const Key& key, std::vector<unsigned char>& chunk) {
  const auto it = held_.find(key);
  if (it == held_.end()) return false;
  chunk = drop(it);
  return true;
}

}  // namespace healgrid
