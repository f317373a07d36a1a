#include "quant/qmodel.h"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "quant/calibration.h"
#include "quant/graph_json.h"
#include "quant/test_graphs.h"
#include "support/scratch_dir.h"

namespace aiotops::quant {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

tflite::Graph quantized_graph(bool per_channel) {
  tflite::Graph graph = testing::two_layer_graph();
  graph.metadata.model_version = "7";
  graph.metadata.alert_level_names = {"no-fault", "potential-failure"};
  graph.metadata.alert_level_from = {0.0f, 0.6f};
  graph.metadata.dataset_sha256 = std::string(64, 'a');
  graph.standardize = {{0.1f, -0.2f}, {1.5f, 0.3f}};
  auto calibration = calibrate(graph, std::vector<double>{1, 0, 0, 2, -1, 1, 0.3, 0.7}, {});
  auto q = quantize_graph(graph, *calibration, {.per_channel = per_channel});
  if (!q) ADD_FAILURE() << q.error().message();
  return *q;
}

void expect_same_graph(const tflite::Graph& a, const tflite::Graph& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.inputs, b.inputs);
  EXPECT_EQ(a.standardize.mean, b.standardize.mean);
  EXPECT_EQ(a.standardize.scale, b.standardize.scale);
  EXPECT_EQ(a.input.scale, b.input.scale);  // bit-exact, not approximately
  EXPECT_EQ(a.input.zero_point, b.input.zero_point);
  EXPECT_EQ(a.output.scale, b.output.scale);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t l = 0; l < a.layers.size(); ++l) {
    EXPECT_EQ(a.layers[l].inputs, b.layers[l].inputs);
    EXPECT_EQ(a.layers[l].outputs, b.layers[l].outputs);
    EXPECT_EQ(a.layers[l].activation, b.layers[l].activation);
    EXPECT_EQ(a.layers[l].weights_q, b.layers[l].weights_q);
    EXPECT_EQ(a.layers[l].weight_scales, b.layers[l].weight_scales);
    EXPECT_EQ(a.layers[l].bias_q, b.layers[l].bias_q);
    EXPECT_EQ(a.layers[l].output.scale, b.layers[l].output.scale);
    EXPECT_EQ(a.layers[l].output.zero_point, b.layers[l].output.zero_point);
  }
  EXPECT_EQ(a.metadata.model_name, b.metadata.model_name);
  EXPECT_EQ(a.metadata.model_version, b.metadata.model_version);
  EXPECT_EQ(a.metadata.feature_names, b.metadata.feature_names);
  EXPECT_EQ(a.metadata.threshold, b.metadata.threshold);
  EXPECT_EQ(a.metadata.alert_level_names, b.metadata.alert_level_names);
  EXPECT_EQ(a.metadata.alert_level_from, b.metadata.alert_level_from);
  EXPECT_EQ(a.metadata.dataset_sha256, b.metadata.dataset_sha256);
}

class QModelFileTest : public ::testing::Test {
 protected:
  QModel sample(bool per_channel = true) {
    QModel q;
    q.graph = quantized_graph(per_channel);
    q.options.per_channel = per_channel;
    q.source = {{"kind", "mlp"}, {"file_sha256", std::string(64, 'b')}};
    q.calibration = {{"method", "minmax"}, {"rows", 4}};
    q.report = {{"selected", {{"model_bytes", 600}}}};
    return q;
  }

  // Writes the sample with `edit` applied to its JSON and returns the load error.
  Error corrupted(const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json document = qmodel_to_json(sample());
    edit(document);
    const fs::path path = dir_ / "bad.qmodel";
    EXPECT_TRUE(write_file_atomic(path, document.dump()).has_value());
    auto loaded = read_qmodel(path);
    EXPECT_FALSE(loaded.has_value());
    return loaded ? Error(ErrorCode::kInternal, "loaded") : loaded.error();
  }

  aiotops::testing::ScratchDir dir_{"qmodel-test"};
};

TEST_F(QModelFileTest, RoundTripsBitExactly) {
  for (bool per_channel : {false, true}) {
    const QModel original = sample(per_channel);
    const fs::path path = dir_ / "model.qmodel";
    ASSERT_TRUE(save_qmodel(original, path).has_value());
    auto loaded = read_qmodel(path);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    expect_same_graph(original.graph, loaded->graph);
    EXPECT_EQ(loaded->options.per_channel, per_channel);
    EXPECT_EQ(loaded->options.weights, WeightMode::kInt8);
    EXPECT_EQ(loaded->source, original.source);
    EXPECT_EQ(loaded->calibration, original.calibration);
    EXPECT_EQ(loaded->report, original.report);
    auto graph = load_qmodel(path);
    ASSERT_TRUE(graph.has_value()) << graph.error().message();
    expect_same_graph(original.graph, *graph);
    EXPECT_EQ(is_qmodel_file(path).value(), true);
  }
}

TEST_F(QModelFileTest, TellsQModelsFromOtherFiles) {
  ASSERT_TRUE(write_file_atomic(dir_ / "model.json", R"({"format":"aiotops-model"})").has_value());
  ASSERT_TRUE(write_file_atomic(dir_ / "junk", "\x01\x02 not json").has_value());
  EXPECT_EQ(is_qmodel_file(dir_ / "model.json").value(), false);
  EXPECT_EQ(is_qmodel_file(dir_ / "junk").value(), false);
  EXPECT_EQ(is_qmodel_file(dir_ / "absent").error().code(), ErrorCode::kNotFound);
}

TEST_F(QModelFileTest, MissingFileIsNotFound) {
  auto missing = read_qmodel(dir_ / "absent.qmodel");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(QModelFileTest, TruncatedFileIsCorruptAndNamesThePath) {
  const std::string text = qmodel_to_json(sample()).dump();
  ASSERT_TRUE(write_file_atomic(dir_ / "cut.qmodel", text.substr(0, text.size() / 2)).has_value());
  auto loaded = read_qmodel(dir_ / "cut.qmodel");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(loaded.error().message(), HasSubstr("cut.qmodel"));
}

TEST_F(QModelFileTest, CorruptFieldsAreNamed) {
  using J = nlohmann::json;
  struct Case {
    std::function<void(J&)> edit;
    std::string field;
  };
  const std::vector<Case> cases{
      {[](J& d) { d["format"] = "aiotops-model"; }, "format"},
      {[](J& d) { d["format_version"] = 2; }, "format_version"},
      {[](J& d) { d.erase("report"); }, "report"},
      {[](J& d) { d["quantization"]["weights"] = "int4"; }, "quantization.weights"},
      {[](J& d) { d["quantization"].erase("per_channel"); }, "quantization.per_channel"},
      {[](J& d) { d["graph"]["type"] = "float32"; }, "graph.type"},
      {[](J& d) { d["graph"]["inputs"] = -2; }, "graph.inputs"},
      {[](J& d) { d["graph"]["input"]["scale"] = "big"; }, "graph.input.scale"},
      {[](J& d) { d["graph"]["input"]["zero_point"] = 300; }, "graph.input.zero_point"},
      {[](J& d) { d["graph"]["layers"] = J::array(); }, "graph.layers"},
      {[](J& d) { d["graph"]["layers"][1]["weights"][0] = -128; }, "graph.layers[1].weights[0]"},
      {[](J& d) { d["graph"]["layers"][1]["weights"][1] = 0.5; }, "graph.layers[1].weights[1]"},
      {[](J& d) { d["graph"]["layers"][0]["weights"].erase(0); }, "graph.layers[0].weights"},
      {[](J& d) { d["graph"]["layers"][0]["bias"][1] = 5e9; }, "graph.layers[0].bias[1]"},
      {[](J& d) { d["graph"]["layers"][0]["activation"] = "tanh"; }, "graph.layers[0].activation"},
      {[](J& d) { d["graph"]["layers"][0]["outputs"] = 3; }, "graph.layers[0].weights"},
      {[](J& d) { d["graph"]["layers"][1]["weight_scales"][0] = -1.0; }, "weight_scales"},
      {[](J& d) { d["graph"]["layers"][0]["output"]["scale"] = 1e300; },
       "graph.layers[0].output.scale"},
      {[](J& d) { d["graph"]["output"]["zero_point"] = 0; }, "output"},
      {[](J& d) { d["graph"]["standardize"]["scale"] = {1.0}; }, "standardize"},
      {[](J& d) { d["graph"]["standardize"]["mean"][0] = "x"; }, "graph.standardize.mean[0]"},
      {[](J& d) { d["graph"]["metadata"].erase("features"); }, "graph.metadata"},
  };
  for (const Case& c : cases) {
    const Error error = corrupted(c.edit);
    EXPECT_EQ(error.code(), ErrorCode::kCorrupt) << c.field << ": " << error.message();
    EXPECT_THAT(error.message(), HasSubstr(c.field));
    EXPECT_THAT(error.message(), HasSubstr("bad.qmodel"));
  }
}

}  // namespace
}  // namespace aiotops::quant
