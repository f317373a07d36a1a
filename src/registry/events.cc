#include "registry/events.h"

#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>

#include <nlohmann/json.hpp>

namespace aiotops::registry {

// The bus's state, shared with its subscriptions so either may go first. One mutex guards it
// and every subscriber queue: publishing is rare (new versions), so contention does not matter.
struct Subscription::Core {
  EventBusOptions options;
  std::mutex mutex;
  uint64_t next_id = 1;
  std::deque<Event> history;
  std::list<std::shared_ptr<State>> subscribers;
};

struct Subscription::State {
  std::condition_variable ready;
  std::deque<Event> queue;
  uint64_t dropped = 0;
  bool closed = false;

  // Queues `event`, dropping the oldest when full. Caller holds the core's mutex.
  void push(const Event& event, size_t capacity) {
    if (closed) return;
    if (queue.size() >= std::max<size_t>(capacity, 1)) {
      queue.pop_front();
      ++dropped;
    }
    queue.push_back(event);
  }
};

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::kDatasetVersion:
      return "dataset.version";
    case EventType::kModelVersion:
      return "model.version";
    case EventType::kAliasMoved:
      return "alias.moved";
  }
  return "?";
}

std::string to_json_line(const Event& event) {
  nlohmann::json json{{"id", event.id},
                      {"type", std::string(to_string(event.type))},
                      {"name", event.name},
                      {"time_ms", event.time_ms}};
  if (event.type == EventType::kAliasMoved) {
    json["alias"] = event.alias;
    json["version"] = event.version == 0 ? nlohmann::json(nullptr) : nlohmann::json(event.version);
    json["from_version"] =
        event.from_version ? nlohmann::json(*event.from_version) : nlohmann::json(nullptr);
  } else {
    json["version"] = event.version;
    json["sha256"] = event.sha256;
  }
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ---- Subscription -----------------------------------------------------------------------------

Subscription::Subscription(std::shared_ptr<Core> core, std::shared_ptr<State> state)
    : core_(std::move(core)), state_(std::move(state)) {}

Subscription::~Subscription() {
  std::lock_guard lock(core_->mutex);
  core_->subscribers.remove(state_);
}

std::optional<Event> Subscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(core_->mutex);
  state_->ready.wait_for(lock, timeout, [&] { return state_->closed || !state_->queue.empty(); });
  if (state_->closed || state_->queue.empty()) return std::nullopt;
  Event event = std::move(state_->queue.front());
  state_->queue.pop_front();
  return event;
}

uint64_t Subscription::dropped() const {
  std::lock_guard lock(core_->mutex);
  return state_->dropped;
}

void Subscription::close() {
  std::lock_guard lock(core_->mutex);
  state_->closed = true;
  state_->ready.notify_all();
}

// ---- EventBus ---------------------------------------------------------------------------------

EventBus::EventBus(EventBusOptions options) : core_(std::make_shared<Subscription::Core>()) {
  core_->options = options;
  core_->next_id = std::max<uint64_t>(options.first_id, 1);
}

EventBus::~EventBus() { close_all(); }

uint64_t EventBus::publish(Event event) {
  std::lock_guard lock(core_->mutex);
  event.id = core_->next_id++;
  for (auto& state : core_->subscribers) {
    state->push(event, core_->options.subscriber_queue);
    state->ready.notify_one();
  }
  if (core_->options.history > 0) {
    if (core_->history.size() >= core_->options.history) core_->history.pop_front();
    core_->history.push_back(std::move(event));
  }
  return core_->next_id - 1;
}

std::unique_ptr<Subscription> EventBus::subscribe(std::optional<uint64_t> after_id) {
  auto state = std::make_shared<Subscription::State>();
  std::lock_guard lock(core_->mutex);
  if (after_id) {
    // A gap between the client's last id and the oldest kept event means events were lost.
    uint64_t oldest = core_->history.empty() ? core_->next_id : core_->history.front().id;
    if (*after_id + 1 < oldest) state->dropped = 1;
    for (const auto& event : core_->history) {
      if (event.id > *after_id) state->push(event, core_->options.subscriber_queue);
    }
  }
  core_->subscribers.push_back(state);
  return std::unique_ptr<Subscription>(new Subscription(core_, std::move(state)));
}

void EventBus::close_all() {
  std::lock_guard lock(core_->mutex);
  for (auto& state : core_->subscribers) {
    state->closed = true;
    state->ready.notify_all();
  }
}

uint64_t EventBus::last_id() const {
  std::lock_guard lock(core_->mutex);
  return core_->next_id - 1;
}

}  // namespace aiotops::registry
