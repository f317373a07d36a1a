#include "edge/alert_policy.h"

#include <algorithm>

#include "edge/loaded_model.h"
#include "edge/outbound_json.h"

namespace aiotops::edge {
namespace {

// Level names longer than this make a device's first level change allocate once.
constexpr size_t kLevelNameCapacity = 32;

}  // namespace

Result<AlertTracker> AlertTracker::create(AlertOptions options) {
  if (options.window == 0) return fail(ErrorCode::kInvalidArgument, "alert window of 0 readings");
  if (options.persist_count == 0 || options.persist_count > options.window) {
    return fail(ErrorCode::kInvalidArgument,
                "persistent-fault count {} must be between 1 and the window ({})",
                options.persist_count, options.window);
  }
  if (options.max_devices == 0) return fail(ErrorCode::kInvalidArgument, "max devices of 0");
  if (auto status = check_device_classes(options.classes); !status) return fail(status.error());
  return AlertTracker(std::move(options));
}

void AlertTracker::reset(DeviceState& state, std::string_view device, std::string_view topic,
                         size_t features) const {
  const size_t m = options_.window;
  state.device_class = classify(options_.classes, device, topic);
  state.timestamps.assign(m, 0);
  state.scores.assign(m, 0.0);
  state.values.assign(m * features, 0.0);
  state.features = features;
  state.next = 0;
  state.count = 0;
  state.has_level = false;
  state.persisting = false;
  state.level.reserve(kLevelNameCapacity);
  state.previous.reserve(kLevelNameCapacity);
}

void AlertTracker::record(DeviceState& state, int64_t timestamp_ms, std::span<const double> values,
                          double score) const {
  state.timestamps[state.next] = timestamp_ms;
  state.scores[state.next] = score;
  std::copy(values.begin(), values.end(), state.values.begin() + state.next * state.features);
  state.next = (state.next + 1) % options_.window;
  state.count = std::min(state.count + 1, options_.window);
}

void AlertTracker::collect(const DeviceState& state) {
  readings_.clear();
  const size_t m = options_.window;
  const size_t oldest = (state.next + m - state.count) % m;
  for (size_t i = 0; i < state.count; ++i) {
    const size_t at = (oldest + i) % m;
    readings_.push_back(
        {state.timestamps[at],
         std::span<const double>(state.values).subspan(at * state.features, state.features),
         state.scores[at]});
  }
}

const AlertCheck& AlertTracker::observe(std::string_view device, std::string_view topic,
                                        int64_t timestamp_ms, std::span<const double> values,
                                        double score, std::span<const ml::AlertLevel> model_levels,
                                        double model_threshold) {
  auto [state, fresh] = devices_.find_or_insert(device);
  // A model with other features makes the old window meaningless: start again.
  if (fresh || state->features != values.size()) reset(*state, device, topic, values.size());
  record(*state, timestamp_ms, values, score);

  const DeviceClass* device_class = state->device_class;
  const std::span<const ml::AlertLevel> levels =
      device_class && !device_class->levels.empty() ? device_class->levels : model_levels;
  check_ = AlertCheck{};
  check_.threshold =
      device_class && device_class->threshold ? *device_class->threshold : model_threshold;
  check_.device_class = device_class ? std::string_view(device_class->name) : std::string_view();
  check_.level = level_for(levels, score).name;

  const bool level_changed =
      state->has_level ? check_.level != state->level : check_.level != levels.front().name;
  const size_t faulty = static_cast<size_t>(std::count_if(
      state->scores.begin(), state->scores.begin() + static_cast<std::ptrdiff_t>(state->count),
      [&](double s) { return s >= check_.threshold; }));
  const bool persisting = faulty >= options_.persist_count;
  const bool persistence_began = persisting && !state->persisting;
  state->persisting = persisting;

  if (level_changed) {
    std::swap(state->previous, state->level);
    if (!state->has_level) state->previous.clear();
  }
  state->level.assign(check_.level);
  state->has_level = true;
  if (level_changed || persistence_began) {
    check_.raise = true;
    check_.reason = level_changed ? kLevelChangeReason : kPersistentFaultReason;
    check_.previous_level =
        level_changed ? std::string_view(state->previous) : std::string_view(state->level);
    collect(*state);
    check_.readings = readings_;
  }
  return check_;
}

}  // namespace aiotops::edge
