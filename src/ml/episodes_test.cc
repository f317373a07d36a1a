#include "ml/episodes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::ml {
namespace {

using ::testing::HasSubstr;

struct Row {
  const char* device;
  int64_t second;
  const char* fault_type;
  double label;
  double score;
};

// Threshold 0.5 throughout. Rows are listed out of time order on purpose.
const std::vector<Row> kRows{
    // motor-1: a false alarm at 1 s, a sensor fault at 2 s that is ignored although it scores
    // high, bearing wear from 4 s, flagged at 5 s, a sensor dropout inside the episode at 6 s,
    // the label flips at 7 s. Delay 1 s after onset, flagged 2 s before the label.
    {"motor-1", 7, "bearing-wear", 1, 0.9},
    {"motor-1", 0, "none", 0, 0.1},
    {"motor-1", 5, "bearing-wear", 0, 0.6},
    {"motor-1", 2, "sensor-stuck", 0, 0.9},
    {"motor-1", 6, "sensor-dropout", 0, 0.1},
    {"motor-1", 4, "bearing-wear", 0, 0.3},
    {"motor-1", 1, "none", 0, 0.7},
    {"motor-1", 3, "none", 0, 0.2},
    // motor-2: cooling failure from 2 s, labelled at once, never flagged: missed.
    {"motor-2", 3, "cooling-failure", 1, 0.4},
    {"motor-2", 1, "none", 0, 0.2},
    {"motor-2", 2, "cooling-failure", 1, 0.3},
    {"motor-2", 0, "none", 0, 0.1},
    // motor-3: only a sensor fault (ignored) and one healthy row flagged: a false alarm.
    {"motor-3", 1, "sensor-stuck", 1, 0.9},
    {"motor-3", 0, "none", 0, 0.6},
    // motor-4: an electrical fault labelled from 0 s but flagged at 2 s (2 s after the label),
    // repaired at 3 s (flagged there: a false alarm), then a second electrical fault at 4 s.
    {"motor-4", 4, "electrical", 1, 0.9},
    {"motor-4", 2, "electrical", 1, 0.8},
    {"motor-4", 0, "electrical", 1, 0.2},
    {"motor-4", 3, "none", 0, 0.9},
    {"motor-4", 1, "electrical", 1, 0.3},
};

struct Built {
  telemetry::Dataset dataset;
  std::vector<double> scores;
};

Built build(const std::vector<Row>& rows, bool with_fault_types = true) {
  Built b;
  b.dataset.feature_names = {"vibration"};
  b.dataset.label_name = "label";
  for (const Row& r : rows) {
    b.dataset.features.push_back(0.0);
    b.dataset.device_ids.push_back(r.device);
    b.dataset.timestamps_ms.push_back(r.second * 1000);
    if (with_fault_types) b.dataset.fault_types.push_back(r.fault_type);
    b.dataset.labels.push_back(r.label);
    b.scores.push_back(r.score);
  }
  return b;
}

TEST(FaultEpisodesTest, ReportsDelayLeadMissesAndFalseAlarms) {
  Built b = build(kRows);
  EpisodeReport report = fault_episodes(b.dataset, b.scores, 0.5).value();
  ASSERT_EQ(report.episodes.size(), 4u);

  const FaultEpisode& wear = report.episodes[0];
  EXPECT_EQ(wear.device_id, "motor-1");
  EXPECT_EQ(wear.fault_type, "bearing-wear");
  EXPECT_EQ(wear.onset_ms, 4000);
  EXPECT_EQ(wear.end_ms, 7000);
  EXPECT_EQ(wear.label_ms, 7000);
  EXPECT_EQ(wear.flagged_ms, 5000);
  EXPECT_EQ(wear.delay_ms, 1000);
  EXPECT_EQ(wear.lead_ms, 2000);
  EXPECT_FALSE(wear.missed);

  const FaultEpisode& cooling = report.episodes[1];
  EXPECT_EQ(cooling.device_id, "motor-2");
  EXPECT_EQ(cooling.fault_type, "cooling-failure");
  EXPECT_EQ(cooling.onset_ms, 2000);
  EXPECT_EQ(cooling.label_ms, 2000);
  EXPECT_TRUE(cooling.missed);
  EXPECT_FALSE(cooling.flagged_ms.has_value());
  EXPECT_FALSE(cooling.delay_ms.has_value());
  EXPECT_FALSE(cooling.lead_ms.has_value());

  const FaultEpisode& first = report.episodes[2];
  EXPECT_EQ(first.device_id, "motor-4");
  EXPECT_EQ(first.onset_ms, 0);
  EXPECT_EQ(first.end_ms, 2000);
  EXPECT_EQ(first.flagged_ms, 2000);
  EXPECT_EQ(first.delay_ms, 2000);
  EXPECT_EQ(first.lead_ms, -2000);  // flagged after the label flipped

  const FaultEpisode& second = report.episodes[3];
  EXPECT_EQ(second.device_id, "motor-4");
  EXPECT_EQ(second.onset_ms, 4000);
  EXPECT_EQ(second.delay_ms, 0);
  EXPECT_EQ(second.lead_ms, 0);

  // Healthy rows: motor-1 at 0, 1, 3 s (1 flagged); motor-2 at 0, 1 s; motor-3 at 0 s (flagged);
  // motor-4 at 3 s (flagged). Sensor-fault rows are neither healthy nor alarms.
  ASSERT_EQ(report.devices.size(), 4u);
  EXPECT_EQ(report.devices[0].device_id, "motor-1");
  EXPECT_EQ(report.devices[0].healthy_rows, 3u);
  EXPECT_EQ(report.devices[0].false_alarms, 1u);
  EXPECT_EQ(report.devices[1].healthy_rows, 2u);
  EXPECT_EQ(report.devices[1].false_alarms, 0u);
  EXPECT_EQ(report.devices[2].device_id, "motor-3");
  EXPECT_EQ(report.devices[2].healthy_rows, 1u);
  EXPECT_EQ(report.devices[2].false_alarms, 1u);
  EXPECT_EQ(report.devices[3].healthy_rows, 1u);
  EXPECT_EQ(report.devices[3].false_alarms, 1u);
  EXPECT_EQ(report.healthy_rows, 7u);
  EXPECT_EQ(report.false_alarms, 3u);
}

TEST(FaultEpisodesTest, WithoutFaultTypesLabelsMarkTheEpisodes) {
  // Without fault types motor-1's first fault row is the label flip at 7 s, and the sensor
  // faults count as healthy rows (their label is 0) -- except motor-3's labelled one.
  Built b = build(kRows, /*with_fault_types=*/false);
  EpisodeReport report = fault_episodes(b.dataset, b.scores, 0.5).value();
  ASSERT_EQ(report.episodes.size(), 5u);
  EXPECT_EQ(report.episodes[0].device_id, "motor-1");
  EXPECT_EQ(report.episodes[0].fault_type, "");
  EXPECT_EQ(report.episodes[0].onset_ms, 7000);
  EXPECT_EQ(report.episodes[0].label_ms, 7000);
  EXPECT_EQ(report.episodes[0].delay_ms, 0);
  EXPECT_EQ(report.episodes[2].device_id, "motor-3");
  EXPECT_EQ(report.episodes[2].onset_ms, 1000);
  // motor-1: rows at 0-6 s are healthy (7), flagged at 1, 2 and 5 s.
  EXPECT_EQ(report.devices[0].healthy_rows, 7u);
  EXPECT_EQ(report.devices[0].false_alarms, 3u);
}

TEST(FaultEpisodesTest, FaultTypesAloneMarkEpisodesWithoutLabelTimes) {
  // No label column: episodes come from the fault types, label times are unknown, and a row
  // with no fault type (motor-2 at 1 s here) is ignored rather than counted as healthy.
  Built b = build(kRows);
  b.dataset.labels.clear();
  b.dataset.fault_types[9] = "";  // {"motor-2", 1, "none", ...}
  EpisodeReport report = fault_episodes(b.dataset, b.scores, 0.5).value();
  ASSERT_EQ(report.episodes.size(), 4u);
  EXPECT_EQ(report.episodes[0].onset_ms, 4000);
  EXPECT_EQ(report.episodes[0].delay_ms, 1000);
  for (const FaultEpisode& e : report.episodes) {
    EXPECT_FALSE(e.label_ms.has_value());
    EXPECT_FALSE(e.lead_ms.has_value());
  }
  EXPECT_EQ(report.devices[1].healthy_rows, 1u);
  EXPECT_EQ(report.healthy_rows, 6u);
}

TEST(FaultEpisodesTest, JsonUsesNullForAbsentTimes) {
  Built b = build(kRows);
  nlohmann::json j = to_json(fault_episodes(b.dataset, b.scores, 0.5).value());
  ASSERT_EQ(j["episodes"].size(), 4u);
  EXPECT_EQ(j["episodes"][0]["device"], "motor-1");
  EXPECT_EQ(j["episodes"][0]["delay_ms"], 1000);
  EXPECT_EQ(j["episodes"][0]["lead_ms"], 2000);
  EXPECT_TRUE(j["episodes"][1]["flagged_ms"].is_null());
  EXPECT_TRUE(j["episodes"][1]["delay_ms"].is_null());
  EXPECT_EQ(j["episodes"][1]["missed"], true);
  EXPECT_EQ(j["missed"], 1);
  EXPECT_EQ(j["false_alarms"], 3);
  EXPECT_EQ(j["healthy_rows"], 7);
  EXPECT_EQ(j["devices"][2]["device"], "motor-3");
  EXPECT_EQ(j["devices"][2]["false_alarms"], 1);
}

TEST(FaultEpisodesTest, FailsClearlyOnMissingColumnsOrBadRows) {
  Built b = build(kRows);
  Built no_ids = b;
  no_ids.dataset.device_ids.clear();
  auto ids = fault_episodes(no_ids.dataset, no_ids.scores, 0.5);
  ASSERT_FALSE(ids.has_value());
  EXPECT_EQ(ids.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(ids.error().message(), HasSubstr("device ids"));

  Built no_times = b;
  no_times.dataset.timestamps_ms.clear();
  auto times = fault_episodes(no_times.dataset, no_times.scores, 0.5);
  ASSERT_FALSE(times.has_value());
  EXPECT_THAT(times.error().message(), HasSubstr("timestamps"));

  Built neither = b;
  neither.dataset.labels.clear();
  neither.dataset.fault_types.clear();
  EXPECT_FALSE(fault_episodes(neither.dataset, neither.scores, 0.5).has_value());

  std::vector<double> short_scores(b.scores.begin(), b.scores.end() - 1);
  EXPECT_FALSE(fault_episodes(b.dataset, short_scores, 0.5).has_value());

  Built bad_label = b;
  bad_label.dataset.labels[4] = 2;
  auto label = fault_episodes(bad_label.dataset, bad_label.scores, 0.5);
  ASSERT_FALSE(label.has_value());
  EXPECT_THAT(label.error().message(), HasSubstr("row 4"));

  Built empty_id = b;
  empty_id.dataset.device_ids[5].clear();
  auto id = fault_episodes(empty_id.dataset, empty_id.scores, 0.5);
  ASSERT_FALSE(id.has_value());
  EXPECT_THAT(id.error().message(), HasSubstr("row 5"));
}

}  // namespace
}  // namespace aiotops::ml
