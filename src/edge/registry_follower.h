#pragma once
// Follows one model alias in the registry and swaps the edge service's primary model when the
// alias moves. Two threads, neither an inference worker: the stream thread holds the registry's
// event stream (/api/v1/events) open, reconnecting with capped, jittered exponential backoff;
// the check thread resolves the alias and, for a version other than the serving one, downloads
// it, verifies it (registry_source.h) and loads it into the model slot, whose atomic swap the
// workers see on their next message. A check runs after every (re)connect of the stream — a
// move made while it was down is not missed — and on every event about the followed alias. A
// version that fails verification or loading is refused (reported, counted) and not tried again
// until the alias moves on; the serving model stays. A registry that cannot be reached is
// retried with the same backoff.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/error.h"
#include "edge/metrics.h"
#include "edge/metrics_registry.h"
#include "edge/model_slot.h"
#include "edge/registry_source.h"
#include "transport/backoff.h"

namespace httplib {
class Client;
}

namespace aiotops::edge {

struct RegistryFollowerOptions {
  RegistrySourceOptions source;
  // Between event-stream reconnects, and between checks that could not reach the registry.
  transport::BackoffOptions backoff{.initial = std::chrono::milliseconds(250),
                                    .max = std::chrono::milliseconds(30'000),
                                    .multiplier = 2.0,
                                    .jitter = 0.5};
  std::optional<uint64_t> jitter_seed;  // unset: random_device
  // No byte on the event stream for this long (the registry sends a keepalive every 15 s by
  // default): the stream is taken for dead and reconnected.
  std::chrono::milliseconds stream_idle_timeout{60'000};
};

// Thread-safe: stop() and the accessors from any thread.
class RegistryFollower {
 public:
  // Called on the check thread (or load_now()'s caller) after each attempt to install a version:
  // the new set, or why the version was refused.
  using LoadReport = std::function<void(const Result<std::shared_ptr<const ModelSet>>&)>;

  // Checks the options and registers its metrics in `metrics` (aiotops_edge_registry_*); no
  // thread or connection yet. kInvalidArgument for bad options, kAlreadyExists when `metrics`
  // has them. `slot` and `metrics` must outlive the follower.
  static Result<std::unique_ptr<RegistryFollower>> create(RegistryFollowerOptions options,
                                                          ModelSlot& slot, MetricsRegistry& metrics,
                                                          LoadReport report);
  // Stops the threads (waits for a download in progress to end).
  ~RegistryFollower();
  RegistryFollower(const RegistryFollower&) = delete;
  RegistryFollower& operator=(const RegistryFollower&) = delete;

  // Installs the alias's version now, on this thread (start-up without a local model), before
  // start(). The new set, or the resolve/fetch/verify/load error (also reported).
  Result<std::shared_ptr<const ModelSet>> load_now();
  // Starts both threads. Call once.
  void start();
  void stop();

  // The registry version serving; 0 before one was installed.
  int64_t version() const { return serving_.load(); }

 private:
  enum class Check { kDone, kRetry };
  RegistryFollower(RegistryFollowerOptions options, std::unique_ptr<RegistrySource> source,
                   ModelSlot& slot, LoadReport report);
  Status register_metrics(MetricsRegistry& metrics);
  // One check: resolve, and install a new version. kRetry when the registry was unreachable.
  Check check();
  Result<std::shared_ptr<const ModelSet>> install(int64_t version);
  void request_check();
  void run_checks();
  void run_stream();
  // Waits `delay` or until stop(); false once stopping.
  bool pause(std::chrono::milliseconds delay);

  const RegistryFollowerOptions options_;
  std::unique_ptr<RegistrySource> source_;  // the check thread's (or load_now()'s) alone
  ModelSlot& slot_;
  LoadReport report_;
  std::atomic<int64_t> serving_ = 0;
  int64_t refused_ = 0;  // the last version refused; check thread only

  Gauge* version_gauge_ = nullptr;
  Counter* stream_connects_ = nullptr;
  Counter* refusals_ = nullptr;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;                     // guarded by mutex_
  bool check_requested_ = false;              // guarded by mutex_
  httplib::Client* stream_client_ = nullptr;  // guarded by mutex_: the open stream's, to stop it
  std::thread checks_;
  std::thread stream_;
};

}  // namespace aiotops::edge
