#include "extract/sources.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "telemetry/log_file_name.h"

namespace aiotops::extract {
namespace {

namespace fs = std::filesystem;

bool is_dataset_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".csv" || ext == ".jsonl" || ext == ".ndjson" || ext == ".json";
}

}  // namespace

std::string_view to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::kFile:
      return "file";
    case SourceKind::kDirectory:
      return "directory";
    case SourceKind::kTelemetryLog:
      return "telemetry-log";
    case SourceKind::kMqtt:
      return "mqtt";
  }
  return "file";
}

Result<SourceFiles> list_source_files(const fs::path& source, const TimeWindow& window,
                                      std::chrono::milliseconds slack) {
  std::error_code ec;
  const fs::file_status status = fs::status(source, ec);
  if (!fs::exists(status))
    return fail(ErrorCode::kNotFound, "{}: no such file or directory", source.string());
  SourceFiles out;
  if (!fs::is_directory(status)) {
    out.files.push_back(source);
    return out;
  }
  std::vector<fs::path> logs, datasets;
  std::vector<int64_t> hours;
  for (fs::directory_iterator it(source, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const fs::path& path = it->path();
    if (auto hour = telemetry::parse_log_file_name(path.filename().string())) {
      logs.push_back(path);
    } else if (is_dataset_file(path)) {
      datasets.push_back(path);
    }
  }
  if (ec)
    return fail(ErrorCode::kIo, "{}: cannot list the directory: {}", source.string(), ec.message());
  std::sort(logs.begin(), logs.end());
  std::sort(datasets.begin(), datasets.end());
  if (!logs.empty()) {
    out.kind = SourceKind::kTelemetryLog;
    TimeWindow widened = window;
    if (widened.from_ms) *widened.from_ms -= slack.count();
    if (widened.to_ms) *widened.to_ms += slack.count();
    for (const fs::path& path : logs) {
      const int64_t hour = *telemetry::parse_log_file_name(path.filename().string());
      const int64_t begin = hour * telemetry::kMillisPerHour;
      if (widened.overlaps(begin, begin + telemetry::kMillisPerHour)) {
        out.files.push_back(path);
      } else {
        ++out.files_skipped;
      }
    }
    return out;
  }
  if (datasets.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: no telemetry log files (telemetry-YYYYMMDDTHH.jsonl) and no .csv, .jsonl, "
                ".ndjson or .json files",
                source.string());
  }
  out.kind = SourceKind::kDirectory;
  out.files = std::move(datasets);
  return out;
}

}  // namespace aiotops::extract
