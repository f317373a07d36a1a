// `aiotops extract` as a pipeline step runs it: the real binary on simulator files and an
// annotations file written to a local directory; pushed to a real registry (`aiotops registry
// serve`) with its lineage; listening to an MQTT topic on a real Mosquitto while mosquitto_pub
// publishes; and reading the telemetry log a real `aiotops edge --telemetry-log` wrote. Every
// wait has a deadline; the fixtures stop the broker and the services on every path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "common/sha256.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_broker.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::ChildProcess;
using ::testing::HasSubstr;

// Generous: the binaries run under ASan/UBSan on a shared 2-core machine.
constexpr auto kTimeout = 60s;
// The simulator's default start, 2023-11-14T22:13:20Z.
constexpr int64_t kSimStart = 1'700'000'000'000;
constexpr std::string_view kMaintenance =
    "device,from,to,label,fault_type\n"
    "motor-1,2023-11-14T22:30:00Z,2023-11-14T22:40:00Z,1,bearing-wear\n";

class ExtractCliTest : public ::testing::Test {
 protected:
  testing::CliOutcome aiotops(const std::string& arguments) {
    return testing::run_cli(AIOTOPS_BINARY, arguments, scratch_.path(), 120s);
  }

  // Two motors for an hour at 10 s, written twice: as CSV and as JSON lines (the same readings).
  void simulate() {
    for (const char* name : {"fleet.csv", "fleet.jsonl"}) {
      const testing::CliOutcome o =
          aiotops(fmt::format("sim --devices 2 --duration 1h --interval 10s --seed 3 --out {}",
                              (scratch_ / name).string()));
      ASSERT_EQ(o.exit_code, 0) << o.err;
    }
    ASSERT_TRUE(write_file_atomic(scratch_ / "maintenance.csv", kMaintenance));
  }

  std::string sim_arguments() const {
    return fmt::format(
        "--source {} --source {} --from 2023-11-14T22:20:00Z --to 2023-11-14T23:00:00Z "
        "--annotations {}",
        (scratch_ / "fleet.csv").string(), (scratch_ / "fleet.jsonl").string(),
        (scratch_ / "maintenance.csv").string());
  }

  json summary(const testing::CliOutcome& o) {
    EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
    json parsed = json::parse(o.out, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << o.out;
    return parsed.is_object() ? parsed : json::object();
  }

  // Runs a shell command (a mosquitto_pub reading a file) and waits for it to succeed.
  void shell(const std::string& command) {
    auto child = ChildProcess::spawn({"sh", "-c", command});
    ASSERT_TRUE(child) << child.error().message();
    auto status = (*child)->wait(kTimeout);
    ASSERT_TRUE(status && status->ok()) << (*child)->describe();
  }

  // Publishes every line of `lines` as one message at QoS 1.
  void publish_lines(const testing::MosquittoBroker& broker, const std::string& topic,
                     const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    const fs::path file = scratch_ / "messages.txt";
    ASSERT_TRUE(write_file_atomic(file, text));
    shell(fmt::format("mosquitto_pub -h 127.0.0.1 -p {} -q 1 -t {} -l < {}", broker.port(), topic,
                      file.string()));
  }

  testing::ScratchDir scratch_{"extract-cli"};
};

// A reading in the reference's shape, numbered by its current.
std::string reading(std::string_view device, std::optional<int64_t> timestamp, int n) {
  const std::string stamp = timestamp ? fmt::format(R"("timeStamp":{},)", *timestamp) : "";
  return fmt::format(R"({{"deviceID":"{}",{}"current":{}.50,"temperature":36.60,)"
                     R"("vibration":1235.90,"sound":150.60,"fft_data":"true"}})",
                     device, stamp, 180 + n);
}

TEST_F(ExtractCliTest, SimulatorFilesAndAnnotationsToALocalDirectory) {
  ASSERT_NO_FATAL_FAILURE(simulate());
  const fs::path out = scratch_ / "out";
  const json s =
      summary(aiotops(fmt::format("extract {} --out {} --json", sim_arguments(), out.string())));
  // 40 minutes of two motors at 10 s, each reading in both files.
  EXPECT_EQ(s["rows"], 480);
  EXPECT_EQ(s["devices"], 2);
  EXPECT_EQ(s["duplicates"], 480);
  EXPECT_EQ(s["conflicting_duplicates"], 0);
  EXPECT_EQ(s["rows_read"], 2 * 720);
  EXPECT_EQ(s["dataset_ref"], (out / "dataset.csv").string());
  EXPECT_EQ(s["dataset_version"], 0);
  EXPECT_DOUBLE_EQ(s["positive_rate"].get<double>(), 60.0 / 480);

  const std::string csv = read_file(out / "dataset.csv").value_or("");
  ASSERT_THAT(csv,
              ::testing::StartsWith(
                  "deviceID,timeStamp,current,temperature,vibration,sound,label,fault_type\n"));
  // Sorted by device, then time; the annotated interval [22:30, 22:40) labelled.
  const int64_t from = kSimStart + 400'000;  // 22:20:00
  EXPECT_THAT(csv, HasSubstr(fmt::format("\nmotor-1,{},", from)));
  EXPECT_LT(csv.find("\nmotor-1,"), csv.find("\nmotor-2,"));
  const int64_t onset = from + 600'000;  // 22:30:00, inclusive
  const size_t at = csv.find(fmt::format("\nmotor-1,{},", onset));
  ASSERT_NE(at, std::string::npos);
  EXPECT_THAT(csv.substr(at, csv.find('\n', at + 1) - at), HasSubstr(",1,bearing-wear"));
  const size_t end = csv.find(fmt::format("\nmotor-1,{},", onset + 600'000));  // 22:40, exclusive
  ASSERT_NE(end, std::string::npos);
  EXPECT_THAT(csv.substr(end, csv.find('\n', end + 1) - end), HasSubstr(",0,none"));

  const json stats = json::parse(read_file(out / "stats.json").value_or("{}"), nullptr, false);
  EXPECT_EQ(stats["rows"], 480);
  const json lineage = json::parse(read_file(out / "lineage.json").value_or("{}"), nullptr, false);
  EXPECT_EQ(lineage["labels"]["annotations_sha256"], sha256_hex(kMaintenance));
  EXPECT_EQ(lineage["window"]["from"]["utc"], "2023-11-14T22:20:00.000Z");
  EXPECT_EQ(lineage["devices"], json({"motor-1", "motor-2"}));
  EXPECT_EQ(lineage["content_hash"], stats["content_hash"]);
}

TEST_F(ExtractCliTest, BadInputIsReportedWithFileAndLine) {
  const fs::path bad = scratch_ / "bad.csv";
  ASSERT_TRUE(write_file_atomic(bad,
                                "deviceID,timeStamp,current,temperature,vibration,sound\n"
                                "m1,1000,1,2,3,4\nm1,2000,1,x,3,4\n"));
  const std::string out = (scratch_ / "o.csv").string();
  const testing::CliOutcome refused =
      aiotops(fmt::format("extract --source {} --out {}", bad.string(), out));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr(bad.string() + ":3:"));
  EXPECT_FALSE(fs::exists(out));

  const json s = summary(aiotops(
      fmt::format("extract --source {} --skip-bad-rows --out {} --json", bad.string(), out)));
  EXPECT_EQ(s["rows"], 1);
  EXPECT_EQ(s["rows_skipped"], 1);
  EXPECT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::exists(out + ".stats.json"));
  EXPECT_TRUE(fs::exists(out + ".lineage.json"));

  const testing::CliOutcome empty =
      aiotops(fmt::format("extract --source {} --skip-bad-rows --from 5000 --out {}/e.csv",
                          bad.string(), scratch_.path().string()));
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("no readings in the window"));
  const json allowed = summary(aiotops(fmt::format(
      "extract --source {} --skip-bad-rows --from 5000 --allow-empty --out {}/e.csv --json",
      bad.string(), scratch_.path().string())));
  EXPECT_EQ(allowed["rows"], 0);
  EXPECT_EQ(allowed["dataset_ref"], "");
  EXPECT_FALSE(fs::exists(scratch_ / "e.csv"));

  const testing::CliOutcome overlap = aiotops(fmt::format(
      "extract --source {} --skip-bad-rows --from 10 --last 1h --out {}", bad.string(), out));
  EXPECT_EQ(overlap.exit_code, 2);
}

TEST_F(ExtractCliTest, PushesAVersionToTheRegistryWithItsLineage) {
  ASSERT_NO_FATAL_FAILURE(simulate());
  auto server = ChildProcess::spawn(
      {AIOTOPS_BINARY, "registry", "serve", "--data-dir", (scratch_ / "registry").string(),
       "--listen", "127.0.0.1:0", "--threads", "4"},
      {.output_dir = scratch_.path(), .name = "registry"});
  ASSERT_TRUE(server) << server.error().message();
  const auto line = (*server)->wait_for_line("registry serving", kTimeout);
  ASSERT_TRUE(line) << (*server)->describe();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(http://127\.0\.0\.1:([0-9]+))")));
  const std::string url = match[0].str();

  for (int version = 1; version <= 2; ++version) {
    const json s = summary(
        aiotops(fmt::format("extract {} --out registry:motors --registry {} --run-id run-7 --json",
                            sim_arguments(), url)));
    EXPECT_EQ(s["dataset"], "motors");
    EXPECT_EQ(s["dataset_version"], version);
    EXPECT_EQ(s["dataset_ref"], fmt::format("registry:motors@{}", version));
    EXPECT_EQ(s["rows"], 480);
  }
  httplib::Client http("127.0.0.1", std::stoi(match[1].str()));
  auto answer = http.Get("/api/v1/datasets/motors/versions/2");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  const json record = json::parse(answer->body);
  EXPECT_THAT(record["lineage"]["source"].get<std::string>(),
              HasSubstr("aiotops extract: file " + (scratch_ / "fleet.csv").string()));
  EXPECT_EQ(record["lineage"]["pipeline_run_id"], "run-7");
  const json& lineage = record["metadata"];
  EXPECT_EQ(lineage["labels"]["annotations_sha256"], sha256_hex(kMaintenance));
  EXPECT_EQ(lineage["window"]["to"]["utc"], "2023-11-14T23:00:00.000Z");
  EXPECT_EQ(lineage["rows"], 480);
  EXPECT_EQ(lineage["duplicates"], 480);
  EXPECT_EQ(lineage["sources"].size(), 2u);
  EXPECT_EQ(lineage["content_hash"], record["content_hash"]);
  EXPECT_EQ(record["stats"]["rows"], 480);

  const testing::CliOutcome down = aiotops(fmt::format(
      "extract {} --out registry:motors --registry http://127.0.0.1:1", sim_arguments()));
  EXPECT_EQ(down.exit_code, 1) << down.err;
  auto stopped = (*server)->terminate(kTimeout);
  EXPECT_TRUE(stopped && stopped->ok()) << (*server)->describe();
}

TEST_F(ExtractCliTest, ListensToAnMqttTopicForAWhile) {
  auto broker = testing::MosquittoBroker::launch();
  ASSERT_TRUE(broker) << broker.error().message();
  const fs::path out = scratch_ / "mqtt.csv";
  auto extract = ChildProcess::spawn(
      {AIOTOPS_BINARY, "extract", "--mqtt", (*broker)->url(), "--topic", "plant/+/telemetry",
       "--duration", "60s", "--max-messages", "5", "--out", out.string(), "--json"},
      {.output_dir = scratch_.path(), .name = "extract"});
  ASSERT_TRUE(extract) << extract.error().message();
  ASSERT_TRUE((*extract)->wait_for_line("extract: subscribed", kTimeout)) << (*extract)->describe();
  // Three readings with timestamps, one of them twice (a QoS 1 redelivery), and one without a
  // timestamp (it gets the time of receipt).
  publish_lines(**broker, "plant/line-1/telemetry",
                {reading("m1", 1000, 1), reading("m1", 2000, 2), reading("m2", 1000, 3),
                 reading("m1", 2000, 2), reading("m2", std::nullopt, 4)});
  auto status = (*extract)->wait(kTimeout);
  ASSERT_TRUE(status && status->ok()) << (*extract)->describe();
  const json s = json::parse((*extract)->out(), nullptr, false);
  ASSERT_TRUE(s.is_object()) << (*extract)->describe();
  EXPECT_EQ(s["rows_read"], 5);
  EXPECT_EQ(s["rows"], 4);
  EXPECT_EQ(s["duplicates"], 1);
  EXPECT_EQ(s["devices"], 2);
  EXPECT_EQ(s["lineage"]["sources"][0]["kind"], "mqtt");
  const std::string csv = read_file(out).value_or("");
  EXPECT_THAT(csv, HasSubstr("\nm1,1000,181.500000,"));
  EXPECT_THAT(csv, HasSubstr("\nm2,1000,183.500000,"));

  const testing::CliOutcome unreachable = aiotops(fmt::format(
      "extract --mqtt mqtt://127.0.0.1:1 --topic t --duration 1s --out {}", out.string()));
  EXPECT_NE(unreachable.exit_code, 0);
}

TEST_F(ExtractCliTest, ReadsTheTelemetryLogOfARealEdgeService) {
  auto broker = testing::MosquittoBroker::launch();
  ASSERT_TRUE(broker) << broker.error().message();
  const fs::path log = scratch_ / "telemetry-log";
  auto edge = ChildProcess::spawn(
      {AIOTOPS_BINARY, "edge", "--broker", (*broker)->url(), "--model",
       (fs::path(EDGE_SERVICE_MODELS) / "a.json").string(), "--qos", "1", "--range-factor", "0",
       "--status-listen", "127.0.0.1:0", "--telemetry-log", log.string()},
      {.output_dir = scratch_.path(), .name = "edge"});
  ASSERT_TRUE(edge) << edge.error().message();
  const auto status_line = (*edge)->wait_for_line("status endpoint on http://", kTimeout);
  ASSERT_TRUE(status_line) << (*edge)->describe();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(*status_line, match, std::regex(R"(http://[^\s/]+:(\d+))")));
  const int port = std::stoi(match[1].str());
  ASSERT_TRUE((*edge)->wait_for_line("telemetry connection ready", kTimeout))
      << (*edge)->describe();

  // Timestamps of now, one millisecond apart: readings without one would take their time of
  // receipt, which a burst shares.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<std::string> lines;
  for (int i = 0; i < 20; ++i) lines.push_back(reading(fmt::format("m{}", i % 3), now + i, i));
  lines.push_back(R"({"deviceID":"m1","current":"abc"})");  // a dead letter, not logged
  publish_lines(**broker, "shaded-pole-motor-sensor_data", lines);
  httplib::Client http("127.0.0.1", port);
  ASSERT_TRUE(testing::eventually(
      [&] {
        auto metrics = http.Get("/metrics");
        return metrics &&
               metrics->body.find("aiotops_edge_results_published_total 20") != std::string::npos;
      },
      kTimeout))
      << (*edge)->describe();
  auto stopped = (*edge)->terminate(kTimeout);
  ASSERT_TRUE(stopped && stopped->ok()) << (*edge)->describe();

  const json s = summary(aiotops(fmt::format("extract --source {} --last 2h --out {} --json",
                                             log.string(), (scratch_ / "from-log").string())));
  EXPECT_EQ(s["rows"], 20);
  EXPECT_EQ(s["duplicates"], 0);
  EXPECT_EQ(s["devices"], 3);
  EXPECT_EQ(s["labelled"], false);
  EXPECT_EQ(s["lineage"]["sources"][0]["kind"], "telemetry-log");
  // A window before any reading opens no hour file and finds nothing.
  const testing::CliOutcome before =
      aiotops(fmt::format("extract --source {} --to 2020-01-01T00:00:00Z --out {}", log.string(),
                          (scratch_ / "none").string()));
  EXPECT_EQ(before.exit_code, 2);
  EXPECT_THAT(before.err, HasSubstr("no readings in the window (0 read"));
}

}  // namespace
}  // namespace aiotops
