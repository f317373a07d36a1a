#pragma once
// The JSON the edge service publishes for scored readings:
//   aiotops/inference/<device>: {"deviceID","timeStamp","score","level","threshold",
//                                "model_version","stage","latency_us"}
//   aiotops/alerts/<device>:    {"deviceID","level","previous_level","score","reason",
//                                "model_version","readings":[{"timeStamp",<feature>:v,...,"score"},...]}
// Both are written into a caller-owned fmt::memory_buffer that is reused across messages: once
// it has grown to the largest message, encoding allocates nothing. Numbers are written in their
// shortest round-trip form (non-finite ones as null); every string is JSON-escaped and made
// valid UTF-8, since device ids come from the network.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace aiotops::edge {

// Stage names for InferenceResult::stage.
inline constexpr std::string_view kPrimaryStage = "primary";
inline constexpr std::string_view kCascadeStage = "cascade";
// Reason names for AlertMessage::reason.
inline constexpr std::string_view kLevelChangeReason = "level-change";
inline constexpr std::string_view kPersistentFaultReason = "persistent-fault";

// One scored reading. Views must stay valid during encode_result().
struct InferenceResult {
  std::string_view device_id;              // the message's id, or its topic when it carried none
  int64_t timestamp_ms = 0;                // the reading's timeStamp, or its receive time (Unix ms)
  double score = 0;                        // P(fault) in [0, 1]
  std::string_view level;                  // alert level name, e.g. "potential-failure"
  double threshold = 0;                    // the decision threshold the score was compared with
  std::string_view model_version;          // the version of the model that scored it
  std::string_view stage = kPrimaryStage;  // which cascade stage decided
  int64_t latency_us = 0;                  // receive to result, microseconds
};

// Writes the inference result JSON into `out` (cleared first). Never fails; thread-safe on
// distinct buffers.
void encode_result(const InferenceResult& result, fmt::memory_buffer& out);

// One reading carried by an alert: values in the order of AlertMessage::feature_names.
struct AlertReading {
  int64_t timestamp_ms = 0;        // Unix milliseconds
  std::span<const double> values;  // one per feature name; extra values are not written
  double score = 0;                // what the model scored this reading
};

// An alert. Views and spans must stay valid during encode_alert().
struct AlertMessage {
  std::string_view device_id;
  std::string_view level;                        // the new level's name
  std::string_view previous_level;               // empty when there was none (written as null)
  double score = 0;                              // the score of the reading that raised the alert
  std::string_view reason = kLevelChangeReason;  // kLevelChangeReason or kPersistentFaultReason
  std::string_view model_version;
  std::span<const std::string> feature_names;  // the model's features, naming reading values
  std::span<const AlertReading> readings;      // the readings that raised it, oldest first
};

// Writes the alert JSON into `out` (cleared first). A reading with fewer values than feature
// names writes the values it has. Never fails; thread-safe on distinct buffers.
void encode_alert(const AlertMessage& alert, fmt::memory_buffer& out);

}  // namespace aiotops::edge
