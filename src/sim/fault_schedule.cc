#include "sim/fault_schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>

#include "common/duration.h"
#include "sim/rng.h"

namespace aiotops::sim {
namespace {

// Seed streams (see derive_seed); distinct from the motors' own streams.
constexpr uint64_t kScheduledStream = 0x5343484544ULL;  // "SCHED"
constexpr uint64_t kRandomStream = 0x52414E44ULL;       // "RAND"

struct Timeline {
  int64_t start_ms;
  int64_t interval_ms;
  int64_t steps;
  // Timestamp of the first reading at or after start + offset.
  int64_t align_up(double offset_ms) const {
    auto step = static_cast<int64_t>(std::ceil(offset_ms / static_cast<double>(interval_ms)));
    return start_ms + std::max<int64_t>(step, 0) * interval_ms;
  }
  int64_t end_ms() const { return start_ms + steps * interval_ms; }
};

// Mode parameters: documented in docs/formats/sim.md.
void draw_parameters(FaultEvent& event, Rng& rng) {
  switch (event.mode) {
    case FaultMode::kBearingWear:
      event.ramp_s = rng.uniform(1.5, 3.0) * 3600.0;
      event.label_severity = 0.4;
      event.magnitude = rng.uniform(0.8, 1.0);
      break;
    case FaultMode::kCoolingFailure:
      event.ramp_s = rng.uniform(20.0, 60.0) * 60.0;
      event.label_severity = 0.8;
      event.magnitude = rng.uniform(2.5, 3.5);
      break;
    case FaultMode::kRotorImbalance:
      event.ramp_s = rng.uniform(5.0, 20.0) * 60.0;
      event.label_severity = 0.5;
      event.magnitude = rng.uniform(6.0, 14.0);
      break;
    case FaultMode::kElectricalFault:
      event.ramp_s = rng.uniform(20.0, 60.0) * 60.0;
      event.label_severity = 0.3;
      event.magnitude = rng.uniform(0.1, 0.3);
      break;
    case FaultMode::kSensorStuck:
      break;
    case FaultMode::kSensorDropout:
      event.magnitude = rng.uniform(0.5, 1.0);
      break;
  }
}

void set_label_time(FaultEvent& event, const Timeline& timeline) {
  if (is_sensor_fault(event.mode)) return;
  double crossing_ms = static_cast<double>(event.onset_ms - timeline.start_ms) +
                       event.label_severity * event.ramp_s * 1000.0;
  event.label_ms = timeline.align_up(crossing_ms);
}

Result<size_t> motor_index(std::string_view device_id, size_t devices) {
  constexpr std::string_view kPrefix = "motor-";
  size_t number = 0;
  if (device_id.starts_with(kPrefix)) {
    std::string_view digits = device_id.substr(kPrefix.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec != std::errc() || end != digits.data() + digits.size()) number = 0;
  }
  if (number == 0 || number > devices) {
    return fail(ErrorCode::kInvalidArgument, "no device '{}' (devices are motor-1..motor-{})",
                device_id, devices);
  }
  return number - 1;
}

Result<FaultEvent> resolve_spec(const FaultSpec& spec, size_t index, const FleetOptions& options,
                                std::span<const std::string> features, const Timeline& timeline) {
  std::string name = fmt::format("fault {}:{}@{}", spec.device_id, to_string(spec.mode),
                                 format_duration(spec.onset));
  auto motor = motor_index(spec.device_id, options.devices);
  if (!motor) return fail(motor.error().with_context(name));
  FaultEvent event;
  event.motor = *motor;
  event.device_id = spec.device_id;
  event.mode = spec.mode;
  event.onset_ms = timeline.align_up(static_cast<double>(spec.onset.count()));
  if (event.onset_ms >= timeline.end_ms()) {
    return fail(ErrorCode::kInvalidArgument, "{}: onset is at or after the end of the run ({})",
                name, format_duration(options.duration));
  }
  Rng rng(derive_seed(options.seed, kScheduledStream, index));
  if (is_sensor_fault(spec.mode)) {
    if (spec.sensor.empty()) {
      event.sensor = rng.below(features.size());
    } else {
      auto it = std::find(features.begin(), features.end(), spec.sensor);
      if (it == features.end()) {
        return fail(ErrorCode::kInvalidArgument, "{}: unknown sensor '{}' (sensors: {})", name,
                    spec.sensor, fmt::join(features, ", "));
      }
      event.sensor = static_cast<size_t>(it - features.begin());
    }
    event.sensor_name = features[event.sensor];
  }
  draw_parameters(event, rng);
  set_label_time(event, timeline);
  return event;
}

std::optional<FaultEvent> draw_random(size_t motor, const FleetOptions& options,
                                      std::span<const std::string> features,
                                      const Timeline& timeline) {
  Rng rng(derive_seed(options.seed, kRandomStream, motor));
  double onset_h = rng.exponential(options.fault_rate_per_hour);
  FaultEvent event;
  event.motor = motor;
  event.device_id = fmt::format("motor-{}", motor + 1);
  event.scheduled = false;
  event.onset_ms = timeline.align_up(onset_h * 3'600'000.0);
  if (event.onset_ms >= timeline.end_ms()) return std::nullopt;
  event.mode = options.random_modes[rng.below(options.random_modes.size())];
  if (is_sensor_fault(event.mode)) {
    event.sensor = rng.below(features.size());
    event.sensor_name = features[event.sensor];
  }
  draw_parameters(event, rng);
  set_label_time(event, timeline);
  return event;
}

}  // namespace

double FaultEvent::severity_at(int64_t timestamp_ms) const {
  if (timestamp_ms < onset_ms) return 0.0;
  if (ramp_s <= 0.0) return 1.0;
  return std::min(1.0, static_cast<double>(timestamp_ms - onset_ms) / (ramp_s * 1000.0));
}

std::string_view magnitude_name(FaultMode mode) {
  switch (mode) {
    case FaultMode::kBearingWear:
      return "bearing_defect_index";
    case FaultMode::kCoolingFailure:
      return "thermal_resistance_factor";
    case FaultMode::kRotorImbalance:
      return "added_imbalance";
    case FaultMode::kElectricalFault:
      return "spike_rate_per_s";
    case FaultMode::kSensorStuck:
      return "";
    case FaultMode::kSensorDropout:
      return "dropout_probability";
  }
  return "";
}

Result<std::vector<FaultEvent>> build_fault_schedule(const FleetOptions& options,
                                                     std::span<const std::string> features) {
  Timeline timeline{options.start_ms, options.interval.count(), steps_per_motor(options)};
  std::vector<FaultEvent> events;
  for (size_t i = 0; i < options.faults.size(); ++i) {
    auto event = resolve_spec(options.faults[i], i, options, features, timeline);
    if (!event) return fail(event.error());
    events.push_back(std::move(*event));
  }
  if (options.fault_rate_per_hour > 0.0 && !options.random_modes.empty()) {
    for (size_t motor = 0; motor < options.devices; ++motor) {
      if (auto event = draw_random(motor, options, features, timeline)) {
        events.push_back(std::move(*event));
      }
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const FaultEvent& a, const FaultEvent& b) {
    return std::tie(a.onset_ms, a.motor) < std::tie(b.onset_ms, b.motor);
  });
  return events;
}

}  // namespace aiotops::sim
