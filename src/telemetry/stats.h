#pragma once
// Dataset statistics: per-feature distribution summaries, label balance and the content hash,
// written as JSON beside the data ("<data>.stats.json"). They are the drift reference and the
// lineage key of a dataset. JSON layout: docs/formats/dataset-stats.md.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "telemetry/content_hash.h"
#include "telemetry/dataset.h"

namespace aiotops::telemetry {

inline constexpr int kDatasetStatsFormatVersion = 1;
inline constexpr std::string_view kDatasetStatsFormat = "aiotops-dataset-stats";
// Quantile levels reported for every feature, and their names in the JSON.
inline constexpr std::array<double, 7> kQuantileLevels{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
inline constexpr std::array<std::string_view, 7> kQuantileNames{"p01", "p05", "p25", "p50",
                                                                "p75", "p95", "p99"};

struct StatsOptions {
  size_t histogram_bins = 20;  // equal-width bins over [min, max]; 0 is treated as 1
};

// numpy.histogram's default binning: `edges` has counts.size() + 1 ascending values; every bin
// is [edge_i, edge_i+1) except the last, which also holds max. For a constant feature the
// range is [value - 0.5, value + 0.5].
struct Histogram {
  std::vector<double> edges;
  std::vector<size_t> counts;
};

struct FeatureStats {
  std::string name;
  size_t count = 0;  // values (rows); the other members are NaN / empty when it is 0
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;  // population standard deviation (ddof = 0), numpy.std's default
  // At kQuantileLevels, with numpy.quantile's default "linear" interpolation.
  std::array<double, kQuantileLevels.size()> quantiles{};
  Histogram histogram;
};

struct TimeRange {
  int64_t first_ms = 0;  // earliest timestamp
  int64_t last_ms = 0;   // latest timestamp
};

struct DatasetStats {
  int format_version = kDatasetStatsFormatVersion;
  std::string content_hash;  // dataset_content_hash()
  size_t rows = 0;
  std::vector<FeatureStats> features;
  std::string label_name;                 // empty when unlabelled
  std::map<double, size_t> label_counts;  // label value -> rows; empty when unlabelled
  std::optional<double> positive_rate;    // share of rows whose label is 1; none if unlabelled
  size_t devices = 0;                     // distinct non-empty device ids
  std::optional<TimeRange> time_range;    // when the dataset has timestamps and rows
};

// Computes every statistic of `dataset` in a few passes (one sort per feature). Never fails.
// Thread-safe.
DatasetStats compute_stats(const Dataset& dataset, const StatsOptions& options = {});

// The JSON form (docs/formats/dataset-stats.md). NaN members of empty features become null.
// Thread-safe.
nlohmann::json to_json(const DatasetStats& stats);

// Parses and validates the JSON form: every field present with its type, the format and version
// known, counts consistent with rows. Fails with kInvalidArgument naming the field. Thread-safe.
Result<DatasetStats> stats_from_json(const nlohmann::json& json);

// The text of a statistics file: to_json(stats) indented by 2, ending in a newline. Never
// throws (invalid UTF-8 in a name, which the readers refuse, would be replaced by U+FFFD).
// Thread-safe.
std::string format_stats_json(const DatasetStats& stats);

// Where the statistics of `data` live: "<data>.stats.json" beside it. Thread-safe.
std::filesystem::path stats_path_for(const std::filesystem::path& data);

// Writes format_stats_json(stats) to `path` atomically (temp file, fsync, rename). Fails with
// kIo. Thread-safe for distinct paths; concurrent writers of one path: the last rename wins.
Status write_stats(const std::filesystem::path& path, const DatasetStats& stats);

// Reads and validates a statistics file. Fails with kNotFound, kIo or kInvalidArgument, the
// message naming the path and field. Thread-safe.
Result<DatasetStats> read_stats(const std::filesystem::path& path);

}  // namespace aiotops::telemetry
