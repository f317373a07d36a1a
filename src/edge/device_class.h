#pragma once
// Device classes: groups of devices that get their own alert threshold and levels (the
// reference's MCUs alert at 0.7). A device belongs to the first class with a device-id pattern
// or a topic filter that matches it; to none otherwise.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "ml/model_file.h"

namespace aiotops::edge {

struct DeviceClass {
  std::string name;                     // e.g. "mcu"; non-empty
  std::vector<std::string> device_ids;  // glob patterns on the device id: '*' any run, '?' one
  std::vector<std::string> topics;      // MQTT filters on the message topic: '+' one level, '#'
  std::optional<double> threshold;      // fault threshold in [0, 1]; absent: the model's
  std::vector<ml::AlertLevel> levels;   // score bands; empty: the model's
};

// kInvalidArgument naming the class and field: an empty name, no pattern at all, a threshold
// outside [0, 1], bad levels (edge/loaded_model.h check_alert_levels).
Status check_device_classes(std::span<const DeviceClass> classes);

// The first class matching `device_id` or `topic`, or nullptr. Allocation-free; thread-safe.
const DeviceClass* classify(std::span<const DeviceClass> classes, std::string_view device_id,
                            std::string_view topic);

// Glob match of the whole text: '*' matches any run of bytes (also empty), '?' one byte.
bool glob_matches(std::string_view pattern, std::string_view text);
// MQTT topic filter match: '+' one whole level, '#' (last) any remaining levels, including
// none ("a/#" matches "a"); topics starting with '$' match no wildcard at the first level.
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace aiotops::edge
