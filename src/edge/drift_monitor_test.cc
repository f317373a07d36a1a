#include "edge/drift_monitor.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/test_models.h"
#include "support/allocation_counter.h"
#include "support/scratch_dir.h"

namespace aiotops::edge {
namespace {

using namespace std::chrono_literals;

class RecordingPublisher : public Publisher {
 public:
  Status publish(std::string_view topic, std::string_view payload, int qos) override {
    messages.push_back({std::string(topic), std::string(payload), qos});
    return {};
  }
  struct Message {
    std::string topic;
    std::string payload;
    int qos;
  };
  std::vector<Message> messages;
};

// The value of a series in the registry's text, if present.
std::optional<double> series(const MetricsRegistry& registry, std::string_view name) {
  std::string text;
  registry.render(text);
  const std::string prefix = std::string(name) + " ";
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (line.starts_with(prefix)) return std::stod(line.substr(prefix.size()));
    at = end + 1;
  }
  return std::nullopt;
}

// The test model's rows with feature `shifted` moved by `scales` of its spread.
std::vector<std::vector<double>> rows(size_t n, uint64_t seed, size_t shifted = 0,
                                      double scales = 0) {
  auto r = testing::rows(n, seed);
  for (auto& row : r) row[shifted] += scales * testing::kCentered.scale[shifted];
  return r;
}

class DriftMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model =
        LoadedModel::from_bytes(testing::native_bytes(testing::native_model()), "model.json", {});
    ASSERT_TRUE(model.has_value()) << model.error().message();
    model_ = std::move(*model);
    telemetry::Dataset training;
    training.feature_names = model_->info().feature_names;
    for (const auto& row : rows(20000, 1)) {
      training.features.insert(training.features.end(), row.begin(), row.end());
    }
    ASSERT_TRUE(telemetry::write_stats(reference_, telemetry::compute_stats(training)));
  }

  void start(DriftMonitorOptions options = {}) {
    if (!options.reference_from_model) {
      options.reference = reference_;
      options.dataset = "motors";
    }
    auto monitor = DriftMonitor::create(options, registry_, [this] { return now_; });
    ASSERT_TRUE(monitor.has_value()) << monitor.error().message();
    monitor_ = std::move(*monitor);
    lane_.emplace(*monitor_);
  }

  // Feeds `windows` windows of rows to the lane, `minutes` apart, scored by `model` (model_ when
  // null).
  void feed(size_t windows, uint64_t seed, double scales = 0, std::chrono::minutes minutes = 1min,
            std::shared_ptr<const LoadedModel> model = nullptr) {
    if (!model) model = model_;
    for (size_t w = 0; w < windows; ++w) {
      now_ += minutes;
      for (const auto& row : rows(monitor_->options().window, seed + w, 0, scales)) {
        lane_->observe(model, row, publisher_);
      }
    }
  }
  // The test model, trained (as far as its lineage says) on rows shifted by `scales`.
  static std::shared_ptr<const LoadedModel> model_trained_on(std::string dataset, double scales) {
    telemetry::Dataset training;
    for (const auto& row : rows(20000, 1, 0, scales)) {
      training.features.insert(training.features.end(), row.begin(), row.end());
    }
    auto model = LoadedModel::from_bytes(testing::native_bytes(testing::native_model()),
                                         "registry model", {}, {});
    if (!model) return nullptr;
    training.feature_names = (*model)->info().feature_names;
    auto stats =
        std::make_shared<const telemetry::DatasetStats>(telemetry::compute_stats(training));
    auto with_lineage =
        LoadedModel::from_bytes(testing::native_bytes(testing::native_model()), "registry model",
                                {}, {.dataset = std::move(dataset), .stats = std::move(stats)});
    return with_lineage ? *with_lineage : nullptr;
  }
  double metric(std::string_view name) const { return series(registry_, name).value_or(-1); }

  aiotops::testing::ScratchDir scratch_{"drift-monitor-test"};
  std::filesystem::path reference_ = scratch_ / "training.stats.json";
  std::shared_ptr<const LoadedModel> model_;
  MetricsRegistry registry_;
  std::chrono::nanoseconds now_{0};
  std::unique_ptr<DriftMonitor> monitor_;
  std::optional<DriftLane> lane_;
  RecordingPublisher publisher_;
};

TEST_F(DriftMonitorTest, DataLikeTheReferenceNeverTriggers) {
  start({.window = 1000, .trigger = {.persist_windows = 2, .cooldown = 0ms}});
  feed(20, 100);
  EXPECT_EQ(metric("aiotops_edge_drift_windows_total"), 20);
  EXPECT_EQ(metric("aiotops_edge_drift_windows_over_threshold_total"), 0);
  EXPECT_EQ(metric("aiotops_edge_drift_triggers_total"), 0);
  EXPECT_EQ(metric("aiotops_edge_drift_state"), 0);
  EXPECT_EQ(metric("aiotops_edge_drift_monitoring"), 1);
  EXPECT_LT(metric("aiotops_edge_drift_psi{feature=\"air_temperature_k\"}"), 0.05);
  EXPECT_GE(metric("aiotops_edge_drift_psi{feature=\"air_temperature_k\"}"), 0);
  EXPECT_TRUE(publisher_.messages.empty());
}

TEST_F(DriftMonitorTest, PersistentDriftPublishesTrainModelOncePerCooldown) {
  start({.window = 500, .trigger = {.persist_windows = 3, .cooldown = 30min}});
  feed(2, 200, 1.0);
  EXPECT_EQ(metric("aiotops_edge_drift_consecutive_windows"), 2);
  feed(1, 300);  // one window back to normal: the run starts over
  EXPECT_EQ(metric("aiotops_edge_drift_consecutive_windows"), 0);
  feed(2, 400, 1.0);
  EXPECT_TRUE(publisher_.messages.empty());
  feed(1, 500, 1.0);  // the third window in a row
  ASSERT_EQ(publisher_.messages.size(), 1u);
  EXPECT_EQ(metric("aiotops_edge_drift_triggers_total"), 1);
  EXPECT_EQ(metric("aiotops_edge_drift_state"), 1);
  EXPECT_GT(metric("aiotops_edge_drift_psi{feature=\"air_temperature_k\"}"), 0.2);
  EXPECT_LT(metric("aiotops_edge_drift_psi{feature=\"torque_nm\"}"), 0.1);

  const auto& m = publisher_.messages[0];
  EXPECT_EQ(m.topic, "control-message");
  EXPECT_EQ(m.qos, 1);
  const auto message = nlohmann::json::parse(m.payload);
  EXPECT_EQ(message["command"], "train-model");
  ASSERT_TRUE(message["payload"].is_string());
  const auto payload = nlohmann::json::parse(message["payload"].get<std::string>());
  EXPECT_EQ(payload["reason"], "drift");
  EXPECT_EQ(payload["dataset"], "motors");
  EXPECT_EQ(payload["model_version"], model_->info().version);
  EXPECT_EQ(payload["reference"].get<std::string>().size(), 64u);
  EXPECT_EQ(payload["consecutive_windows"], 3);
  EXPECT_EQ(payload["window"], 500);
  EXPECT_EQ(payload["features"]["air_temperature_k"]["drift"], true);
  EXPECT_EQ(payload["features"]["torque_nm"]["drift"], false);
  EXPECT_GT(payload["features"]["air_temperature_k"]["psi"].get<double>(), 0.2);

  feed(20, 600, 1.0);  // 20 more minutes of drift, inside the cool-down
  EXPECT_EQ(publisher_.messages.size(), 1u);
  feed(10, 700, 1.0);  // past 30 minutes since the trigger
  EXPECT_EQ(publisher_.messages.size(), 2u);
  EXPECT_EQ(metric("aiotops_edge_drift_triggers_total"), 2);
}

TEST_F(DriftMonitorTest, TheHookRunsBeforeTrainModelIsPublished) {
  start({.window = 500, .trigger = {.persist_windows = 1, .cooldown = 0ms}});
  std::vector<size_t> published_before;  // messages already published at each call
  monitor_->set_before_request([&] { published_before.push_back(publisher_.messages.size()); });
  feed(2, 250);  // no drift: no call
  EXPECT_TRUE(published_before.empty());
  feed(2, 350, 1.0);
  EXPECT_EQ(published_before, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(publisher_.messages.size(), 2u);
}

TEST_F(DriftMonitorTest, KsThresholdAlsoPutsAWindowOver) {
  start({.window = 1000,
         .psi_threshold = 100,
         .ks_threshold = 0.1,
         .trigger = {.persist_windows = 1, .cooldown = 0ms}});
  feed(1, 800, 1.0);
  EXPECT_EQ(publisher_.messages.size(), 1u);
  EXPECT_GT(metric("aiotops_edge_drift_ks{feature=\"air_temperature_k\"}"), 0.1);
}

TEST_F(DriftMonitorTest, CountingAllocatesNothing) {
  start({.window = 100});
  const auto data = rows(1000, 900);
  lane_->observe(model_, data[0], publisher_);  // the lane maps the model once
  const size_t before = aiotops::testing::thread_allocation_count();
  for (size_t i = 1; i < data.size(); ++i) lane_->observe(model_, data[i], publisher_);
  EXPECT_EQ(aiotops::testing::thread_allocation_count(), before);
  EXPECT_EQ(metric("aiotops_edge_drift_windows_total"), 10);
}

TEST_F(DriftMonitorTest, FollowingTheModelEachModelIsJudgedAgainstItsOwnTrainingData) {
  start({.reference_from_model = true,
         .window = 500,
         .trigger = {.persist_windows = 2, .cooldown = 0ms}});
  const auto before = model_trained_on("motors:3", 0);
  const auto after = model_trained_on("motors:4", 1.0);  // retrained on the drifted fleet
  ASSERT_TRUE(before && after);
  EXPECT_TRUE(monitor_->check_model(before->info()).has_value());
  auto refused = monitor_->check_model(model_->info());  // from a file: no lineage
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("no usable training statistics"), std::string::npos)
      << refused.error().message();

  feed(1, 200, 1.0, 1min, before);
  EXPECT_EQ(metric("aiotops_edge_drift_consecutive_windows"), 1);
  // The retrained model is swapped in: its reference is the drifted data, the count starts over.
  feed(5, 300, 1.0, 1min, after);
  EXPECT_EQ(metric("aiotops_edge_drift_consecutive_windows"), 0);
  EXPECT_EQ(metric("aiotops_edge_drift_windows_over_threshold_total"), 1);
  EXPECT_TRUE(publisher_.messages.empty());
  EXPECT_LT(metric("aiotops_edge_drift_psi{feature=\"air_temperature_k\"}"), 0.1);

  // Back on the first model, the drifted data is drift again; the payload names its lineage.
  feed(2, 400, 1.0, 1min, before);
  ASSERT_EQ(publisher_.messages.size(), 1u);
  const auto message = nlohmann::json::parse(publisher_.messages[0].payload);
  const auto payload = nlohmann::json::parse(message["payload"].get<std::string>());
  EXPECT_EQ(payload["dataset"], "motors");
  EXPECT_EQ(payload["reference_dataset"], "motors:3");
  EXPECT_EQ(payload["features"]["air_temperature_k"]["drift"], true);
  EXPECT_EQ(monitor_->reference_for(before->info()), monitor_->reference_for(before->info()));
}

TEST_F(DriftMonitorTest, RefusesAModelWithoutReferenceFeaturesAndBadOptions) {
  start();
  ModelInfo other;
  other.version = "other:1";
  other.feature_names = {"current", "sound"};
  auto refused = monitor_->check_model(other);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("air_temperature_k"), std::string::npos);
  EXPECT_TRUE(monitor_->check_model(model_->info()).has_value());

  EXPECT_FALSE(check_drift_options({}).has_value());  // no reference
  EXPECT_FALSE(check_drift_options({.reference = "r", .reference_from_model = true}).has_value());
  EXPECT_TRUE(check_drift_options({.reference_from_model = true}).has_value());
  EXPECT_FALSE(check_drift_options({.reference = "r", .window = 5}).has_value());
  EXPECT_FALSE(check_drift_options({.reference = "r", .psi_threshold = 0}).has_value());
  EXPECT_FALSE(check_drift_options({.reference = "r", .ks_threshold = 2}).has_value());
  EXPECT_FALSE(
      check_drift_options({.reference = "r", .trigger = {.persist_windows = 0}}).has_value());
  MetricsRegistry registry;
  auto missing = DriftMonitor::create({.reference = scratch_ / "none.json"}, registry);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiotops::edge
