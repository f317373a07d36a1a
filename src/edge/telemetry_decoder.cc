#include "edge/telemetry_decoder.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>

namespace aiotops::edge {
namespace {

// True when `payload` cannot be JSON text at all: invalid UTF-8, or a control byte other than
// the whitespace JSON allows (raw control bytes are invalid inside strings too).
bool is_binary(std::string_view payload) {
  if (!simdjson::validate_utf8(payload.data(), payload.size())) return true;
  return std::any_of(payload.begin(), payload.end(), [](char c) {
    unsigned char byte = static_cast<unsigned char>(c);
    return byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r';
  });
}

}  // namespace

Result<TelemetryDecoder> TelemetryDecoder::create(std::vector<std::string> feature_names,
                                                  std::span<const ValueRange> ranges,
                                                  DecoderOptions options) {
  if (feature_names.empty()) return fail(ErrorCode::kInvalidArgument, "no feature names");
  for (size_t i = 0; i < feature_names.size(); ++i) {
    if (std::find(feature_names.begin(), feature_names.begin() + i, feature_names[i]) !=
        feature_names.begin() + i) {
      return fail(ErrorCode::kInvalidArgument, "feature \"{}\" named twice", feature_names[i]);
    }
  }
  if (!ranges.empty() && ranges.size() != feature_names.size()) {
    return fail(ErrorCode::kInvalidArgument, "{} training ranges for {} features", ranges.size(),
                feature_names.size());
  }
  if (!std::isfinite(options.range_widening) || options.range_widening < 0) {
    return fail(ErrorCode::kInvalidArgument, "range widening {} is not a finite number >= 0",
                options.range_widening);
  }
  std::vector<Bounds> bounds;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const ValueRange& range = ranges[i];
    if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min > range.max) {
      return fail(ErrorCode::kInvalidArgument, "training range of \"{}\" is [{}, {}]",
                  feature_names[i], range.min, range.max);
    }
    double width =
        range.max > range.min ? range.max - range.min : std::max(std::abs(range.min), 1.0);
    double margin = options.range_widening * width;
    bounds.push_back({range.min - margin, range.max + margin});
  }
  telemetry::JsonReadingOptions parser_options;
  parser_options.features = std::move(feature_names);
  parser_options.max_message_bytes = options.max_payload_bytes;
  parser_options.label_field = options.label_field;
  return TelemetryDecoder(std::move(parser_options), std::move(bounds), options);
}

bool TelemetryDecoder::refuse(Rejection& rejection, DeadLetterReason reason,
                              std::string_view detail) {
  rejection.reason = reason;
  rejection.detail.assign(detail);
  return false;
}

bool TelemetryDecoder::decode(std::string_view topic, std::string_view payload,
                              telemetry::Reading& out, Rejection& rejection) {
  // The parser checks the size first too; the explicit check keeps the reason independent of it.
  if (payload.size() > options_.max_payload_bytes) {
    return refuse(rejection, DeadLetterReason::kTooLarge,
                  fmt::format("payload of {} bytes exceeds the limit of {} bytes", payload.size(),
                              options_.max_payload_bytes));
  }
  if (auto parsed = parser_.parse(payload, out); !parsed) {
    // Checked only on failure, so accepted messages pay nothing for it; whatever else the
    // parser tripped over, a payload that is not text is reported as such.
    if (is_binary(payload)) {
      return refuse(rejection, DeadLetterReason::kBinary,
                    "payload is not text (invalid UTF-8 or control bytes)");
    }
    return refuse(rejection, reason_of(parser_.last_problem()), parsed.error().message());
  }
  if (out.device_id.size() > options_.max_device_id_bytes) {
    return refuse(rejection, DeadLetterReason::kBadDeviceId,
                  fmt::format("device id of {} bytes exceeds the limit of {} bytes",
                              out.device_id.size(), options_.max_device_id_bytes));
  }
  for (size_t i = 0; i < bounds_.size(); ++i) {
    double value = out.values[i];
    if (value < bounds_[i].low || value > bounds_[i].high) {
      return refuse(rejection, DeadLetterReason::kOutOfRange,
                    fmt::format("field \"{}\": {} is outside the accepted range [{}, {}]",
                                feature_names()[i], value, bounds_[i].low, bounds_[i].high));
    }
  }
  if (out.device_id.empty()) out.device_id.assign(topic);
  return true;
}

}  // namespace aiotops::edge
