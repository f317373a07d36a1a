#include "edge/loaded_model.h"

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "common/sha256.h"
#include "edge/test_models.h"
#include "micro/test_model.h"
#include "support/allocation_counter.h"
#include "support/scratch_dir.h"

namespace aiotops::edge {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

LoadOptions lanes(size_t count) {
  LoadOptions options;
  options.lanes = count;
  return options;
}

LoadOptions max_bytes(size_t bytes) {
  LoadOptions options;
  options.max_file_bytes = bytes;
  return options;
}

std::shared_ptr<const LoadedModel> must_load(std::string_view bytes, std::string_view origin,
                                             const LoadOptions& options = {}) {
  auto model = LoadedModel::from_bytes(bytes, origin, options);
  if (!model) {
    ADD_FAILURE() << model.error().message();
    return nullptr;
  }
  return *model;
}

TEST(LoadedModelTest, NativeModelFile) {
  const ml::Model native = testing::native_model();
  const std::string bytes = testing::native_bytes(native);
  auto model = must_load(bytes, "lr.json", lanes(2));
  ASSERT_TRUE(model);
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.format, ModelFormat::kNative);
  EXPECT_EQ(info.origin, "lr.json");
  EXPECT_EQ(info.sha256, sha256_hex(bytes));
  EXPECT_EQ(info.version, "logistic:20250131T120000Z-" + sha256_hex(bytes).substr(0, 12));
  EXPECT_EQ(info.feature_names, native.metadata().feature_names);
  EXPECT_DOUBLE_EQ(info.threshold, 0.35);
  ASSERT_EQ(info.alert_levels.size(), 3u);
  EXPECT_EQ(info.alert_levels[2].name, "immediate-failure");
  ASSERT_EQ(info.training_ranges.size(), 4u);
  EXPECT_DOUBLE_EQ(info.training_ranges[2].max, 2.5 + 3 * 179.3);
  EXPECT_EQ(model->lanes(), 2u);
  for (const auto& row : testing::rows(20)) {
    for (size_t lane = 0; lane < 2; ++lane) {
      auto score = model->score(lane, row);
      ASSERT_TRUE(score) << score.error().message();
      EXPECT_EQ(*score, native.score(row));
    }
  }
}

TEST(LoadedModelTest, NativeVersionWithoutCreationTime) {
  const std::string bytes = testing::native_bytes(testing::native_model(-3.4, ""));
  auto model = must_load(bytes, "lr.json");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->info().version, "logistic:" + sha256_hex(bytes).substr(0, 12));
}

TEST(LoadedModelTest, FloatTfliteScoresAsTheNativeModel) {
  const ml::Model native = testing::native_model();
  auto model = must_load(testing::float_tflite(native, "3"), "lr.tflite");
  ASSERT_TRUE(model);
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.format, ModelFormat::kTflite);
  EXPECT_EQ(info.version, "motor:3");
  EXPECT_EQ(info.feature_names, native.metadata().feature_names);
  EXPECT_NEAR(info.threshold, 0.35, 1e-7);
  EXPECT_EQ(info.alert_levels.size(), 3u);
  ASSERT_EQ(info.training_ranges.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {  // rounded outward to float32
    EXPECT_LE(info.training_ranges[i].min, native.metadata().training.feature_ranges[i].min);
    EXPECT_GE(info.training_ranges[i].max, native.metadata().training.feature_ranges[i].max);
  }
  for (const auto& row : testing::rows(20)) {
    auto score = model->score(0, row);
    ASSERT_TRUE(score) << score.error().message();
    EXPECT_NEAR(*score, native.score(row), 1e-5);
  }
}

TEST(LoadedModelTest, Int8TfliteWithFloatAndInt8Io) {
  const ml::Model native = testing::native_model();
  for (bool int8_io : {false, true}) {
    auto model = must_load(testing::int8_tflite(native, int8_io), "q.tflite");
    ASSERT_TRUE(model);
    EXPECT_EQ(model->info().version, int8_io ? "motor:int8-io" : "motor:int8");
    double worst = 0;
    for (const auto& row : testing::rows(200)) {
      auto score = model->score(0, row);
      ASSERT_TRUE(score) << score.error().message();
      worst = std::max(worst, std::abs(*score - native.score(row)));
    }
    // int8 quantization error of a calibrated logistic regression: a few output steps.
    EXPECT_LT(worst, 0.05) << "int8_io " << int8_io;
  }
}

TEST(LoadedModelTest, TfliteVersionFallsBackToTheHash) {
  const ml::Model native = testing::native_model();
  const std::string bytes = testing::float_tflite(native, "");
  auto model = must_load(bytes, "lr.tflite");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->info().version, "motor:" + sha256_hex(bytes).substr(0, 12));
}

TEST(LoadedModelTest, LoadsFromAFile) {
  const aiotops::testing::ScratchDir dir("loaded-model-test");
  const auto path = dir / "lr.json";
  ASSERT_TRUE(write_file_atomic(path, testing::native_bytes(testing::native_model())));
  auto model = LoadedModel::load(path, {});
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_EQ((*model)->info().origin, path.string());
  auto small = LoadedModel::load(path, max_bytes(100));
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(small.error().message(), StartsWith(path.string()));
  std::filesystem::remove(path);
  auto missing = LoadedModel::load(path, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

void expect_refused(std::string_view bytes, const LoadOptions& options, ErrorCode code,
                    std::string_view part) {
  auto model = LoadedModel::from_bytes(bytes, "models/new.bin", options);
  ASSERT_FALSE(model) << part;
  EXPECT_EQ(model.error().code(), code) << model.error().message();
  EXPECT_THAT(model.error().message(), StartsWith("models/new.bin: "));
  EXPECT_THAT(model.error().message(), HasSubstr(part));
}

TEST(LoadedModelTest, RefusesModelsThatFailVerificationOrDoNotFit) {
  const ml::Model native = testing::native_model();
  const std::string tflite = testing::float_tflite(native);
  expect_refused(tflite.substr(0, tflite.size() / 2), {}, ErrorCode::kCorrupt,
                 "inference core refuses");
  expect_refused(micro::testing::build_model(micro::testing::float_logistic_regression()), {},
                 ErrorCode::kInvalidArgument, "no 'aiotops' metadata");
  expect_refused("\x01\x02garbage", {}, ErrorCode::kCorrupt, "neither a .tflite file nor");
  nlohmann::json document = ml::model_to_json(native);
  document["scaler"]["scale"][1] = -1.0;
  expect_refused(document.dump(), {}, ErrorCode::kCorrupt, "'scaler.scale[1]'");

  const LoadOptions motor{.available_features = {"current", "temperature", "vibration", "sound"}};
  expect_refused(tflite, motor, ErrorCode::kInvalidArgument,
                 "needs feature 'air_temperature_k', which the service does not read (it reads "
                 "current, temperature, vibration, sound)");
  expect_refused(testing::native_bytes(native), motor, ErrorCode::kInvalidArgument,
                 "needs feature 'air_temperature_k'");
  expect_refused(tflite, max_bytes(64), ErrorCode::kResourceExhausted, "bytes");
  expect_refused(tflite, lanes(0), ErrorCode::kInvalidArgument, "lane");

  // A .tflite file whose alert levels are not ascending.
  auto graph = tflite::lower_to_graph(native);
  ASSERT_TRUE(graph);
  graph->metadata.alert_level_from = {0.0f, 0.9f, 0.8f};
  expect_refused(testing::must(tflite::write_tflite(*graph)), {}, ErrorCode::kInvalidArgument,
                 "alert level 2 ('immediate-failure', from 0.8");
  graph->metadata.alert_level_from = {0.0f, 0.5f, 0.8f};
  graph->metadata.threshold = 1.5f;
  expect_refused(testing::must(tflite::write_tflite(*graph)), {}, ErrorCode::kInvalidArgument,
                 "threshold 1.5 is not in [0, 1]");
}

TEST(LoadedModelTest, AcceptsTheServicesFeaturesInAnyOrderAndLevelsDefault) {
  const ml::Model native = testing::native_model();
  auto graph = tflite::lower_to_graph(native);
  ASSERT_TRUE(graph);
  graph->metadata.alert_level_names.clear();
  graph->metadata.alert_level_from.clear();
  const LoadOptions options{.available_features = {"torque_nm", "rotational_speed_rpm",
                                                   "process_temperature_k", "air_temperature_k",
                                                   "sound"}};
  auto model = must_load(testing::must(tflite::write_tflite(*graph)), "lr.tflite", options);
  ASSERT_TRUE(model);
  ASSERT_EQ(model->info().alert_levels.size(), 3u);
  EXPECT_EQ(model->info().alert_levels[1].name, "potential-failure");
  EXPECT_EQ(model->info().alert_levels[1].from, 0.5);
}

TEST(LoadedModelTest, ScoringRefusesBadLanesAndRows) {
  auto model = must_load(testing::float_tflite(testing::native_model()), "lr.tflite");
  ASSERT_TRUE(model);
  const std::vector<double> short_row(3, 0.0);
  EXPECT_EQ(model->score(0, short_row).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(model->score(1, testing::rows(1)[0]).error().code(), ErrorCode::kInvalidArgument);
}

TEST(LoadedModelTest, LanesScoreConcurrentlyWithoutAllocating) {
  const ml::Model native = testing::native_model();
  const auto rows = testing::rows(200);
  for (const std::string& bytes : {testing::native_bytes(native), testing::float_tflite(native),
                                   testing::int8_tflite(native, true)}) {
    auto model = must_load(bytes, "m", lanes(3));
    ASSERT_TRUE(model);
    std::vector<std::vector<double>> scores(3);
    {
      std::vector<std::jthread> threads;
      for (size_t lane = 0; lane < 3; ++lane) {
        threads.emplace_back([&, lane] {
          for (const auto& row : rows) scores[lane].push_back(model->score(lane, row).value());
        });
      }
    }
    EXPECT_EQ(scores[0], scores[1]);
    EXPECT_EQ(scores[0], scores[2]);
    // Warm (this thread scores once first): scoring allocates nothing.
    ASSERT_TRUE(model->score(0, rows[0]));
    const size_t before = aiotops::testing::allocation_count();
    double sum = 0;
    for (const auto& row : rows) sum += model->score(0, row).value();
    EXPECT_EQ(aiotops::testing::allocation_count(), before) << model->info().version;
    EXPECT_GT(sum, 0);
  }
}

TEST(LoadedModelTest, LevelFor) {
  const auto levels = ml::default_alert_levels();
  EXPECT_EQ(level_for(levels, 0.0).name, "no-fault");
  EXPECT_EQ(level_for(levels, 0.4999).name, "no-fault");
  EXPECT_EQ(level_for(levels, 0.5).name, "potential-failure");
  EXPECT_EQ(level_for(levels, 0.8).name, "immediate-failure");
  EXPECT_EQ(level_for(levels, 1.0).name, "immediate-failure");
  EXPECT_EQ(level_for(levels, -1.0).name, "no-fault");
}

}  // namespace
}  // namespace aiotops::edge
