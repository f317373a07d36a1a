#pragma once
// The registry's in-process event bus: the store publishes new dataset and model versions and
// alias moves after their transaction commits; the HTTP layer subscribes and turns them into
// server-sent events. Events carry an increasing id (the SSE "id:"), and the bus keeps the
// most recent ones so a reconnecting client (Last-Event-ID) misses nothing recent.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "registry/records.h"

namespace aiotops::registry {

enum class EventType { kDatasetVersion, kModelVersion, kAliasMoved };
// "dataset.version" / "model.version" / "alias.moved": the SSE "event:" field.
std::string_view to_string(EventType type);

struct Event {
  uint64_t id = 0;  // assigned by the bus: increasing in publish order
  EventType type = EventType::kModelVersion;
  std::string name;                     // dataset or model name
  int64_t version = 0;                  // the new version, or the alias's new target (0: deleted)
  std::string alias;                    // kAliasMoved only
  std::optional<int64_t> from_version;  // kAliasMoved only: the previous target
  std::string sha256;                   // new versions only
  int64_t time_ms = 0;
};

// The event's JSON object as one line (the SSE "data:" field). Thread-safe.
std::string to_json_line(const Event& event);

struct EventBusOptions {
  size_t history = 1024;           // events kept for replay to reconnecting subscribers
  size_t subscriber_queue = 1024;  // events buffered per subscriber before the oldest drop
  // The first event's id. The store seeds it from the clock (ms * 1000) so ids keep growing
  // across restarts and a client's Last-Event-ID from an earlier run reads as "events lost".
  uint64_t first_id = 1;
};

class EventBus;

// One subscriber's queue. Obtain from EventBus::subscribe; unsubscribes when destroyed.
// next() is for one consumer thread; the bus may publish concurrently.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The next event, waiting at most `timeout`; nullopt on timeout or after close().
  std::optional<Event> next(std::chrono::milliseconds timeout);
  // Events dropped because this queue was full (the consumer should resynchronize).
  uint64_t dropped() const;
  // Wakes next() and makes it return nullopt from now on (for server shutdown). Thread-safe.
  void close();

 private:
  friend class EventBus;
  struct Core;
  struct State;
  Subscription(std::shared_ptr<Core> core, std::shared_ptr<State> state);
  std::shared_ptr<Core> core_;    // the bus's shared state; outlives the bus if need be
  std::shared_ptr<State> state_;  // this subscriber's queue
};

// Thread-safe. Subscriptions may outlive the bus (they then see no more events).
class EventBus {
 public:
  explicit EventBus(EventBusOptions options = {});
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Assigns the next id, records it in the history and queues it for every subscriber.
  // Returns the id. Never blocks on a slow subscriber (its oldest event drops instead).
  uint64_t publish(Event event);

  // A new subscription. With `after_id`, first replays the kept events with a larger id
  // (a client's Last-Event-ID); events older than the history are lost (dropped() counts 1).
  std::unique_ptr<Subscription> subscribe(std::optional<uint64_t> after_id = std::nullopt);

  // Wakes and closes every subscription (server shutdown).
  void close_all();

  // The id of the last published event (first_id - 1 before the first).
  uint64_t last_id() const;

 private:
  std::shared_ptr<Subscription::Core> core_;
};

}  // namespace aiotops::registry
