#include "telemetry/jsonl_reader.h"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "telemetry/json_codec.h"
#include "telemetry/number_text.h"

namespace aiotops::telemetry {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr std::string_view kChipIdField = "chipID";

// One line of the text, without its line break.
struct Line {
  std::string_view text;
  size_t number = 0;  // 1-based
};

class LineSplitter {
 public:
  explicit LineSplitter(std::string_view text) : text_(text) {
    if (text_.starts_with(kByteOrderMark)) text_.remove_prefix(kByteOrderMark.size());
  }
  // The next line that holds more than whitespace; false at the end of the text.
  bool next_nonblank(Line& line) {
    while (pos_ < text_.size()) {
      size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      line.text = text_.substr(pos_, end - pos_);
      line.number = ++number_;
      pos_ = end + 1;
      if (line.text.find_first_not_of(" \t\r") != std::string_view::npos) {
        if (line.text.ends_with('\r')) line.text.remove_suffix(1);
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t number_ = 0;
};

// The fields of the first object, which fix the dataset's columns.
struct FirstObject {
  std::vector<std::string> fields;          // every field, in order
  std::vector<std::string> numeric_fields;  // those holding a number or numeric string
};

Result<FirstObject> inspect_first(const Line& line, std::string_view source) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: cannot read the first object: {}", source,
                line.number, why);
  };
  simdjson::padded_string padded(line.text);
  ondemand::parser parser;
  ondemand::document document;
  ondemand::object object;
  if (auto error = parser.iterate(padded).get(document)) return bad(simdjson::error_message(error));
  if (auto error = document.get_object().get(object)) return bad(simdjson::error_message(error));
  FirstObject first;
  for (auto field_result : object) {
    ondemand::field field;
    std::string_view key;
    ondemand::json_type type{};
    if (auto error = std::move(field_result).get(field)) return bad(simdjson::error_message(error));
    if (auto error = field.unescaped_key().get(key)) return bad(simdjson::error_message(error));
    if (std::find(first.fields.begin(), first.fields.end(), key) != first.fields.end()) {
      return bad(fmt::format("field \"{}\" appears twice", key));
    }
    first.fields.emplace_back(key);
    if (auto error = field.value().type().get(type)) return bad(simdjson::error_message(error));
    std::string_view text;
    double ignored = 0;
    bool numeric = type == ondemand::json_type::number ||
                   (type == ondemand::json_type::string &&
                    field.value().get_string().get(text) == simdjson::SUCCESS &&
                    parse_finite_double(text, ignored) == RowProblem::kNone);
    if (numeric) first.numeric_fields.emplace_back(key);
  }
  return first;
}

bool has_field(const FirstObject& first, std::string_view name) {
  return std::find(first.fields.begin(), first.fields.end(), name) != first.fields.end();
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", name);
  return out;
}

// Chooses features and label from the options and the first object.
Result<JsonReadingOptions> resolve_fields(const FirstObject& first, const ReadOptions& options,
                                          const Line& line, std::string_view source) {
  JsonReadingOptions parsing;
  parsing.missing_as_nan = options.missing_as_nan;
  auto require = [&](std::string_view name, std::string_view role) -> Status {
    if (has_field(first, name)) return {};
    return fail(ErrorCode::kInvalidArgument, "{}:{}: no {} field \"{}\"; fields: {}", source,
                line.number, role, name, quoted_list(first.fields));
  };
  if (!options.label.empty()) {
    if (auto status = require(options.label, "label"); !status) return fail(status.error());
    parsing.label_field = options.label;
  } else if (has_field(first, kLabelColumn)) {
    parsing.label_field = kLabelColumn;
  }
  if (options.features.empty()) {
    parsing.features.clear();
    for (const auto& name : first.numeric_fields) {
      if (name != parsing.label_field && name != kDeviceIdColumn && name != kChipIdField &&
          name != kTimestampColumn && name != kFaultTypeColumn) {
        parsing.features.push_back(name);
      }
    }
    if (parsing.features.empty()) {
      return fail(ErrorCode::kInvalidArgument, "{}:{}: no numeric feature fields; fields: {}",
                  source, line.number, quoted_list(first.fields));
    }
    return parsing;
  }
  for (size_t i = 0; i < options.features.size(); ++i) {
    const std::string& name = options.features[i];
    if (name == parsing.label_field) {
      return fail(ErrorCode::kInvalidArgument,
                  "{}: field \"{}\" is the label; it cannot also be a feature", source, name);
    }
    if (std::find(options.features.begin(), options.features.begin() + i, name) !=
        options.features.begin() + i) {
      return fail(ErrorCode::kInvalidArgument, "{}: feature \"{}\" is named twice", source, name);
    }
    if (auto status = require(name, "feature"); !status) return fail(status.error());
  }
  parsing.features = options.features;
  return parsing;
}

}  // namespace

Result<Dataset> parse_jsonl(std::string_view text, std::string_view source_name,
                            const ReadOptions& options, BadRowReport* report) {
  BadRowTracker tracker(options, report);
  LineSplitter lines(text);
  Line line;
  if (!lines.next_nonblank(line)) {
    return fail(ErrorCode::kInvalidArgument, "{}: empty: no JSON lines", source_name);
  }
  auto first = inspect_first(line, source_name);
  if (!first) return fail(first.error());
  auto parsing = resolve_fields(*first, options, line, source_name);
  if (!parsing) return fail(parsing.error());
  const bool has_device = has_field(*first, kDeviceIdColumn) || has_field(*first, kChipIdField);
  const bool has_timestamp = has_field(*first, kTimestampColumn);
  const bool has_fault_type = has_field(*first, kFaultTypeColumn);
  const bool has_label = !parsing->label_field.empty();

  Dataset dataset;
  dataset.feature_names = parsing->features;
  dataset.label_name = parsing->label_field;
  JsonReadingParser parser(std::move(*parsing));
  Reading reading;
  do {
    auto missing = [&](std::string_view field) {
      return tracker.reject(
          RowProblem::kMissingField,
          fmt::format("{}:{}: missing field \"{}\"", source_name, line.number, field));
    };
    Status status;
    if (auto parsed = parser.parse(line.text, reading); !parsed) {
      status = tracker.reject(
          parser.last_problem(),
          fmt::format("{}:{}: {}", source_name, line.number, parsed.error().message()));
    } else if (has_label && !reading.label) {
      status = missing(dataset.label_name);
    } else if (has_timestamp && !reading.timestamp_ms) {
      status = missing(kTimestampColumn);
    } else {
      dataset.features.insert(dataset.features.end(), reading.values.begin(), reading.values.end());
      if (has_label) dataset.labels.push_back(*reading.label);
      if (has_timestamp) dataset.timestamps_ms.push_back(*reading.timestamp_ms);
      if (has_device) dataset.device_ids.push_back(reading.device_id);
      if (has_fault_type) dataset.fault_types.push_back(reading.fault_type);
      tracker.accept();
    }
    if (!status) return fail(status.error());
  } while (lines.next_nonblank(line));
  return dataset;
}

}  // namespace aiotops::telemetry
