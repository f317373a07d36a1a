#pragma once
// Per-device state with a bound: at most `capacity` devices are tracked, and a new device beyond
// that takes the slot of the least recently seen one (counted as an eviction). Devices come from
// the network, so the bound is what keeps a flood of made-up ids from growing memory.
// Lookups of a known device allocate nothing (heterogeneous lookup, an intrusive recency list);
// a new device allocates its index node (an eviction reuses the evicted one's), and its key
// when longer than the reused key's capacity.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "edge/owned_counter.h"

namespace aiotops::edge {

// Not thread-safe (one table per worker); evictions() may be read from any thread.
template <typename State>
class DeviceTable {
 public:
  // `capacity` >= 1 devices.
  explicit DeviceTable(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  struct Entry {
    State* state;
    bool fresh;  // a device not tracked before this call: its state is default or an evicted
                 // device's, for the caller to reset
  };

  // The device's state, now the most recently seen. The pointer is valid until the next call.
  Entry find_or_insert(std::string_view key) {
    if (auto it = index_.find(key); it != index_.end()) {
      touch(it->second);
      return {&slots_[it->second].state, false};
    }
    uint32_t slot = 0;
    if (slots_.size() < capacity_) {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
      slots_[slot].key = key;
      index_.emplace(slots_[slot].key, slot);
      link_front(slot);
    } else {
      slot = oldest_;
      auto node = index_.extract(slots_[slot].key);
      slots_[slot].key = key;
      node.key() = key;
      index_.insert(std::move(node));
      touch(slot);
      evictions_.inc();
    }
    return {&slots_[slot].state, true};
  }

  size_t size() const { return slots_.size(); }
  size_t capacity() const { return capacity_; }
  // Devices dropped to make room so far. Thread-safe.
  uint64_t evictions() const { return evictions_.value(); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Slot {
    std::string key;
    uint32_t newer = kNone;
    uint32_t older = kNone;
    State state{};
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };

  void unlink(uint32_t slot) {
    Slot& s = slots_[slot];
    (s.newer == kNone ? newest_ : slots_[s.newer].older) = s.older;
    (s.older == kNone ? oldest_ : slots_[s.older].newer) = s.newer;
  }
  void link_front(uint32_t slot) {
    Slot& s = slots_[slot];
    s.newer = kNone;
    s.older = newest_;
    (newest_ == kNone ? oldest_ : slots_[newest_].newer) = slot;
    newest_ = slot;
  }
  void touch(uint32_t slot) {
    if (slot == newest_) return;
    unlink(slot);
    link_front(slot);
  }

  size_t capacity_;
  std::vector<Slot> slots_;
  std::unordered_map<std::string, uint32_t, KeyHash, std::equal_to<>> index_;
  uint32_t newest_ = kNone;
  uint32_t oldest_ = kNone;
  OwnedCounter evictions_;
};

}  // namespace aiotops::edge
