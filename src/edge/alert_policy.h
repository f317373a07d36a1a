#pragma once
// When a device's scored readings raise an alert. Each reading's level is the score band it
// falls in; bands and the fault threshold come from the device's class when it sets them, else
// from the model that scored the reading (edge/device_class.h). An alert is raised when
//   level-change       the level differs from the device's previous reading's (a device's first
//                      reading counts as a change when it is above the lowest level), or
//   persistent-fault   at least N of the device's last M readings scored at or above the
//                      threshold; raised once when that becomes true, again only after it has
//                      been false.
// One reading raises at most one alert; a level change wins when both apply. The alert carries
// the device's last M readings (timestamp, feature values, score), oldest first.
// Per-device state is bounded (edge/device_table.h). A known device's reading allocates nothing.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "edge/device_class.h"
#include "edge/device_table.h"
#include "ml/model_file.h"

namespace aiotops::edge {

struct AlertOptions {
  size_t window = 5;            // M: readings kept per device, >= 1
  size_t persist_count = 3;     // N: faulty readings among the last M that persist, 1..M
  size_t max_devices = 10'000;  // devices tracked; the least recently seen is dropped beyond
  std::vector<DeviceClass> classes;
};

// One reading of a device's window. `values` in the scoring model's feature order.
struct WindowReading {
  int64_t timestamp_ms = 0;  // Unix milliseconds
  std::span<const double> values;
  double score = 0;
};

// What observe() decided for one reading. Views are valid until the next observe() call (and
// `level` while the model levels passed to it live).
struct AlertCheck {
  std::string_view level;           // the reading's level name
  double threshold = 0;             // the fault threshold that applied
  std::string_view device_class;    // the device's class name; empty for none
  bool raise = false;               // an alert is due
  std::string_view reason;          // with raise: kLevelChangeReason or kPersistentFaultReason
  std::string_view previous_level;  // with raise: the previous reading's level; empty for none
  std::span<const WindowReading> readings;  // with raise: the last M readings, oldest first
};

// Not thread-safe: one tracker per worker, and every reading of a device must go to the same
// worker (shard by device). evictions() may be read from any thread.
class AlertTracker {
 public:
  // kInvalidArgument for window 0, persist_count outside 1..window, or bad classes.
  static Result<AlertTracker> create(AlertOptions options);

  // Records one scored reading of `device` (arrived on `topic`) and decides. `model_levels` and
  // `model_threshold` are those of the model that scored it (ModelInfo).
  const AlertCheck& observe(std::string_view device, std::string_view topic, int64_t timestamp_ms,
                            std::span<const double> values, double score,
                            std::span<const ml::AlertLevel> model_levels, double model_threshold);

  size_t devices() const { return devices_.size(); }
  uint64_t evictions() const { return devices_.evictions(); }
  const AlertOptions& options() const { return options_; }

 private:
  struct DeviceState {
    const DeviceClass* device_class = nullptr;
    std::vector<int64_t> timestamps;  // ring of M
    std::vector<double> scores;       // ring of M
    std::vector<double> values;       // ring of M rows of `features` values
    size_t features = 0;
    size_t next = 0;   // ring position of the next reading
    size_t count = 0;  // readings held, <= M
    bool has_level = false;
    bool persisting = false;
    std::string level;     // the latest reading's level name
    std::string previous;  // the level before it, kept for the alert's view
  };

  explicit AlertTracker(AlertOptions options)
      : options_(std::move(options)), devices_(options_.max_devices) {
    readings_.reserve(options_.window);
  }
  void reset(DeviceState& state, std::string_view device, std::string_view topic,
             size_t features) const;
  void record(DeviceState& state, int64_t timestamp_ms, std::span<const double> values,
              double score) const;
  void collect(const DeviceState& state);

  AlertOptions options_;
  DeviceTable<DeviceState> devices_;
  std::vector<WindowReading> readings_;  // the alert's readings, capacity M
  AlertCheck check_;
};

}  // namespace aiotops::edge
