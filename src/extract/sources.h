#pragma once
// Which files one `--source` names: a dataset file (CSV or JSON lines), a directory of them, or
// a telemetry log directory of the edge service (telemetry-YYYYMMDDTHH.jsonl), of which only
// the hour files overlapping the window are opened.

#include <chrono>
#include <filesystem>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "extract/time_window.h"

namespace aiotops::extract {

enum class SourceKind { kFile, kDirectory, kTelemetryLog, kMqtt };

// "file", "directory", "telemetry-log", "mqtt". Thread-safe.
std::string_view to_string(SourceKind kind);

struct SourceFiles {
  SourceKind kind = SourceKind::kFile;
  std::vector<std::filesystem::path> files;  // to read, in name order
  size_t files_skipped = 0;                  // log hour files outside the window (not opened)
};

// The files of `source`. A directory is a telemetry log when it holds any telemetry log file;
// its files are then only those whose hour overlaps the window widened by `slack` on both
// sides (readings whose own timestamp lies in another hour than their receipt need slack), and
// other files in it are ignored. Any other directory yields its .csv, .jsonl, .ndjson and .json
// files. kNotFound when `source` does not exist, kInvalidArgument for a directory with none of
// these files, kIo when it cannot be listed. Thread-safe.
Result<SourceFiles> list_source_files(const std::filesystem::path& source, const TimeWindow& window,
                                      std::chrono::milliseconds slack = {});

}  // namespace aiotops::extract
