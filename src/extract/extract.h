#pragma once
// `aiotops extract`'s library half: reads telemetry over a time window from files, telemetry
// log directories and an MQTT topic, joins labels (the readings' own, or an annotations file's),
// deduplicates, sorts by device then time, and describes where the rows came from (lineage).
// Writing the result (a local directory or a registry version) is the command's job.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "extract/annotations.h"
#include "extract/dedup.h"
#include "extract/mqtt_capture.h"
#include "extract/sources.h"
#include "extract/time_window.h"
#include "telemetry/dataset.h"
#include "telemetry/read_options.h"

namespace aiotops::extract {

struct ExtractOptions {
  std::vector<std::filesystem::path> sources;  // files, directories, telemetry log directories
  std::optional<MqttCaptureOptions> mqtt;      // also listen to a topic; unset: no MQTT
  TimeWindow window;                           // default: everything
  std::chrono::milliseconds log_slack{0};      // widens the hours of log files opened
  // Feature columns, in this order, in every source. Default: the motor's four.
  std::vector<std::string> features{telemetry::kMotorFeatures.begin(),
                                    telemetry::kMotorFeatures.end()};
  bool skip_bad_rows = false;         // false: the first malformed row or message is an error
  std::filesystem::path annotations;  // interval labels; empty: the readings' own labels
  LabelOptions labels;                // with annotations
  size_t max_examples = 5;            // bad-row and conflict examples kept
};

// What one source gave.
struct SourceReport {
  SourceKind kind = SourceKind::kFile;
  std::string location;            // the path or broker URL and topics
  std::vector<std::string> files;  // files opened
  size_t files_skipped = 0;        // telemetry log hours outside the window, not opened
  size_t rows_read = 0;            // readings parsed (kept or outside the window)
  size_t rows_in_window = 0;
  size_t rows_skipped = 0;                    // malformed rows left out (skip_bad_rows)
  std::vector<std::string> bad_row_examples;  // "file:line: why"
};

struct ExtractReport {
  std::vector<SourceReport> sources;
  size_t rows_read = 0;     // over every source
  size_t rows_skipped = 0;  // malformed, left out
  size_t rows_outside_window = 0;
  DedupReport dedup;
  std::string label_source;          // "annotations", "readings" or "none"
  std::string annotations_sha256;    // of the annotations file's bytes; empty without one
  LabelReport labels;                // with annotations
  std::vector<std::string> devices;  // distinct device ids of the result, sorted
};

struct ExtractResult {
  telemetry::Dataset dataset;  // sorted by device, then time; labelled when labels were known
  ExtractReport report;
};

// Runs the extraction. Fails with kInvalidArgument for malformed input (naming file:line, or
// the MQTT topic and message number), a source without device ids or timestamps, or sources
// that disagree on having labels; kNotFound for a missing source or annotations file;
// kUnavailable for an unreachable broker; kIo for unreadable files. An empty result is not an
// error here. `on_subscribed` is passed to capture_mqtt. Thread-safe (no shared state).
Result<ExtractResult> run_extract(const ExtractOptions& options,
                                  const std::function<void()>& on_subscribed = {});

// The lineage document (docs/pipeline-steps.md#extract): sources, window, devices, row counts,
// duplicates, labels and the annotations file's hash. Thread-safe.
nlohmann::json lineage_json(const ExtractOptions& options, const ExtractReport& report,
                            size_t rows);

// A one-line description of the sources, for the registry's `source` field. Thread-safe.
std::string describe_sources(const ExtractReport& report);

}  // namespace aiotops::extract
