#include "edge/outbound_json.h"

#include <algorithm>

#include "edge/json_text.h"

namespace aiotops::edge {
void encode_result(const InferenceResult& result, fmt::memory_buffer& out) {
  out.clear();
  out.push_back('{');
  append_json_member(out, "deviceID", true);
  append_json_string(out, result.device_id);
  append_json_member(out, "timeStamp");
  append_json_integer(out, result.timestamp_ms);
  append_json_member(out, "score");
  append_json_number(out, result.score);
  append_json_member(out, "level");
  append_json_string(out, result.level);
  append_json_member(out, "threshold");
  append_json_number(out, result.threshold);
  append_json_member(out, "model_version");
  append_json_string(out, result.model_version);
  append_json_member(out, "stage");
  append_json_string(out, result.stage);
  append_json_member(out, "latency_us");
  append_json_integer(out, result.latency_us);
  out.push_back('}');
}

void encode_alert(const AlertMessage& alert, fmt::memory_buffer& out) {
  out.clear();
  out.push_back('{');
  append_json_member(out, "deviceID", true);
  append_json_string(out, alert.device_id);
  append_json_member(out, "level");
  append_json_string(out, alert.level);
  append_json_member(out, "previous_level");
  if (alert.previous_level.empty()) {
    append_raw(out, "null");
  } else {
    append_json_string(out, alert.previous_level);
  }
  append_json_member(out, "score");
  append_json_number(out, alert.score);
  append_json_member(out, "reason");
  append_json_string(out, alert.reason);
  append_json_member(out, "model_version");
  append_json_string(out, alert.model_version);
  append_json_member(out, "readings");
  out.push_back('[');
  for (size_t r = 0; r < alert.readings.size(); ++r) {
    const AlertReading& reading = alert.readings[r];
    if (r > 0) out.push_back(',');
    out.push_back('{');
    append_json_member(out, "timeStamp", true);
    append_json_integer(out, reading.timestamp_ms);
    size_t count = std::min(reading.values.size(), alert.feature_names.size());
    for (size_t f = 0; f < count; ++f) {
      append_json_member(out, alert.feature_names[f]);
      append_json_number(out, reading.values[f]);
    }
    append_json_member(out, "score");
    append_json_number(out, reading.score);
    out.push_back('}');
  }
  append_raw(out, "]}");
}

}  // namespace aiotops::edge
