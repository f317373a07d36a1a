#pragma once
// How early each fault was flagged: walks each device's rows in time order and reports, per
// fault episode, when it started, when its label flipped, when the scores first crossed the
// threshold, and, per device, how many healthy rows were flagged (false alarms).
//
// Row states. With a fault_types column, a row whose type is a motor fault (not "none", not
// empty, not starting with "sensor-") is faulty, "none" is healthy, and sensor faults
// ("sensor-...") are data-quality problems that are ignored entirely (neither healthy nor
// faulty; they neither start, end nor flag an episode). A row without a fault type (no column,
// or an empty entry) is faulty when its label is 1, healthy when it is 0, ignored when unlabelled.
// An episode is a maximal run of faulty rows of one device with the same fault type; ignored rows
// inside a run do not break it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "telemetry/dataset.h"

namespace aiotops::ml {

struct FaultEpisode {
  std::string device_id;
  std::string fault_type;             // empty when the rows carry no fault type
  int64_t onset_ms = 0;               // timestamp of the episode's first faulty row
  int64_t end_ms = 0;                 // timestamp of its last faulty row
  std::optional<int64_t> label_ms;    // first row of the episode with label 1
  std::optional<int64_t> flagged_ms;  // first row of the episode with score >= threshold
  std::optional<int64_t> delay_ms;    // flagged_ms - onset_ms
  std::optional<int64_t> lead_ms;     // label_ms - flagged_ms; > 0: flagged before the label
  bool missed = false;                // no row of the episode was flagged
};

struct DeviceAlarms {
  std::string device_id;
  size_t healthy_rows = 0;  // healthy rows (before an onset or after a repair)
  size_t false_alarms = 0;  // healthy rows with score >= threshold
};

struct EpisodeReport {
  std::vector<FaultEpisode> episodes;  // sorted by device id, then onset
  std::vector<DeviceAlarms> devices;   // sorted by device id
  size_t false_alarms = 0;             // sum over devices
  size_t healthy_rows = 0;             // sum over devices
};

// Needs device_ids and timestamps_ms, and labels or fault_types (labels, when present, must be
// 0/1), each with one entry per score; rows may be in any order. Fails with kInvalidArgument
// naming the missing column or the bad row (empty device id, non-finite score, bad label).
// Thread-safe; the report owns its data.
Result<EpisodeReport> fault_episodes(const telemetry::Dataset& dataset,
                                     std::span<const double> scores, double threshold);

// {"episodes": [{device, fault_type, onset_ms, end_ms, label_ms, flagged_ms, delay_ms, lead_ms,
// missed}], "devices": [{device, healthy_rows, false_alarms}], "false_alarms", "healthy_rows",
// "missed"}; absent times are null.
nlohmann::json to_json(const EpisodeReport& report);

}  // namespace aiotops::ml
