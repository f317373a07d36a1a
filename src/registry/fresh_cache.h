#pragma once
// Answers the server looked up a moment ago (a bearer token's record, the model version a
// download names), so a fleet polling for its model does not cost SQLite work per request. An
// entry holds while the store's write generation is unchanged (Store::write_generation: every
// write this process commits) and for at most `ttl` (writes by another process on the same data
// directory, such as `aiotops registry token create --data-dir`).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace aiotops::registry {

template <typename Value>
class FreshCache {
 public:
  // `ttl`: how long an entry is trusted at most; `capacity`: entries kept (when full the cache
  // starts over; the clients it serves come back within the ttl anyway).
  explicit FreshCache(std::chrono::milliseconds ttl = std::chrono::milliseconds(1000),
                      size_t capacity = 4096)
      : ttl_ms_(ttl.count()), capacity_(capacity) {}

  // The value put under `key` at `generation` less than ttl before `now_ms` (steady
  // milliseconds); nullopt otherwise. Thread-safe.
  std::optional<Value> find(const std::string& key, uint64_t generation, int64_t now_ms) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    const Entry& entry = it->second;
    if (entry.generation != generation || now_ms < entry.at_ms || now_ms - entry.at_ms >= ttl_ms_) {
      return std::nullopt;
    }
    return entry.value;
  }

  // Remembers `value`, read after the store was at `generation` (read the generation before
  // the lookup, so a write racing with it makes the entry stale at once). Thread-safe.
  void put(const std::string& key, Value value, uint64_t generation, int64_t now_ms) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_ && !entries_.contains(key)) entries_.clear();
    entries_.insert_or_assign(key, Entry{std::move(value), generation, now_ms});
  }

 private:
  struct Entry {
    Value value;
    uint64_t generation = 0;
    int64_t at_ms = 0;
  };
  int64_t ttl_ms_;
  size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace aiotops::registry
