// The JSON form of DatasetStats and its files (docs/formats/dataset-stats.md).

#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "common/files.h"
#include "telemetry/number_text.h"
#include "telemetry/stats.h"

namespace aiotops::telemetry {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Parsed JSON stores 5 as unsigned, but a json built in code may hold it as signed.
bool is_count(const json& value) {
  return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
}

json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

std::string label_key(double value) {
  char digits[32];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  return std::string(digits, end);
}

json feature_to_json(const FeatureStats& feature) {
  json quantiles = json::object();
  for (size_t q = 0; q < kQuantileNames.size(); ++q) {
    quantiles[std::string(kQuantileNames[q])] = number_or_null(feature.quantiles[q]);
  }
  json edges = json::array();
  for (double edge : feature.histogram.edges) edges.push_back(edge);
  return {
      {"name", feature.name},
      {"count", feature.count},
      {"min", number_or_null(feature.min)},
      {"max", number_or_null(feature.max)},
      {"mean", number_or_null(feature.mean)},
      {"std", number_or_null(feature.stddev)},
      {"quantiles", std::move(quantiles)},
      {"histogram", {{"edges", std::move(edges)}, {"counts", feature.histogram.counts}}},
  };
}

// Typed access to the members of one JSON object; errors name the member's path.
class Fields {
 public:
  Fields(const json& object, std::string path) : object_(&object), path_(std::move(path)) {}

  const json& value() const { return *object_; }

  std::string path(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }
  std::unexpected<Error> bad(std::string_view key, std::string_view why) const {
    return fail(ErrorCode::kInvalidArgument, "{}: {}", path(key), why);
  }
  Result<const json*> member(std::string_view key) const {
    auto found = object_->find(key);
    if (found == object_->end()) return bad(key, "missing");
    return &*found;
  }
  Result<std::string> string(std::string_view key) const {
    auto value = member(key);
    if (!value) return fail(value.error());
    if (!(*value)->is_string()) return bad(key, "expected a string");
    return (*value)->get<std::string>();
  }
  Result<size_t> count(std::string_view key) const {
    auto value = member(key);
    if (!value) return fail(value.error());
    if (!is_count(**value)) return bad(key, "expected a non-negative integer");
    return (*value)->get<size_t>();
  }
  Result<int64_t> integer(std::string_view key) const {
    auto value = member(key);
    if (!value) return fail(value.error());
    if (!(*value)->is_number_integer()) return bad(key, "expected an integer");
    if ((*value)->is_number_unsigned() &&
        (*value)->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return bad(key, "out of range");
    }
    return (*value)->get<int64_t>();
  }
  // A number; null reads as NaN when `allow_null`.
  Result<double> number(std::string_view key, bool allow_null) const {
    auto value = member(key);
    if (!value) return fail(value.error());
    if (allow_null && (*value)->is_null()) return kNaN;
    if (!(*value)->is_number()) return bad(key, "expected a number");
    return (*value)->get<double>();
  }
  Result<Fields> object(std::string_view key) const {
    auto value = member(key);
    if (!value) return fail(value.error());
    if (!(*value)->is_object()) return bad(key, "expected an object");
    return Fields(**value, path(key));
  }
  Result<const json*> array(std::string_view key) const {
    auto value = member(key);
    if (!value) return fail(value.error());
    if (!(*value)->is_array()) return bad(key, "expected an array");
    return *value;
  }

 private:
  const json* object_;
  std::string path_;
};

#define AIOTOPS_ASSIGN(target, expression)                    \
  do {                                                        \
    auto assign_result_ = (expression);                       \
    if (!assign_result_) return fail(assign_result_.error()); \
    target = std::move(*assign_result_);                      \
  } while (false)

Result<Histogram> histogram_from_json(const Fields& fields, size_t count) {
  Histogram histogram;
  const json* edges = nullptr;
  const json* counts = nullptr;
  AIOTOPS_ASSIGN(edges, fields.array("edges"));
  AIOTOPS_ASSIGN(counts, fields.array("counts"));
  for (const auto& edge : *edges) {
    if (!edge.is_number()) return fields.bad("edges", "expected an array of numbers");
    histogram.edges.push_back(edge.get<double>());
  }
  size_t total = 0;
  for (const auto& bin : *counts) {
    if (!is_count(bin)) return fields.bad("counts", "expected non-negative integers");
    histogram.counts.push_back(bin.get<size_t>());
    total += histogram.counts.back();
  }
  if (count == 0
          ? !histogram.edges.empty() || !histogram.counts.empty()
          : histogram.counts.empty() || histogram.edges.size() != histogram.counts.size() + 1) {
    return fields.bad("edges", "expected one more edge than counts (none when count is 0)");
  }
  if (!std::is_sorted(histogram.edges.begin(), histogram.edges.end())) {
    return fields.bad("edges", "not ascending");
  }
  if (total != count) {
    return fields.bad("counts", fmt::format("sum to {}, not the feature's count {}", total, count));
  }
  return histogram;
}

Result<FeatureStats> feature_from_json(const json& value, size_t index, size_t rows) {
  const std::string path = fmt::format("features[{}]", index);
  if (!value.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "{}: expected an object", path);
  }
  Fields fields(value, path);
  FeatureStats feature;
  AIOTOPS_ASSIGN(feature.name, fields.string("name"));
  AIOTOPS_ASSIGN(feature.count, fields.count("count"));
  if (feature.count != rows) {
    return fields.bad("count", fmt::format("{} differs from rows {}", feature.count, rows));
  }
  const bool empty = feature.count == 0;
  AIOTOPS_ASSIGN(feature.min, fields.number("min", empty));
  AIOTOPS_ASSIGN(feature.max, fields.number("max", empty));
  AIOTOPS_ASSIGN(feature.mean, fields.number("mean", empty));
  AIOTOPS_ASSIGN(feature.stddev, fields.number("std", empty));
  if (!empty && !(feature.min <= feature.max)) return fields.bad("min", "greater than max");
  if (!empty && !(feature.stddev >= 0)) return fields.bad("std", "negative");
  Fields quantiles(value, path);
  AIOTOPS_ASSIGN(quantiles, fields.object("quantiles"));
  for (size_t q = 0; q < kQuantileNames.size(); ++q) {
    AIOTOPS_ASSIGN(feature.quantiles[q], quantiles.number(kQuantileNames[q], empty));
  }
  Fields histogram(value, path);
  AIOTOPS_ASSIGN(histogram, fields.object("histogram"));
  AIOTOPS_ASSIGN(feature.histogram, histogram_from_json(histogram, feature.count));
  return feature;
}

}  // namespace

json to_json(const DatasetStats& stats) {
  json features = json::array();
  for (const auto& feature : stats.features) features.push_back(feature_to_json(feature));
  json label_counts = json::object();
  for (const auto& [label, count] : stats.label_counts) label_counts[label_key(label)] = count;
  json time_range = nullptr;
  if (stats.time_range) {
    time_range = {{"first", stats.time_range->first_ms}, {"last", stats.time_range->last_ms}};
  }
  return {
      {"format", kDatasetStatsFormat},
      {"format_version", stats.format_version},
      {"content_hash", stats.content_hash},
      {"rows", stats.rows},
      {"label", stats.label_name.empty() ? json(nullptr) : json(stats.label_name)},
      {"label_counts", std::move(label_counts)},
      {"positive_rate", stats.positive_rate ? json(*stats.positive_rate) : json(nullptr)},
      {"devices", stats.devices},
      {"time_range_ms", std::move(time_range)},
      {"features", std::move(features)},
  };
}

Result<DatasetStats> stats_from_json(const json& value) {
  if (!value.is_object()) return fail(ErrorCode::kInvalidArgument, "expected a JSON object");
  Fields fields(value, "");
  DatasetStats stats;
  std::string format;
  AIOTOPS_ASSIGN(format, fields.string("format"));
  if (format != kDatasetStatsFormat) {
    return fields.bad("format", fmt::format("\"{}\" is not \"{}\"", format, kDatasetStatsFormat));
  }
  int64_t version = 0;
  AIOTOPS_ASSIGN(version, fields.integer("format_version"));
  if (version != kDatasetStatsFormatVersion) {
    return fields.bad("format_version", fmt::format("{} is not supported; this build reads {}",
                                                    version, kDatasetStatsFormatVersion));
  }
  stats.format_version = kDatasetStatsFormatVersion;
  AIOTOPS_ASSIGN(stats.content_hash, fields.string("content_hash"));
  if (stats.content_hash.size() != 64 ||
      stats.content_hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return fields.bad("content_hash", "expected 64 lower-case hex digits");
  }
  AIOTOPS_ASSIGN(stats.rows, fields.count("rows"));
  AIOTOPS_ASSIGN(stats.devices, fields.count("devices"));
  if (stats.devices > stats.rows) return fields.bad("devices", "more devices than rows");

  const json* label = nullptr;
  AIOTOPS_ASSIGN(label, fields.member("label"));
  if (!label->is_null() && !(label->is_string() && !label->get<std::string>().empty())) {
    return fields.bad("label", "expected a non-empty string or null");
  }
  const bool labelled = !label->is_null();
  if (labelled) stats.label_name = label->get<std::string>();
  Fields counts(value, "");
  AIOTOPS_ASSIGN(counts, fields.object("label_counts"));
  size_t labelled_rows = 0;
  for (const auto& [key, count] : counts.value().items()) {
    double label_value = 0;
    if (parse_finite_double(key, label_value) != RowProblem::kNone) {
      return counts.bad(key, "label value is not a number");
    }
    if (!is_count(count)) return counts.bad(key, "expected a non-negative integer");
    if (stats.label_counts.contains(label_value)) return counts.bad(key, "label value repeated");
    stats.label_counts[label_value] = count.get<size_t>();
    labelled_rows += count.get<size_t>();
  }
  if (labelled ? labelled_rows != stats.rows : labelled_rows != 0) {
    return fields.bad("label_counts", labelled ? "do not sum to rows" : "present without a label");
  }
  double positive_rate = 0;
  AIOTOPS_ASSIGN(positive_rate, fields.number("positive_rate", true));
  if (labelled != !std::isnan(positive_rate)) {
    return fields.bad("positive_rate", "must be a number exactly when there is a label");
  }
  if (labelled) {
    if (!(positive_rate >= 0 && positive_rate <= 1)) {
      return fields.bad("positive_rate", "not in [0, 1]");
    }
    stats.positive_rate = positive_rate;
  }

  const json* time_range = nullptr;
  AIOTOPS_ASSIGN(time_range, fields.member("time_range_ms"));
  if (!time_range->is_null()) {
    Fields range(value, "");
    AIOTOPS_ASSIGN(range, fields.object("time_range_ms"));
    TimeRange parsed;
    AIOTOPS_ASSIGN(parsed.first_ms, range.integer("first"));
    AIOTOPS_ASSIGN(parsed.last_ms, range.integer("last"));
    if (parsed.first_ms > parsed.last_ms) return range.bad("first", "after last");
    stats.time_range = parsed;
  }

  const json* features = nullptr;
  AIOTOPS_ASSIGN(features, fields.array("features"));
  std::set<std::string> names;
  for (size_t i = 0; i < features->size(); ++i) {
    auto feature = feature_from_json((*features)[i], i, stats.rows);
    if (!feature) return fail(feature.error());
    if (!names.insert(feature->name).second) {
      return fail(ErrorCode::kInvalidArgument, "features[{}].name: \"{}\" repeated", i,
                  feature->name);
    }
    stats.features.push_back(std::move(*feature));
  }
  return stats;
}

#undef AIOTOPS_ASSIGN

std::filesystem::path stats_path_for(const std::filesystem::path& data) {
  return std::filesystem::path(data.string() + ".stats.json");
}

std::string format_stats_json(const DatasetStats& stats) {
  return to_json(stats).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Status write_stats(const std::filesystem::path& path, const DatasetStats& stats) {
  return write_file_atomic(path, format_stats_json(stats));
}

Result<DatasetStats> read_stats(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error());
  json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return fail(ErrorCode::kInvalidArgument, "{}: not valid JSON", path.string());
  }
  auto stats = stats_from_json(value);
  if (!stats) return fail(stats.error().with_context(path.string()));
  return stats;
}

}  // namespace aiotops::telemetry
