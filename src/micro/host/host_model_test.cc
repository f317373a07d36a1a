#include "micro/host/host_model.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "micro/test_model.h"
#include "tflite/test_models.h"
#include "tflite/writer.h"

namespace aiotops::micro {
namespace {

TEST(HostModel, ScoresAnExportedModelWithItsMetadata) {
  const ml::Model native = tflite::testing::logistic_model(tflite::testing::kCentered);
  auto bytes = tflite::write_tflite(tflite::testing::float_graph(native));
  ASSERT_TRUE(bytes) << bytes.error().message();
  ASSERT_TRUE(is_tflite(*bytes));
  auto model = HostModel::from_bytes(*bytes, "lr.tflite");
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_EQ(model->input_size(), 4u);
  EXPECT_EQ(model->model_bytes(), bytes->size());
  EXPECT_GT(model->arena_bytes(), 0u);
  ASSERT_TRUE(model->metadata().has_value());
  EXPECT_EQ(model->metadata()->feature_names, native.metadata().feature_names);
  for (const auto& row : tflite::testing::raw_rows(20, tflite::testing::kCentered)) {
    const std::vector<float> features(row.begin(), row.end());
    auto score = model->score(features);
    ASSERT_TRUE(score) << score.error().message();
    EXPECT_NEAR(*score, native.score(row), 1e-6);
  }
  auto wrong = model->score(std::vector<float>(3, 0.0f));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidArgument);
}

// A file with raw int8 input leaves the standardization to its caller: HostModel applies the
// metadata's, so the same raw rows score as with the float-I/O file of the same graph, which
// standardizes inside the model (one input quantum of rounding apart at most).
TEST(HostModel, AppliesTheInputStandardizationOfInt8IoFiles) {
  const ml::Model native = tflite::testing::logistic_model(tflite::testing::kAi4i);
  const tflite::Graph graph = tflite::testing::int8_graph(
      tflite::testing::float_graph(native, tflite::testing::unfolded()), false);
  ASSERT_FALSE(graph.standardize.empty());
  auto float_io = tflite::write_tflite(graph);
  auto int8_io = tflite::write_tflite(graph, {.int8_io = true});
  ASSERT_TRUE(float_io && int8_io);
  auto reference = HostModel::from_bytes(*float_io, "float-io.tflite");
  auto raw_input = HostModel::from_bytes(*int8_io, "int8-io.tflite");
  ASSERT_TRUE(reference && raw_input);
  ASSERT_FALSE(raw_input->metadata()->device_standardize.empty());
  const float output_quantum = graph.output.scale;
  for (const auto& row : tflite::testing::raw_rows(50)) {
    const std::vector<float> features(row.begin(), row.end());
    auto expected = reference->score(features);
    auto actual = raw_input->score(features);
    ASSERT_TRUE(expected && actual);
    EXPECT_NEAR(*actual, *expected, output_quantum * 1.01f);
  }
}

TEST(HostModel, WithoutMetadata) {
  auto model = HostModel::from_bytes(testing::build_model(testing::float_logistic_regression()),
                                     "hand.tflite");
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_FALSE(model->metadata().has_value());
  const float features[] = {3.0f, -2.0f};
  auto score = model->score(features);
  ASSERT_TRUE(score);
  EXPECT_NEAR(*score, 0.893309f, 1e-6);
}

TEST(HostModel, RefusesWhatTheCoreRefusesAndMultiOutputModels) {
  const std::string bytes = testing::build_model(testing::int8_logistic_regression());
  auto truncated = HostModel::from_bytes(bytes.substr(0, bytes.size() / 2), "cut.tflite");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(truncated.error().message().find("cut.tflite"), std::string::npos);
  EXPECT_NE(truncated.error().message().find("truncated or corrupt"), std::string::npos);

  testing::ModelSpec two_outputs = testing::int8_logistic_regression();
  two_outputs.outputs = {4, 6};
  auto multi = HostModel::from_bytes(testing::build_model(two_outputs), "two.tflite");
  ASSERT_FALSE(multi);
  EXPECT_EQ(multi.error().code(), ErrorCode::kInvalidArgument);

  testing::ModelSpec bad_metadata = testing::int8_logistic_regression();
  bad_metadata.metadata = {{"aiotops", "{not json"}};
  auto corrupt = HostModel::from_bytes(testing::build_model(bad_metadata), "meta.tflite");
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code(), ErrorCode::kCorrupt);

  auto missing = HostModel::load(std::filesystem::temp_directory_path() / "no-such-model.tflite");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiotops::micro
