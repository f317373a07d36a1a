#include "ml/episodes.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string_view>

#include "ml/metrics.h"

namespace aiotops::ml {
namespace {

enum class RowState { kHealthy, kFaulty, kIgnored };

bool is_sensor_fault(std::string_view fault_type) { return fault_type.starts_with("sensor-"); }

RowState row_state(const telemetry::Dataset& data, size_t row) {
  if (!data.fault_types.empty() && !data.fault_types[row].empty()) {
    std::string_view type = data.fault_types[row];
    if (type == telemetry::kNoFault) return RowState::kHealthy;
    return is_sensor_fault(type) ? RowState::kIgnored : RowState::kFaulty;
  }
  if (data.labels.empty()) return RowState::kIgnored;
  return data.labels[row] == 1.0 ? RowState::kFaulty : RowState::kHealthy;
}

std::string_view fault_type_of(const telemetry::Dataset& data, size_t row) {
  return data.fault_types.empty() ? std::string_view() : std::string_view(data.fault_types[row]);
}

Status validate(const telemetry::Dataset& data, std::span<const double> scores, double threshold) {
  const size_t n = scores.size();
  if (data.device_ids.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "fault episodes need device ids: the dataset has no {} column",
                telemetry::kDeviceIdColumn);
  }
  if (data.timestamps_ms.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "fault episodes need timestamps: the dataset has no {} column",
                telemetry::kTimestampColumn);
  }
  if (data.labels.empty() && data.fault_types.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "fault episodes need a label or a {} column; the dataset has neither",
                telemetry::kFaultTypeColumn);
  }
  auto check_size = [n](size_t size, std::string_view column) -> Status {
    if (size != 0 && size != n) {
      return fail(ErrorCode::kInvalidArgument, "{} column has {} entries for {} scores", column,
                  size, n);
    }
    return {};
  };
  for (auto [size, column] : {std::pair{data.device_ids.size(), telemetry::kDeviceIdColumn},
                              std::pair{data.timestamps_ms.size(), telemetry::kTimestampColumn},
                              std::pair{data.labels.size(), telemetry::kLabelColumn},
                              std::pair{data.fault_types.size(), telemetry::kFaultTypeColumn}}) {
    if (auto ok = check_size(size, column); !ok) return ok;
  }
  if (data.cols() > 0 && data.rows() != n) {
    return fail(ErrorCode::kInvalidArgument, "dataset has {} rows for {} scores", data.rows(), n);
  }
  if (!std::isfinite(threshold)) {
    return fail(ErrorCode::kInvalidArgument, "threshold {} is not finite", threshold);
  }
  for (size_t i = 0; i < n; ++i) {
    if (data.device_ids[i].empty()) {
      return fail(ErrorCode::kInvalidArgument, "row {}: empty device id", i);
    }
    if (!std::isfinite(scores[i])) {
      return fail(ErrorCode::kInvalidArgument, "row {}: score {} is not finite", i, scores[i]);
    }
  }
  return validate_binary_labels(data.labels);
}

void close_episode(FaultEpisode& episode) {
  episode.missed = !episode.flagged_ms.has_value();
  if (episode.flagged_ms) {
    episode.delay_ms = *episode.flagged_ms - episode.onset_ms;
    if (episode.label_ms) episode.lead_ms = *episode.label_ms - *episode.flagged_ms;
  }
}

nlohmann::json time_or_null(const std::optional<int64_t>& value) {
  if (!value) return nullptr;
  return *value;
}

}  // namespace

Result<EpisodeReport> fault_episodes(const telemetry::Dataset& data, std::span<const double> scores,
                                     double threshold) {
  if (auto ok = validate(data, scores, threshold); !ok) return fail(ok.error());
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&data](size_t a, size_t b) {
    int by_device = data.device_ids[a].compare(data.device_ids[b]);
    if (by_device != 0) return by_device < 0;
    return data.timestamps_ms[a] < data.timestamps_ms[b];
  });

  EpisodeReport report;
  bool open = false;  // report.episodes.back() is still collecting rows
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t row = order[k];
    const std::string& device = data.device_ids[row];
    if (report.devices.empty() || report.devices.back().device_id != device) {
      if (open) close_episode(report.episodes.back());
      open = false;
      report.devices.push_back(DeviceAlarms{device, 0, 0});
    }
    const int64_t time = data.timestamps_ms[row];
    const bool flagged = scores[row] >= threshold;
    switch (row_state(data, row)) {
      case RowState::kIgnored:
        break;
      case RowState::kHealthy: {
        if (open) close_episode(report.episodes.back());
        open = false;
        DeviceAlarms& alarms = report.devices.back();
        ++alarms.healthy_rows;
        if (flagged) ++alarms.false_alarms;
        break;
      }
      case RowState::kFaulty: {
        std::string_view type = fault_type_of(data, row);
        if (open && report.episodes.back().fault_type != type) {
          close_episode(report.episodes.back());
          open = false;
        }
        if (!open) {
          FaultEpisode started;
          started.device_id = device;
          started.fault_type = type;
          started.onset_ms = time;
          report.episodes.push_back(std::move(started));
          open = true;
        }
        FaultEpisode& episode = report.episodes.back();
        episode.end_ms = time;
        if (!episode.label_ms && !data.labels.empty() && data.labels[row] == 1.0) {
          episode.label_ms = time;
        }
        if (!episode.flagged_ms && flagged) episode.flagged_ms = time;
        break;
      }
    }
  }
  if (open) close_episode(report.episodes.back());
  for (const DeviceAlarms& alarms : report.devices) {
    report.healthy_rows += alarms.healthy_rows;
    report.false_alarms += alarms.false_alarms;
  }
  return report;
}

nlohmann::json to_json(const EpisodeReport& report) {
  nlohmann::json episodes = nlohmann::json::array();
  size_t missed = 0;
  for (const FaultEpisode& e : report.episodes) {
    if (e.missed) ++missed;
    episodes.push_back({{"device", e.device_id},
                        {"fault_type", e.fault_type},
                        {"onset_ms", e.onset_ms},
                        {"end_ms", e.end_ms},
                        {"label_ms", time_or_null(e.label_ms)},
                        {"flagged_ms", time_or_null(e.flagged_ms)},
                        {"delay_ms", time_or_null(e.delay_ms)},
                        {"lead_ms", time_or_null(e.lead_ms)},
                        {"missed", e.missed}});
  }
  nlohmann::json devices = nlohmann::json::array();
  for (const DeviceAlarms& d : report.devices) {
    devices.push_back({{"device", d.device_id},
                       {"healthy_rows", d.healthy_rows},
                       {"false_alarms", d.false_alarms}});
  }
  return {{"episodes", std::move(episodes)},
          {"devices", std::move(devices)},
          {"false_alarms", report.false_alarms},
          {"healthy_rows", report.healthy_rows},
          {"missed", missed}};
}

}  // namespace aiotops::ml
