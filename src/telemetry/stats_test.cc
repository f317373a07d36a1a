#include "telemetry/stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "common/files.h"
#include "support/scratch_dir.h"
#include "telemetry/csv_reader.h"

namespace aiotops::telemetry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StatsTest : public ::testing::Test {
 protected:
  aiotops::testing::ScratchDir dir_{"stats-test"};
};

Dataset small_dataset() {
  Dataset data;
  data.feature_names = {"a", "b"};
  data.label_name = "label";
  data.features = {1, 10, 2, 10, 3, 10, 4, 10};
  data.labels = {0, 1, 1, 2};
  data.device_ids = {"m1", "m2", "m1", ""};
  data.timestamps_ms = {3000, 1000, 2000, 4000};
  return data;
}

TEST_F(StatsTest, SummarisesFeaturesLabelsDevicesAndTime) {
  DatasetStats stats = compute_stats(small_dataset(), {.histogram_bins = 3});
  EXPECT_EQ(stats.rows, 4u);
  EXPECT_EQ(stats.content_hash, dataset_content_hash(small_dataset()));
  ASSERT_EQ(stats.features.size(), 2u);
  const FeatureStats& a = stats.features[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.count, 4u);
  EXPECT_EQ(a.min, 1);
  EXPECT_EQ(a.max, 4);
  EXPECT_EQ(a.mean, 2.5);
  EXPECT_DOUBLE_EQ(a.stddev, std::sqrt(1.25));  // population: ddof = 0
  EXPECT_DOUBLE_EQ(a.quantiles[3], 2.5);        // median
  EXPECT_DOUBLE_EQ(a.quantiles[2], 1.75);       // p25 = 1 + 0.75 * (2 - 1)
  EXPECT_THAT(a.histogram.edges, ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(a.histogram.counts, ElementsAre(1, 1, 2));  // the last bin holds the max
  const FeatureStats& b = stats.features[1];
  EXPECT_EQ(b.stddev, 0);
  EXPECT_THAT(b.histogram.edges, ElementsAre(9.5, 9.5 + 1.0 / 3, 9.5 + 2.0 / 3, 10.5));
  EXPECT_THAT(b.histogram.counts, ElementsAre(0, 1 * 4, 0));
  EXPECT_EQ(stats.label_name, "label");
  EXPECT_EQ(stats.label_counts, (std::map<double, size_t>{{0, 1}, {1, 2}, {2, 1}}));
  EXPECT_EQ(stats.positive_rate, 0.5);
  EXPECT_EQ(stats.devices, 2u);
  ASSERT_TRUE(stats.time_range.has_value());
  EXPECT_EQ(stats.time_range->first_ms, 1000);
  EXPECT_EQ(stats.time_range->last_ms, 4000);
}

TEST_F(StatsTest, UnlabelledAndEmptyDatasets) {
  Dataset data;
  data.feature_names = {"x"};
  DatasetStats stats = compute_stats(data);
  EXPECT_EQ(stats.rows, 0u);
  EXPECT_FALSE(stats.positive_rate.has_value());
  EXPECT_FALSE(stats.time_range.has_value());
  EXPECT_TRUE(std::isnan(stats.features[0].mean));
  json doc = to_json(stats);
  EXPECT_TRUE(doc["features"][0]["mean"].is_null());
  EXPECT_TRUE(doc["label"].is_null());
  auto back = stats_from_json(doc);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->features[0].count, 0u);
}

TEST_F(StatsTest, ExtremeMagnitudesStayFinite) {
  Dataset data;
  data.feature_names = {"x"};
  data.features = {-1.7e308, 1.7e308, 1.7e308};
  DatasetStats stats = compute_stats(data, {.histogram_bins = 4});
  const FeatureStats& x = stats.features[0];
  EXPECT_TRUE(std::isfinite(x.mean));
  EXPECT_NEAR(x.mean / 1.7e308, 1.0 / 3, 1e-12);
  EXPECT_TRUE(std::isfinite(x.stddev));
  for (double q : x.quantiles) EXPECT_TRUE(std::isfinite(q));
  for (double edge : x.histogram.edges) EXPECT_TRUE(std::isfinite(edge));
  EXPECT_THAT(x.histogram.counts, ElementsAre(1, 0, 0, 2));
  EXPECT_TRUE(stats_from_json(to_json(stats)).has_value());
}

TEST_F(StatsTest, JsonRoundTrip) {
  DatasetStats stats = compute_stats(small_dataset());
  json doc = to_json(stats);
  EXPECT_EQ(doc["format"], "aiotops-dataset-stats");
  EXPECT_EQ(doc["format_version"], 1);
  EXPECT_EQ(doc["label_counts"], (json{{"0", 1}, {"1", 2}, {"2", 1}}));
  EXPECT_EQ(doc["features"][0]["quantiles"]["p50"], 2.5);
  auto back = stats_from_json(doc);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(to_json(*back), doc);
  EXPECT_EQ(back->label_counts, stats.label_counts);
  EXPECT_EQ(back->features[1].histogram.counts, stats.features[1].histogram.counts);
}

TEST_F(StatsTest, FromJsonNamesTheBadField) {
  const json good = to_json(compute_stats(small_dataset()));
  auto error_after = [&](auto&& change) {
    json doc = good;
    change(doc);
    auto result = stats_from_json(doc);
    EXPECT_FALSE(result.has_value());
    return result ? std::string() : result.error().message();
  };
  EXPECT_EQ(error_after([](json& d) { d.erase("rows"); }), "rows: missing");
  EXPECT_EQ(error_after([](json& d) { d["format_version"] = 2; }),
            "format_version: 2 is not supported; this build reads 1");
  EXPECT_EQ(error_after([](json& d) { d["content_hash"] = "abc"; }),
            "content_hash: expected 64 lower-case hex digits");
  EXPECT_EQ(error_after([](json& d) { d["features"][0]["count"] = 5; }),
            "features[0].count: 5 differs from rows 4");
  EXPECT_EQ(error_after([](json& d) { d["features"][1]["histogram"]["counts"][0] = 7; }),
            "features[1].histogram.counts: sum to 11, not the feature's count 4");
  EXPECT_EQ(error_after([](json& d) { d["features"][0]["quantiles"].erase("p99"); }),
            "features[0].quantiles.p99: missing");
  EXPECT_EQ(error_after([](json& d) { d["features"][0]["mean"] = "2.5"; }),
            "features[0].mean: expected a number");
  EXPECT_EQ(error_after([](json& d) { d["label_counts"]["1"] = 3; }),
            "label_counts: do not sum to rows");
  EXPECT_EQ(error_after([](json& d) { d["positive_rate"] = nullptr; }),
            "positive_rate: must be a number exactly when there is a label");
  EXPECT_EQ(error_after([](json& d) { d["features"][1]["name"] = "a"; }),
            "features[1].name: \"a\" repeated");
  EXPECT_EQ(error_after([](json& d) { d = json::array(); }), "expected a JSON object");
}

TEST_F(StatsTest, FilesBesideTheData) {
  EXPECT_EQ(stats_path_for("/data/run1.csv"), fs::path("/data/run1.csv.stats.json"));
  DatasetStats stats = compute_stats(small_dataset());
  fs::path path = stats_path_for(dir_ / "d.csv");
  ASSERT_TRUE(write_stats(path, stats).has_value());
  auto back = read_stats(path);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(to_json(*back), to_json(stats));
  ASSERT_TRUE(write_file_atomic(path, "{\"format\":1}").has_value());
  auto bad = read_stats(path);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), path.string() + ": format: expected a string");
  ASSERT_TRUE(write_file_atomic(path, "{").has_value());
  EXPECT_THAT(read_stats(path).error().message(), HasSubstr("not valid JSON"));
}

// Runs numpy (AIOTOPS_REFERENCE_PYTHON) on a CSV and returns its statistics as JSON.
json numpy_stats(const fs::path& dir, const fs::path& csv, const std::vector<std::string>& features,
                 size_t bins) {
  const fs::path script = dir / "numpy_stats.py";
  const char* kScript = R"(
import csv, json, sys
import numpy as np
path, bins, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
with open(path, newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
out = {}
for name in names:
    x = np.array([float(r[name]) for r in rows])
    counts, edges = np.histogram(x, bins=bins)
    out[name] = {"mean": float(np.mean(x)), "std": float(np.std(x)),
                 "min": float(np.min(x)), "max": float(np.max(x)),
                 "quantiles": [float(q) for q in np.quantile(x, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])],
                 "counts": [int(c) for c in counts], "edges": [float(e) for e in edges]}
print(json.dumps(out))
)";
  EXPECT_TRUE(write_file_atomic(script, kScript).has_value());
  std::string command = std::string(AIOTOPS_REFERENCE_PYTHON) + " '" + script.string() + "' '" +
                        csv.string() + "' " + std::to_string(bins);
  for (const auto& name : features) command += " '" + name + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  EXPECT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) output += buffer;
  return json::parse(output, nullptr, false);
}

void expect_relative(double actual, double expected, const std::string& what) {
  double tolerance = 1e-9 * std::max(1.0, std::abs(expected));
  EXPECT_NEAR(actual, expected, tolerance) << what;
}

void expect_matches_numpy(const DatasetStats& stats, const json& reference) {
  ASSERT_TRUE(reference.is_object()) << "numpy reference did not run";
  for (const FeatureStats& feature : stats.features) {
    SCOPED_TRACE(feature.name);
    const json& want = reference.at(feature.name);
    expect_relative(feature.mean, want["mean"], "mean");
    expect_relative(feature.stddev, want["std"], "std");
    EXPECT_EQ(feature.min, want["min"].get<double>());
    EXPECT_EQ(feature.max, want["max"].get<double>());
    for (size_t q = 0; q < kQuantileLevels.size(); ++q) {
      expect_relative(feature.quantiles[q], want["quantiles"][q], std::string(kQuantileNames[q]));
    }
    EXPECT_EQ(feature.histogram.counts, want["counts"].get<std::vector<size_t>>());
    auto edges = want["edges"].get<std::vector<double>>();
    ASSERT_EQ(feature.histogram.edges.size(), edges.size());
    for (size_t i = 0; i < edges.size(); ++i)
      expect_relative(feature.histogram.edges[i], edges[i], "edge");
  }
}

TEST_F(StatsTest, MatchesNumpyOnAi4i) {
  const fs::path csv = fs::path(AIOTOPS_SHARED_DATA_DIR) / "ai4i2020.csv";
  ReadOptions options;
  options.features = {"Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
                      "Torque [Nm]", "Tool wear [min]"};
  options.label = "Machine failure";
  auto data = read_dataset(csv, options);
  ASSERT_TRUE(data.has_value()) << data.error().message();
  DatasetStats stats = compute_stats(*data);
  EXPECT_EQ(stats.rows, 10000u);
  EXPECT_EQ(stats.label_counts, (std::map<double, size_t>{{0, 9661}, {1, 339}}));
  EXPECT_DOUBLE_EQ(*stats.positive_rate, 0.0339);
  expect_matches_numpy(stats, numpy_stats(dir_, csv, options.features, 20));
}

TEST_F(StatsTest, MatchesNumpyOnTiesAndOddBinCounts) {
  std::string text = "x,y\n";
  for (int i = 0; i < 997; ++i) {
    text += std::to_string((i * 37) % 101 - 50) + "," + std::to_string(0.1 * (i % 13)) + "\n";
  }
  const fs::path csv = dir_ / "ties.csv";
  ASSERT_TRUE(write_file_atomic(csv, text).has_value());
  auto data = read_dataset(csv, {});
  ASSERT_TRUE(data.has_value()) << data.error().message();
  for (size_t bins : {1, 7, 13}) {
    SCOPED_TRACE(bins);
    expect_matches_numpy(compute_stats(*data, {.histogram_bins = bins}),
                         numpy_stats(dir_, csv, {"x", "y"}, bins));
  }
}

}  // namespace
}  // namespace aiotops::telemetry
