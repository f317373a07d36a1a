#pragma once
// Turns one MQTT telemetry message into the feature vector a model scores, or into a dead-letter
// reason. Wraps telemetry::JsonReadingParser (the hot-path JSON codec) with the model's feature
// names and training ranges:
//   too_large      payload over max_payload_bytes (checked before parsing)
//   binary         not text: invalid UTF-8 or control bytes JSON never allows (checked when
//                  the parser refuses a message, so a stray byte in an ignored field is harmless)
//   invalid_json, not_an_object, missing_field, duplicate_field, wrong_type, non_numeric,
//   non_finite     as the parser reports them (NaN/Infinity as strings or as bare tokens)
//   out_of_range   beyond a double, or outside the model's training range widened by
//                  range_widening times its width on each side
//   bad_device_id  a device id longer than max_device_id_bytes
// A message without a device id is keyed by its MQTT topic.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "edge/dead_letter_reason.h"
#include "telemetry/dataset.h"
#include "telemetry/json_codec.h"

namespace aiotops::edge {

// The smallest and largest value of one feature over a model's training rows.
struct ValueRange {
  double min = 0;
  double max = 0;
};

struct DecoderOptions {
  // Bytes; longer payloads are refused as too_large before any parsing.
  size_t max_payload_bytes = 64 * 1024;
  // Bytes; a longer deviceID/chipID is refused as bad_device_id (it would name topics).
  size_t max_device_id_bytes = 128;
  // Multiples of a feature's training range width (max - min) accepted beyond each end of the
  // range; 1.0 accepts [min - w, max + w]. A feature constant in training (w = 0) uses
  // max(|min|, 1) as its width. Must be finite and >= 0.
  double range_widening = 1.0;
  // Field a reading may carry its label in (a labelled test bench, a technician's entry): kept
  // in Reading::label for the telemetry log, never scored. Empty: labels are not read.
  std::string label_field = "label";
};

// Why a message was refused, for the dead-letter message and the per-reason counter.
struct Rejection {
  DeadLetterReason reason = DeadLetterReason::kInvalidJson;
  std::string detail;  // names the field and why, e.g. `field "current": not finite: "NaN"`
};

// Not thread-safe (it owns a parser): one decoder per inference worker. Build a new one when
// the model, and with it the feature names or ranges, changes.
class TelemetryDecoder {
 public:
  // `feature_names`: the model's inputs in the order it scores them (non-empty, distinct).
  // `ranges`: empty (no range check) or one per feature, each finite with min <= max.
  // Fails with kInvalidArgument naming the bad argument.
  static Result<TelemetryDecoder> create(std::vector<std::string> feature_names,
                                         std::span<const ValueRange> ranges,
                                         DecoderOptions options = {});

  // On success fills `out` and returns true: values in the model's feature order, device_id
  // (the message's, or `topic` when it carried none or an empty one), timestamp_ms when the
  // message had one. On refusal fills `rejection` and returns false (`out` unspecified). Once
  // warm (after a message at least as large), accepting a message allocates nothing; a refusal
  // allocates its detail text.
  bool decode(std::string_view topic, std::string_view payload, telemetry::Reading& out,
              Rejection& rejection);

  const std::vector<std::string>& feature_names() const { return parser_.options().features; }
  const DecoderOptions& options() const { return options_; }

 private:
  struct Bounds {
    double low;
    double high;
  };
  TelemetryDecoder(telemetry::JsonReadingOptions parser_options, std::vector<Bounds> bounds,
                   DecoderOptions options)
      : parser_(std::move(parser_options)), bounds_(std::move(bounds)), options_(options) {}
  bool refuse(Rejection& rejection, DeadLetterReason reason, std::string_view detail);

  telemetry::JsonReadingParser parser_;
  std::vector<Bounds> bounds_;  // widened training ranges; empty when unchecked
  DecoderOptions options_;
};

}  // namespace aiotops::edge
