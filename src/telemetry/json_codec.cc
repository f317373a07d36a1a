#include "telemetry/json_codec.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "telemetry/number_text.h"

namespace aiotops::telemetry {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr std::string_view kChipIdField = "chipID";

std::string_view type_name(ondemand::json_type type) {
  switch (type) {
    case ondemand::json_type::array:
      return "array";
    case ondemand::json_type::object:
      return "object";
    case ondemand::json_type::number:
      return "number";
    case ondemand::json_type::string:
      return "string";
    case ondemand::json_type::boolean:
      return "boolean";
    case ondemand::json_type::null:
      return "null";
  }
  return "value";
}

std::string_view trim_json_space(std::string_view token) {
  while (!token.empty() && std::strchr(" \t\r\n", token.back()) != nullptr) token.remove_suffix(1);
  return token;
}

// A scalar's text: the unescaped string of a JSON string, the raw token of anything else.
struct Scalar {
  ondemand::json_type type{};
  std::string_view text;
};

simdjson::error_code read_scalar(ondemand::value& value, Scalar& out) {
  if (auto error = value.type().get(out.type)) return error;
  if (out.type == ondemand::json_type::string) return value.get_string().get(out.text);
  if (out.type == ondemand::json_type::array || out.type == ondemand::json_type::object) {
    return simdjson::SUCCESS;
  }
  out.text = trim_json_space(value.raw_json_token());
  return simdjson::SUCCESS;
}

}  // namespace

JsonReadingParser::JsonReadingParser(JsonReadingOptions options)
    : options_(std::move(options)), seen_(options_.features.size(), 0) {}

Status JsonReadingParser::reject(RowProblem problem, Error error) {
  last_problem_ = problem;
  return fail(std::move(error));
}

Status JsonReadingParser::parse(std::string_view message, Reading& out) {
  last_problem_ = RowProblem::kNone;
  if (message.size() > options_.max_message_bytes) {
    return reject(RowProblem::kTooLarge,
                  Error(ErrorCode::kInvalidArgument,
                        fmt::format("message of {} bytes exceeds the limit of {} bytes",
                                    message.size(), options_.max_message_bytes)));
  }
  if (!buffer_ || message.size() > buffer_capacity_) {
    size_t capacity = std::min(std::max(message.size(), 2 * buffer_capacity_),
                               std::max(message.size(), options_.max_message_bytes));
    buffer_ = std::make_unique<char[]>(capacity + simdjson::SIMDJSON_PADDING);
    buffer_capacity_ = capacity;
  }
  if (!message.empty()) std::memcpy(buffer_.get(), message.data(), message.size());
  std::memset(buffer_.get() + message.size(), 0, simdjson::SIMDJSON_PADDING);

  auto invalid = [this](simdjson::error_code error) {
    return reject(RowProblem::kInvalidJson,
                  Error(ErrorCode::kInvalidArgument,
                        fmt::format("invalid JSON: {}", simdjson::error_message(error))));
  };
  ondemand::document document;
  if (auto error =
          parser_
              .iterate(buffer_.get(), message.size(), message.size() + simdjson::SIMDJSON_PADDING)
              .get(document)) {
    return invalid(error);
  }
  ondemand::json_type type{};
  if (auto error = document.type().get(type)) return invalid(error);
  if (type != ondemand::json_type::object) {
    return reject(RowProblem::kNotAnObject,
                  Error(ErrorCode::kInvalidArgument,
                        fmt::format("not a JSON object (got {})", type_name(type))));
  }
  ondemand::object object;
  if (auto error = document.get_object().get(object)) return invalid(error);
  if (auto status = read_fields(object, out); !status) return status;
  // Anything after the closing brace makes the message invalid.
  const char* location = nullptr;
  if (document.current_location().get(location) == simdjson::SUCCESS) {
    return reject(RowProblem::kInvalidJson,
                  Error(ErrorCode::kInvalidArgument,
                        fmt::format("invalid JSON: trailing content after the object at byte {}",
                                    location - buffer_.get())));
  }
  return {};
}

Status JsonReadingParser::read_fields(ondemand::object& object, Reading& out) {
  const size_t feature_count = options_.features.size();
  std::fill(seen_.begin(), seen_.end(), 0);
  out.values.resize(feature_count);
  out.device_id.clear();
  out.timestamp_ms.reset();
  out.label.reset();
  out.fault_type.clear();
  bool have_device = false;

  auto problem = [this](RowProblem kind, std::string_view field, std::string_view detail) {
    return reject(
        kind, Error(ErrorCode::kInvalidArgument, fmt::format("field \"{}\": {}", field, detail)));
  };
  auto invalid = [this](simdjson::error_code error) {
    return reject(RowProblem::kInvalidJson,
                  Error(ErrorCode::kInvalidArgument,
                        fmt::format("invalid JSON: {}", simdjson::error_message(error))));
  };
  // Reads a number or numeric string (or a boolean when `allow_bool`) into `value`.
  auto read_number = [&](ondemand::value& json, std::string_view field, bool allow_bool,
                         double& value) -> Status {
    ondemand::json_type type{};
    auto type_error = json.type().get(type);
    if (type_error || type == ondemand::json_type::null) {
      // Bare NaN/Infinity (Python's json.dumps writes them) are not JSON, but "not finite" tells
      // the sender more than "invalid JSON" does.
      std::string_view token = trim_json_space(json.raw_json_token());
      if (parse_finite_double(token, value) == RowProblem::kNotFinite) {
        return problem(RowProblem::kNotFinite, field,
                       fmt::format("{}: {}", describe(RowProblem::kNotFinite), excerpt(token)));
      }
    }
    if (type_error) return invalid(type_error);
    if (type == ondemand::json_type::number && json.get_double().get(value) == simdjson::SUCCESS) {
      return {};
    }
    Scalar scalar;
    if (auto error = read_scalar(json, scalar)) return invalid(error);
    if (allow_bool && type == ondemand::json_type::boolean) {
      value = scalar.text == "true" ? 1.0 : 0.0;
      return {};
    }
    if (type != ondemand::json_type::number && type != ondemand::json_type::string) {
      return problem(RowProblem::kWrongType, field,
                     fmt::format("expected a number or numeric string, got {}", type_name(type)));
    }
    RowProblem parsed = parse_finite_double(scalar.text, value);
    // A JSON number simdjson refused but from_chars accepts (e.g. "1.") is still malformed.
    if (parsed == RowProblem::kNone && type == ondemand::json_type::string) return {};
    if (parsed == RowProblem::kNone) parsed = RowProblem::kNotANumber;
    return problem(parsed, field, fmt::format("{}: {}", describe(parsed), excerpt(scalar.text)));
  };

  for (auto field_result : object) {
    ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return invalid(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return invalid(error);
    ondemand::value& json = field.value();

    auto feature = std::find(options_.features.begin(), options_.features.end(), key);
    if (feature != options_.features.end()) {
      size_t index = static_cast<size_t>(feature - options_.features.begin());
      if (seen_[index]) return problem(RowProblem::kDuplicateField, key, "appears twice");
      seen_[index] = 1;
      ondemand::json_type type{};
      if (options_.missing_as_nan && json.type().get(type) == simdjson::SUCCESS &&
          type == ondemand::json_type::null) {
        out.values[index] = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      if (auto status = read_number(json, key, false, out.values[index]); !status) return status;
    } else if (!options_.label_field.empty() && key == options_.label_field) {
      if (out.label) return problem(RowProblem::kDuplicateField, key, "appears twice");
      double label = 0;
      if (auto status = read_number(json, key, true, label); !status) return status;
      out.label = label;
    } else if (key == kDeviceIdColumn || key == kChipIdField) {
      if (have_device) {
        return problem(RowProblem::kDuplicateField, key,
                       "device id given twice (deviceID and chipID are alternatives)");
      }
      have_device = true;
      Scalar scalar;
      if (auto error = read_scalar(json, scalar)) return invalid(error);
      uint64_t number = 0;
      if (scalar.type == ondemand::json_type::string) {
        out.device_id.assign(scalar.text);
      } else if (scalar.type == ondemand::json_type::number &&
                 json.get_uint64().get(number) == simdjson::SUCCESS) {
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
        out.device_id.assign(digits, end);
      } else {
        return problem(RowProblem::kWrongType, key,
                       fmt::format("expected a string or non-negative integer, got {} {}",
                                   type_name(scalar.type), excerpt(scalar.text)));
      }
    } else if (key == kTimestampColumn) {
      if (out.timestamp_ms) return problem(RowProblem::kDuplicateField, key, "appears twice");
      Scalar scalar;
      if (auto error = read_scalar(json, scalar)) return invalid(error);
      int64_t timestamp = 0;
      RowProblem parsed = RowProblem::kWrongType;
      if (scalar.type == ondemand::json_type::number ||
          scalar.type == ondemand::json_type::string) {
        parsed = parse_timestamp_ms(scalar.text, timestamp);
      }
      if (parsed != RowProblem::kNone) {
        return problem(
            parsed, key,
            fmt::format("{}: {} {}; expected Unix milliseconds as a non-negative integer",
                        describe(parsed), type_name(scalar.type), excerpt(scalar.text)));
      }
      out.timestamp_ms = timestamp;
    } else if (key == kFaultTypeColumn) {
      std::string_view text;
      if (json.get_string().get(text) != simdjson::SUCCESS) {
        return problem(RowProblem::kWrongType, key, "expected a string");
      }
      out.fault_type.assign(text);
    }
    // Any other field is ignored; the iterator skips its value.
  }
  for (size_t i = 0; i < feature_count; ++i) {
    if (!seen_[i] && options_.missing_as_nan) {
      out.values[i] = std::numeric_limits<double>::quiet_NaN();
    } else if (!seen_[i]) {
      return reject(RowProblem::kMissingField,
                    Error(ErrorCode::kInvalidArgument,
                          fmt::format("missing field \"{}\"", options_.features[i])));
    }
  }
  return {};
}

}  // namespace aiotops::telemetry
