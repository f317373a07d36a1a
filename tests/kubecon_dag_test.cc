// The talk's DAG (examples/kubecon-aiotdemo-dag.yaml, unchanged) run end to end by `aiotops
// pipeline run` with examples/kubecon-image-map.yaml, against a real `aiotops registry serve` on
// a loopback port, on a simulated fleet: extract, validate, train and quantize run in order as
// built-in steps, and the quantize node leaves fault-model-int8 in production, its lineage naming
// the extracted dataset version, its bytes the ones the registry's SHA-256 describes.

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "common/sha256.h"
#include "support/child_process.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

// Generous: every binary runs under ASan/UBSan on a shared machine.
constexpr auto kTimeout = 300s;
const fs::path kExamples = fs::path(AIOTOPS_SOURCE_DIR) / "examples";
// The site's telemetry directory the example image map names; the test's fleet stands in.
constexpr std::string_view kSiteSource = "/var/lib/aiotops/telemetry";

class KubeconDagTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (registry_) (void)registry_->terminate(30s);
    registry_.reset();
  }

  testing::CliOutcome aiotops(const std::string& arguments) {
    return testing::run_cli(
        fmt::format("env AIOTOPS_REGISTRY_URL={} {}", registry_url_, AIOTOPS_BINARY), arguments,
        scratch_.path(), kTimeout);
  }

  void start_registry() {
    auto child =
        testing::ChildProcess::spawn({AIOTOPS_BINARY, "registry", "serve", "--data-dir",
                                      (scratch_ / "registry").string(), "--listen", "127.0.0.1:0"},
                                     {.output_dir = scratch_, .name = "registry"});
    ASSERT_TRUE(child) << child.error().message();
    registry_ = std::move(*child);
    const auto line = registry_->wait_for_line("registry serving", kTimeout);
    ASSERT_TRUE(line) << registry_->describe();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(http://127\.0\.0\.1:([0-9]+))")))
        << *line;
    registry_port_ = static_cast<uint16_t>(std::stoi(match[1].str()));
    registry_url_ = "http://127.0.0.1:" + match[1].str();
  }

  // GET of a registry path: the body ("" unless 200, failing the test).
  std::string get(const std::string& path) {
    httplib::Client http("127.0.0.1", registry_port_);
    http.set_read_timeout(30);
    auto answer = http.Get(path);
    EXPECT_TRUE(answer) << path;
    if (!answer) return {};
    EXPECT_EQ(answer->status, 200) << path << ": " << answer->body;
    return answer->status == 200 ? answer->body : std::string();
  }
  json record(const std::string& path) { return json::parse(get(path), nullptr, false); }

  testing::ScratchDir scratch_{"kubecon-dag"};
  std::unique_ptr<testing::ChildProcess> registry_;
  uint16_t registry_port_ = 0;
  std::string registry_url_;
};

TEST_F(KubeconDagTest, TheTalksDagPromotesAnInt8ModelWithLineage) {
  // A fleet of 40 motors for 2 hours, every minute, ending now (the map extracts the last day).
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const testing::CliOutcome sim = testing::run_cli(
      AIOTOPS_BINARY,
      fmt::format("sim --devices 40 --duration 2h --interval 60s --seed 5 --fault-rate 1/h "
                  "--start {} --out {}",
                  now - 2 * 3'600'000, (scratch_ / "fleet.csv").string()),
      scratch_, kTimeout);
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  // The telemetry directory holds the readings only (not the sim's fault manifest).
  const fs::path telemetry = scratch_ / "telemetry";
  fs::create_directories(telemetry);
  fs::rename(scratch_ / "fleet.csv", telemetry / "fleet.csv");
  // The example map, with the site's telemetry directory replaced by the fleet's.
  auto map_text = read_file(kExamples / "kubecon-image-map.yaml");
  ASSERT_TRUE(map_text);
  const size_t at = map_text->find(kSiteSource);
  ASSERT_NE(at, std::string::npos);
  map_text->replace(at, kSiteSource.size(), telemetry.string());
  const fs::path image_map = scratch_ / "image-map.yaml";
  ASSERT_TRUE(write_file_atomic(image_map, *map_text));
  ASSERT_NO_FATAL_FAILURE(start_registry());

  const fs::path runs = scratch_ / "runs";
  const testing::CliOutcome run = aiotops(fmt::format(
      "pipeline run {} --image-map {} --state-dir {}",
      (kExamples / "kubecon-aiotdemo-dag.yaml").string(), image_map.string(), runs.string()));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::string run_id = run.out;
  while (!run_id.empty() && std::isspace(static_cast<unsigned char>(run_id.back()))) {
    run_id.pop_back();
  }
  const testing::CliOutcome show =
      aiotops(fmt::format("pipeline show {} --json --state-dir {}", run_id, runs.string()));
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json shown = json::parse(show.out, nullptr, false);
  ASSERT_TRUE(shown.is_object()) << show.out;
  EXPECT_EQ(shown["phase"], "Succeeded") << shown.dump(2);

  // Every step ran, one after the other, in the DAG's order.
  std::vector<std::pair<int64_t, int64_t>> times;  // startedAt, finishedAt (Unix ms)
  for (const char* step : {"extract", "validate", "train", "quantize"}) {
    bool found = false;
    for (const json& node : shown["nodes"]) {
      if (node["displayName"] != step) continue;
      found = true;
      EXPECT_EQ(node["phase"], "Succeeded") << step << ": " << node.dump(2);
      times.emplace_back(node.value("startedAt", int64_t{0}), node.value("finishedAt", int64_t{0}));
    }
    EXPECT_TRUE(found) << step << " did not run: " << shown.dump(2);
  }
  ASSERT_EQ(times.size(), 4u);
  for (size_t i = 1; i < times.size(); ++i) {
    EXPECT_LE(times[i - 1].second, times[i].first) << "step " << i << " started too early";
  }

  // The extracted dataset version, the candidate trained on it, the promoted release.
  const json dataset = record("/api/v1/datasets/motor-telemetry/versions/latest");
  ASSERT_EQ(dataset.value("version", 0), 1) << dataset.dump(2);
  const json int8 = record("/api/v1/models/fault-model-int8/versions/production");
  ASSERT_TRUE(int8.is_object());
  EXPECT_EQ(int8.value("version", 0), 1) << int8.dump(2);
  EXPECT_EQ(int8["format"], "tflite-int8") << int8.dump(2);
  EXPECT_EQ(int8["dataset"]["name"], "motor-telemetry") << int8.dump(2);
  EXPECT_EQ(int8["dataset"]["version"], 1) << int8.dump(2);
  EXPECT_EQ(int8["pipeline_run_id"], run_id) << int8.dump(2);
  EXPECT_EQ(int8["metrics"]["gates"]["quantize"]["passed"], true) << int8.dump(2);
  EXPECT_EQ(int8["metrics"]["gates"]["train"]["passed"], true) << int8.dump(2);
  const json native = record("/api/v1/models/fault-model/versions/production");
  EXPECT_EQ(native["dataset"]["version"], 1) << native.dump(2);
  const json candidate = record("/api/v1/models/fault-model-candidate/versions/latest");
  EXPECT_EQ(candidate["dataset"]["version"], 1) << candidate.dump(2);

  // The .tflite the registry serves is the file its record describes.
  const std::string tflite = get("/api/v1/models/fault-model-int8/versions/1/file");
  ASSERT_FALSE(tflite.empty());
  EXPECT_EQ(sha256_hex(tflite), int8.value("sha256", "")) << int8.dump(2);
}

}  // namespace
}  // namespace aiotops
