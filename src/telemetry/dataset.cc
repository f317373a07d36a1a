#include "telemetry/dataset.h"

namespace aiotops::telemetry {

void Dataset::append(const Reading& reading) {
  // Optional columns stay empty until a reading carries them; a column that appears late is
  // back-filled so every non-empty column keeps exactly rows() entries.
  size_t before = rows();
  features.insert(features.end(), reading.values.begin(), reading.values.end());
  auto fill = [before](auto& column, bool present, auto value, auto missing) {
    if (!present && column.empty()) return;
    if (column.size() < before) column.resize(before, missing);
    column.push_back(present ? value : missing);
  };
  fill(labels, reading.label.has_value(), reading.label.value_or(0.0), 0.0);
  fill(device_ids, !reading.device_id.empty(), reading.device_id, std::string());
  fill(timestamps_ms, reading.timestamp_ms.has_value(), reading.timestamp_ms.value_or(0),
       int64_t{0});
  fill(fault_types, !reading.fault_type.empty(), reading.fault_type, std::string());
}

Dataset select_rows(const Dataset& source, std::span<const size_t> rows) {
  Dataset out;
  out.feature_names = source.feature_names;
  out.label_name = source.label_name;
  out.features.reserve(rows.size() * source.cols());
  auto pick = [&rows](const auto& column, auto& target) {
    if (column.empty()) return;
    target.reserve(rows.size());
    for (size_t r : rows) target.push_back(column[r]);
  };
  for (size_t r : rows) {
    auto values = source.row(r);
    out.features.insert(out.features.end(), values.begin(), values.end());
  }
  pick(source.labels, out.labels);
  pick(source.device_ids, out.device_ids);
  pick(source.timestamps_ms, out.timestamps_ms);
  pick(source.fault_types, out.fault_types);
  return out;
}

}  // namespace aiotops::telemetry
