// `aiotops publish` against a real registry (served in this process on a free loopback port):
// the trained model, its float and int8 .tflite files and the C header land as versions with
// their lineage, staging moves (and production with --promote), the edge's way of fetching
// NAME-int8@production gives the int8 .tflite, a refused gate publishes nothing, and
// `aiotops train --baseline registry:NAME@production` is judged against the promoted model.

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "registry/client.h"
#include "registry_test_fixture.h"
#include "tflite/reader.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using json = nlohmann::json;

const std::string kFeatures =
    "'Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear "
    "[min]'";

class PublishCliTest : public testing::RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    start();
    add_dataset("fleet");
  }

  testing::CliOutcome cli(const std::string& arguments) {
    return testing::run_cli(AIOTOPS_BINARY, arguments, dir_, std::chrono::seconds(300));
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string data() {
    return (fs::path(AIOTOPS_SHARED_DATA_DIR) / "ai4i2020.csv").string();
  }

  void add_dataset(const std::string& name) {
    auto http = client();
    auto result = upload(*http, "/api/v1/datasets/" + name, std::string(testing::kLabelledCsv),
                         name + ".csv", "");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 201) << result->body;
  }

  // Trains (with a train report), quantizes (with a quantize report) into `stem`.*.
  void train_and_quantize(const std::string& stem, const std::string& extra = {}) {
    const testing::CliOutcome train = cli(fmt::format(
        "train --data {} --features {} --label 'Machine failure' --model logistic --seed 1 "
        "--test-fraction 0.3 --quiet --out {} --report {} --registry {} {}",
        data(), kFeatures, path(stem + ".json"), path(stem + ".train.json"), url(), extra));
    ASSERT_EQ(train.exit_code, 0) << train.err;
    const testing::CliOutcome quantize = cli(fmt::format(
        "quantize --model {} --calibration {} --out {} --report {} --target esp32",
        path(stem + ".json"), data(), path(stem + ".qmodel"), path(stem + ".quantize.json")));
    ASSERT_EQ(quantize.exit_code, 0) << quantize.err;
  }

  json publish(const std::string& stem, const std::string& extra) {
    const testing::CliOutcome o = cli(fmt::format(
        "publish --model {} --qmodel {} --name motor --dataset registry:fleet@1 --target esp32 "
        "--train-report {} --quantize-report {} --registry {} --json {}",
        path(stem + ".json"), path(stem + ".qmodel"), path(stem + ".train.json"),
        path(stem + ".quantize.json"), url(), extra));
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return json::parse(o.out, nullptr, false);
  }

  json list(const std::string& name) {
    const testing::CliOutcome o =
        cli(fmt::format("registry list model {} --json --url {}", name, url()));
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return json::parse(o.out, nullptr, false);
  }

  static int64_t alias(const json& listing, const std::string& name) {
    for (const json& a : listing["aliases"]) {
      if (a["alias"] == name) return a["version"].get<int64_t>();
    }
    return 0;
  }
};

TEST_F(PublishCliTest, RegistersEveryFileWithLineageAndMovesStaging) {
  // The first model of a name: its registry baseline does not exist yet, so no gate.
  train_and_quantize("a", "--baseline registry:motor@production");
  setenv("AIOTOPS_RUN_ID", "run-17", 1);
  const json out = publish("a", "");
  unsetenv("AIOTOPS_RUN_ID");
  EXPECT_EQ(out["model"], "motor");
  EXPECT_EQ(out["model_version"], 1);
  EXPECT_EQ(out["float_version"], 1);
  EXPECT_EQ(out["int8_model"], "motor-int8");
  EXPECT_EQ(out["int8_version"], 1);
  EXPECT_EQ(out["c_array_version"], 1);
  EXPECT_EQ(out["promoted"], false);
  EXPECT_EQ(out["aliases"], "staging");
  EXPECT_EQ(out["run_id"], "run-17");
  EXPECT_TRUE(out["parent_version"].is_null());
  EXPECT_GT(out["arena_bytes"].get<int64_t>(), 0);

  const json native = list("motor");
  ASSERT_EQ(native["versions"].size(), 1u);
  const json& v1 = native["versions"][0];
  EXPECT_EQ(v1["format"], "native");
  EXPECT_EQ(v1["dataset"], json({{"name", "fleet"}, {"version", 1}}));
  EXPECT_EQ(v1["pipeline_run_id"], "run-17");
  EXPECT_EQ(v1["target_classes"], json::array({"esp32"}));
  EXPECT_TRUE(v1["metrics"]["test"]["roc_auc"].is_number());
  EXPECT_EQ(v1["metrics"]["gates"]["train"]["checked"], false);
  EXPECT_THAT(v1["metrics"]["gates"]["train"]["note"].get<std::string>(), HasSubstr("no baseline"));
  EXPECT_EQ(v1["metrics"]["gates"]["quantize"]["target"], "esp32");
  EXPECT_EQ(alias(native, "staging"), 1);
  EXPECT_EQ(alias(native, "production"), 0);

  const json int8 = list("motor-int8");
  const json& i1 = int8["versions"][0];
  EXPECT_EQ(i1["format"], "tflite-int8");
  EXPECT_EQ(i1["parent"], json({{"name", "motor"}, {"version", 1}}));
  EXPECT_EQ(i1["dataset"], json({{"name", "fleet"}, {"version", 1}}));
  EXPECT_EQ(i1["arena_bytes"], out["arena_bytes"]);
  EXPECT_TRUE(i1["metrics"]["quantization"]["agreement"].is_object());
  EXPECT_EQ(alias(int8, "staging"), 1);
  EXPECT_EQ(list("motor-float")["versions"][0]["format"], "tflite-float");
  const json c_array = list("motor-c")["versions"][0];
  EXPECT_EQ(c_array["format"], "c-array");
  EXPECT_EQ(c_array["parent"], json({{"name", "motor-int8"}, {"version", 1}}));
}

TEST_F(PublishCliTest, PromoteMovesProductionAndTheEdgeFetchesTheInt8Model) {
  train_and_quantize("a");
  const json first = publish("a", "--promote");
  EXPECT_EQ(first["promoted"], true);
  EXPECT_EQ(first["aliases"], "staging,production");
  // A second release, not promoted: its parent is the production version.
  train_and_quantize("b", "--baseline registry:motor@production");
  const json b_report = json::parse(read_file(path("b.train.json")).value_or("null"));
  EXPECT_EQ(b_report["gate"]["checked"], true);
  EXPECT_EQ(b_report["gate"]["baseline_version"], 1);
  const json second = publish("b", "");
  EXPECT_EQ(second["model_version"], 2);
  EXPECT_EQ(second["parent_version"], 1);
  const json native = list("motor");
  EXPECT_EQ(native["versions"][1]["parent"], json({{"name", "motor"}, {"version", 1}}));
  EXPECT_EQ(alias(native, "production"), 1);
  EXPECT_EQ(alias(native, "staging"), 2);
  EXPECT_EQ(alias(list("motor-int8"), "production"), 1);

  // As `aiotops edge --registry-model motor-int8@production` fetches it.
  registry::ClientOptions options;
  options.url = url();
  auto client = registry::RegistryClient::create(options);
  ASSERT_TRUE(client) << client.error().message();
  auto fetched = (*client)->fetch_model("motor-int8", "production", 1 << 20);
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_EQ(fetched->version, 1);
  auto summary = tflite::read_tflite(fetched->bytes);
  ASSERT_TRUE(summary) << summary.error().message();
  ASSERT_TRUE(summary->aiotops.has_value());
  EXPECT_EQ(summary->aiotops->model_name, "motor-int8");
  EXPECT_EQ(summary->aiotops->model_version, "1");
  bool int8_weights = false;
  for (const tflite::TensorSummary& t : summary->tensors) {
    int8_weights |= t.is_constant() && t.type == ::tflite::TensorType::INT8;
  }
  EXPECT_TRUE(int8_weights);
}

TEST_F(PublishCliTest, ARefusedGateOrAForeignQModelPublishesNothing) {
  train_and_quantize("a");
  json report = json::parse(read_file(path("a.quantize.json")).value_or("null"));
  report["gate"]["passed"] = false;
  report["gate"]["reasons"] = {"the tensor arena needs 30000 bytes, over the esp32 budget"};
  ASSERT_TRUE(write_file_atomic(path("refused.json"), report.dump()).has_value());
  const testing::CliOutcome refused = cli(
      fmt::format("publish --model {} --qmodel {} --name motor --quantize-report {} --registry {}",
                  path("a.json"), path("a.qmodel"), path("refused.json"), url()));
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_THAT(refused.err, HasSubstr("over the esp32 budget"));

  train_and_quantize("b", "--validation-fraction 0.2");
  const testing::CliOutcome foreign =
      cli(fmt::format("publish --model {} --qmodel {} --name motor --registry {}", path("b.json"),
                      path("a.qmodel"), url()));
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_THAT(foreign.err, HasSubstr("was not quantized from --model"));
  const testing::CliOutcome listing =
      cli(fmt::format("registry list model --json --url {}", url()));
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  EXPECT_TRUE(json::parse(listing.out)["models"].empty());
}

}  // namespace
}  // namespace aiotops
