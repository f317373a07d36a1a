#pragma once
// The active model set of the edge service and its live swap. Workers take one snapshot per
// message (current()) and score the whole message with it, so every result is attributable to
// exactly one set; a swap loads and verifies on the caller's thread (never a worker's), then
// publishes the new set with one atomic store. Readers never wait for a load: a load in progress
// holds only the loaders' mutex. A refused model leaves the serving set untouched.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "edge/loaded_model.h"
#include "edge/model_source.h"

namespace aiotops::edge {

// Immutable once published.
struct ModelSet {
  std::shared_ptr<const LoadedModel> primary;  // never null in a published set
  std::shared_ptr<const LoadedModel> cascade;  // null: no cascade stage
  // Cascade input i takes the primary's feature cascade_inputs[i] (rows arrive in the primary's
  // feature order); empty without a cascade model.
  std::vector<size_t> cascade_inputs;
  uint64_t generation = 0;  // 1 for the first published set, +1 per swap
};

struct SlotStats {
  uint64_t generation = 0;  // of the serving set; 0 before the first load
  uint64_t swaps = 0;       // sets published
  uint64_t refusals = 0;    // loads refused (fetch, verification or fit)
  std::string last_error;   // the latest refusal's message; empty before any
};

// Thread-safe: current() and stats() from any thread, loads from any thread (serialized).
class ModelSlot {
 public:
  // `options` apply to every model loaded into the slot (lanes = the number of workers).
  explicit ModelSlot(LoadOptions options) : options_(std::move(options)) {}

  // The serving set; null before the first successful load. Lock-free for the reader in the
  // sense that it never waits for a load; allocation-free.
  std::shared_ptr<const ModelSet> current() const {
    return current_.load(std::memory_order_acquire);
  }

  // Loads a model into `role` and publishes the new set, returned. On failure the serving set
  // is untouched, the refusal is counted and kept as last_error, and the error (naming the
  // file) is returned: kInvalidArgument also for a cascade without a primary, a cascade model
  // needing a feature the primary does not have, or a primary lacking one the cascade needs.
  Result<std::shared_ptr<const ModelSet>> load_file(ModelRole role,
                                                    const std::filesystem::path& path);
  Result<std::shared_ptr<const ModelSet>> load_bytes(ModelRole role, std::string_view bytes,
                                                     std::string_view origin,
                                                     TrainingData training = {});
  // Fetches request.reference from `source` (on this thread), then loads it as load_bytes().
  Result<std::shared_ptr<const ModelSet>> load_request(const ModelRequest& request,
                                                       ModelSource& source);
  // Publishes the set without its cascade model. kInvalidArgument (not counted) when there is
  // none.
  Result<std::shared_ptr<const ModelSet>> remove_cascade();

  SlotStats stats() const;
  const LoadOptions& options() const { return options_; }

 private:
  Result<std::shared_ptr<const ModelSet>> install(ModelRole role,
                                                  Result<std::shared_ptr<const LoadedModel>> model);
  Result<std::shared_ptr<const ModelSet>> publish(std::shared_ptr<const LoadedModel> primary,
                                                  std::shared_ptr<const LoadedModel> cascade);
  std::unexpected<Error> refuse(Error error);

  const LoadOptions options_;
  std::atomic<std::shared_ptr<const ModelSet>> current_;
  std::mutex load_mutex_;  // serializes loads: each builds on the set it replaces
  std::atomic<uint64_t> swaps_{0};
  std::atomic<uint64_t> refusals_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;  // guarded by error_mutex_
};

// For each input of `cascade`, the index of the same feature in `primary`'s order.
// kInvalidArgument naming a cascade feature the primary does not have.
Result<std::vector<size_t>> cascade_inputs(const ModelInfo& primary, const ModelInfo& cascade);

}  // namespace aiotops::edge
