#include "extract/extract.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "common/files.h"
#include "common/sha256.h"
#include "telemetry/csv_reader.h"
#include "telemetry/json_codec.h"

namespace aiotops::extract {
namespace {

namespace fs = std::filesystem;
using telemetry::Dataset;

constexpr double kUnknownLabel = std::numeric_limits<double>::quiet_NaN();

// Every source's rows gathered in one dataset: labels NaN where a source had none, fault types
// empty where unknown.
Dataset empty_collection(const std::vector<std::string>& features) {
  Dataset all;
  all.feature_names = features;
  all.label_name = std::string(telemetry::kLabelColumn);
  return all;
}

void append_row(Dataset& all, const Dataset& part, size_t r) {
  auto values = part.row(r);
  all.features.insert(all.features.end(), values.begin(), values.end());
  all.device_ids.push_back(part.device_ids[r]);
  all.timestamps_ms.push_back(part.timestamps_ms[r]);
  all.labels.push_back(part.has_labels() ? part.labels[r] : kUnknownLabel);
  all.fault_types.push_back(part.fault_types.empty() ? std::string() : part.fault_types[r]);
}

Status read_file_rows(const fs::path& file, const ExtractOptions& options, SourceReport& source,
                      Dataset& all) {
  telemetry::ReadOptions read;
  read.features = options.features;
  read.skip_bad_rows = options.skip_bad_rows;
  read.max_error_examples = options.max_examples;
  telemetry::BadRowReport bad;
  auto part = telemetry::read_dataset(file, read, &bad);
  if (!part) return fail(part.error());
  const size_t rows = part->rows();
  if (rows > 0 && part->timestamps_ms.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: no timeStamp column: extract places every reading in time", file.string());
  }
  if (rows > 0 && part->device_ids.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: no deviceID column", file.string());
  }
  source.files.push_back(file.string());
  source.rows_read += rows;
  source.rows_skipped += bad.rows_skipped;
  for (const std::string& example : bad.examples) {
    if (source.bad_row_examples.size() < options.max_examples) {
      source.bad_row_examples.push_back(example);
    }
  }
  for (size_t r = 0; r < rows; ++r) {
    if (!options.window.contains(part->timestamps_ms[r])) continue;
    append_row(all, *part, r);
    ++source.rows_in_window;
  }
  return {};
}

Status read_mqtt_rows(const ExtractOptions& options, const std::function<void()>& on_subscribed,
                      SourceReport& source, Dataset& all) {
  const MqttCaptureOptions& capture = *options.mqtt;
  source.kind = SourceKind::kMqtt;
  source.location = fmt::format("{} {}", capture.mqtt.broker_url, fmt::join(capture.topics, ","));
  auto messages = capture_mqtt(capture, on_subscribed);
  if (!messages) return fail(messages.error());
  telemetry::JsonReadingOptions parse_options;
  parse_options.features = options.features;
  parse_options.label_field = std::string(telemetry::kLabelColumn);
  telemetry::JsonReadingParser parser(std::move(parse_options));
  telemetry::Reading reading;
  Dataset one = empty_collection(options.features);
  for (size_t i = 0; i < messages->size(); ++i) {
    const CapturedMessage& message = (*messages)[i];
    if (auto parsed = parser.parse(message.payload, reading); !parsed) {
      const std::string where =
          fmt::format("mqtt {} message {}: {}", message.topic, i + 1, parsed.error().message());
      if (!options.skip_bad_rows) return fail(ErrorCode::kInvalidArgument, "{}", where);
      ++source.rows_skipped;
      if (source.bad_row_examples.size() < options.max_examples) {
        source.bad_row_examples.push_back(where);
      }
      continue;
    }
    ++source.rows_read;
    // As the edge service does: the topic names a device that sent no id, and the receipt time
    // stands in for a missing timestamp.
    if (reading.device_id.empty()) reading.device_id = message.topic;
    const int64_t t = reading.timestamp_ms.value_or(message.received_ms);
    if (!options.window.contains(t)) continue;
    all.features.insert(all.features.end(), reading.values.begin(), reading.values.end());
    all.device_ids.push_back(reading.device_id);
    all.timestamps_ms.push_back(t);
    all.labels.push_back(reading.label.value_or(kUnknownLabel));
    all.fault_types.push_back(reading.fault_type);
    ++source.rows_in_window;
  }
  return {};
}

// Labels from the readings: all known, or none (the dataset is then unlabelled).
Status settle_own_labels(Dataset& all, ExtractReport& report) {
  const size_t unknown = static_cast<size_t>(
      std::count_if(all.labels.begin(), all.labels.end(), [](double l) { return std::isnan(l); }));
  if (unknown == 0 && all.rows() > 0) {
    report.label_source = "readings";
    return {};
  }
  if (unknown == all.rows()) {
    report.label_source = "none";
    all.labels.clear();
    all.label_name.clear();
    return {};
  }
  const size_t r = static_cast<size_t>(
      std::find_if(all.labels.begin(), all.labels.end(), [](double l) { return std::isnan(l); }) -
      all.labels.begin());
  return fail(ErrorCode::kInvalidArgument,
              "{} of {} readings carry no label (e.g. device {} at {}) while the others do: read "
              "sources that all carry labels, or give an annotations file",
              unknown, all.rows(), all.device_ids[r], format_time_point(all.timestamps_ms[r]));
}

Status join_annotations(const ExtractOptions& options, Dataset& all, ExtractReport& report) {
  auto text = read_file(options.annotations);
  if (!text) return fail(text.error());
  auto annotations = parse_annotations(*text, options.annotations.string());
  if (!annotations) return fail(annotations.error());
  report.annotations_sha256 = sha256_hex(*text);
  report.label_source = "annotations";
  report.labels = apply_annotations(all, *annotations, options.labels);
  return {};
}

nlohmann::json source_json(const SourceReport& s) {
  nlohmann::json j{{"kind", to_string(s.kind)},
                   {"location", s.location},
                   {"rows_read", s.rows_read},
                   {"rows_in_window", s.rows_in_window},
                   {"rows_skipped", s.rows_skipped}};
  if (s.kind != SourceKind::kMqtt) j["files"] = s.files;
  if (s.kind == SourceKind::kTelemetryLog) j["files_outside_window"] = s.files_skipped;
  if (!s.bad_row_examples.empty()) j["bad_row_examples"] = s.bad_row_examples;
  return j;
}

nlohmann::json time_json(const std::optional<int64_t>& t) {
  if (!t) return nullptr;
  return {{"unix_ms", *t}, {"utc", format_time_point(*t)}};
}

}  // namespace

Result<ExtractResult> run_extract(const ExtractOptions& options,
                                  const std::function<void()>& on_subscribed) {
  if (options.sources.empty() && !options.mqtt) {
    return fail(ErrorCode::kInvalidArgument, "no source: name files or directories, or --mqtt");
  }
  if (options.features.empty()) return fail(ErrorCode::kInvalidArgument, "no feature columns");
  ExtractResult result;
  ExtractReport& report = result.report;
  Dataset all = empty_collection(options.features);
  for (const fs::path& path : options.sources) {
    auto files = list_source_files(path, options.window, options.log_slack);
    if (!files) return fail(files.error());
    SourceReport& source = report.sources.emplace_back();
    source.kind = files->kind;
    source.location = path.string();
    source.files_skipped = files->files_skipped;
    for (const fs::path& file : files->files) {
      if (Status s = read_file_rows(file, options, source, all); !s) return fail(s.error());
    }
  }
  if (options.mqtt) {
    if (Status s = read_mqtt_rows(options, on_subscribed, report.sources.emplace_back(), all); !s) {
      return fail(s.error());
    }
  }
  for (const SourceReport& s : report.sources) {
    report.rows_read += s.rows_read;
    report.rows_skipped += s.rows_skipped;
    report.rows_outside_window += s.rows_read - s.rows_in_window;
  }
  report.dedup = sort_and_deduplicate(all, options.max_examples);
  if (!options.annotations.empty()) {
    if (Status s = join_annotations(options, all, report); !s) return fail(s.error());
  } else if (Status s = settle_own_labels(all, report); !s) {
    return fail(s.error());
  }
  if (std::all_of(all.fault_types.begin(), all.fault_types.end(),
                  [](const std::string& f) { return f.empty(); })) {
    all.fault_types.clear();
  }
  const std::set<std::string> devices(all.device_ids.begin(), all.device_ids.end());
  report.devices.assign(devices.begin(), devices.end());
  result.dataset = std::move(all);
  return result;
}

nlohmann::json lineage_json(const ExtractOptions& options, const ExtractReport& report,
                            size_t rows) {
  nlohmann::json sources = nlohmann::json::array();
  for (const SourceReport& s : report.sources) sources.push_back(source_json(s));
  nlohmann::json labels{{"source", report.label_source}};
  if (!options.annotations.empty()) {
    labels["annotations_file"] = options.annotations.string();
    labels["annotations_sha256"] = report.annotations_sha256;
    labels["rows_in_intervals"] = report.labels.rows_in_intervals;
    labels["rows_outside_intervals"] = report.labels.rows_outside;
    labels["rows_left_out"] = report.labels.rows_left_out;
    labels["outside_label"] = options.labels.outside_label
                                  ? nlohmann::json(*options.labels.outside_label)
                                  : nlohmann::json(nullptr);
  }
  return {{"format", "aiotops-extract-lineage"},
          {"format_version", 1},
          {"sources", std::move(sources)},
          {"window",
           {{"from", time_json(options.window.from_ms)}, {"to", time_json(options.window.to_ms)}}},
          {"features", options.features},
          {"devices", report.devices},
          {"rows", rows},
          {"rows_read", report.rows_read},
          {"rows_skipped", report.rows_skipped},
          {"rows_outside_window", report.rows_outside_window},
          {"duplicates", report.dedup.duplicates},
          {"conflicting_duplicates", report.dedup.conflicts},
          {"conflict_examples", report.dedup.conflict_examples},
          {"labels", std::move(labels)}};
}

std::string describe_sources(const ExtractReport& report) {
  std::vector<std::string> parts;
  for (const SourceReport& s : report.sources) {
    parts.push_back(fmt::format("{} {}", to_string(s.kind), s.location));
  }
  return fmt::format("aiotops extract: {}", fmt::join(parts, "; "));
}

}  // namespace aiotops::extract
