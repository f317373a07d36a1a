// `aiotops edge --registry URL --registry-model motor@production`: the real binary following a
// model alias in a real registry (the registry's HTTP server and store in this process, on a
// free loopback port, with tokens on) while it scores telemetry from a real Mosquitto broker.
// The service starts on the alias's version; a move of the alias under load switches the results
// to the new version with every reading scored exactly once; a move made while the registry is
// down is found after the event stream reconnects; a tampered blob and a manifest signed by
// another key are refused, counted in /metrics, and the old model keeps serving; a model whose
// lineage names no training data serves with the drift monitor paused.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/sha256.h"
#include "edge_swap_check.h"
#include "registry/signing.h"
#include "registry_test_fixture.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_broker.h"
#include "support/mqtt_test_client.h"
#include "support/scratch_dir.h"
#include "transport/mqtt_client.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::ChildProcess;
using ::testing::HasSubstr;
using transport::MqttClient;

// Generous: the service runs under ASan/UBSan on a shared 2-core machine.
constexpr auto kTimeout = 30s;
constexpr std::string_view kTelemetryTopic = "shaded-pole-motor-sensor_data";
constexpr std::string_view kModel = "motor";

template <typename Predicate>
bool eventually(Predicate predicate) {
  return testing::eventually(predicate, kTimeout);
}

// A healthy reading from `device`, numbered by its timeStamp.
std::string reading(std::string_view device, int64_t sequence) {
  return fmt::format(R"({{"deviceID":"{}","timeStamp":{},"current":{:.2f},"temperature":36.6,)"
                     R"("vibration":1235.9,"sound":150.6}})",
                     device, sequence, 200.0 + static_cast<double>(sequence % 40));
}

// Results by reading number: the model versions each reading was scored with.
class Results {
 public:
  MqttClient::MessageHandler handler() {
    return [this](const transport::IncomingMessage& message) {
      const json body = json::parse(message.payload, nullptr, false);
      if (!body.is_object()) return;
      std::lock_guard lock(mutex_);
      by_sequence_[body.value("timeStamp", int64_t{-1})].push_back(body.value("model_version", ""));
      ++count_;
      changed_.notify_all();
    };
  }
  bool wait_for(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kTimeout, [&] { return count_ >= n; });
  }
  // The version that scored reading `sequence`, once it arrived.
  std::optional<std::string> version_of(int64_t sequence) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kTimeout, [&] { return by_sequence_.contains(sequence); });
    const auto at = by_sequence_.find(sequence);
    return at == by_sequence_.end() ? std::nullopt : std::optional(at->second.front());
  }
  std::map<int64_t, std::vector<std::string>> snapshot() const {
    std::lock_guard lock(mutex_);
    return by_sequence_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int64_t, std::vector<std::string>> by_sequence_;
  size_t count_ = 0;
};

class EdgeRegistryTest : public testing::RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    ASSERT_NO_FATAL_FAILURE(start());
    admin_token_ = token(registry::Role::kAdmin);
    ASSERT_TRUE(write_file_atomic(scratch_ / "device.token", token(registry::Role::kDevice)));
    key_file_ = dir_ / "data" / "keys" / "ed25519.pub";
    ASSERT_TRUE(fs::exists(key_file_)) << key_file_;
    auto broker = testing::MosquittoBroker::launch();
    ASSERT_TRUE(broker) << broker.error().message();
    broker_ = std::move(*broker);
    const fs::path models = EDGE_SERVICE_MODELS;
    a_ = models / "a.json";
    b_ = models / "b.json";
  }

  void TearDown() override {
    clients_.clear();
    service_.reset();
    broker_.reset();
    RegistryFixture::TearDown();
  }

  static std::string sha12(const fs::path& file) {
    return sha256_hex(read_file(file).value_or("")).substr(0, 12);
  }

  // Uploads `file` as the next version of the model; its version number.
  int64_t upload(const fs::path& file) {
    const json record =
        add_model(std::string(kModel), read_file(file).value_or(""), R"({"format":"native"})");
    return record.value("version", int64_t{0});
  }
  void move_alias(int64_t version) {
    auto moved = store_->set_alias(kModel, "production", version, "test");
    ASSERT_TRUE(moved) << moved.error().message();
  }

  // Starts `aiotops edge` following motor@production with the device token and `key`, plus
  // `extra`; waits for its status endpoint and, with `wait_ready`, its telemetry subscription.
  void start_edge(std::vector<std::string> extra = {}, const fs::path& key = {},
                  bool wait_ready = true) {
    std::vector<std::string> argv{AIOTOPS_BINARY,
                                  "edge",
                                  "--broker",
                                  broker_->url(),
                                  "--registry",
                                  url(),
                                  "--registry-model",
                                  std::string(kModel) + "@production",
                                  "--registry-key",
                                  (key.empty() ? key_file_ : key).string(),
                                  "--registry-token-file",
                                  (scratch_ / "device.token").string(),
                                  "--registry-retry-max",
                                  "500ms",
                                  "--status-listen",
                                  "127.0.0.1:0",
                                  "--qos",
                                  "1",
                                  "--result-qos",
                                  "1",
                                  "--overflow",
                                  "block"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto child = ChildProcess::spawn(std::move(argv), {.output_dir = scratch_, .name = "edge"});
    ASSERT_TRUE(child) << child.error().message();
    service_ = std::move(*child);
    if (!wait_ready) return;
    const auto line = service_->wait_for_line("status endpoint on http://", kTimeout);
    ASSERT_TRUE(line) << service_->describe();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(http://[^\s/]+:(\d+))"))) << *line;
    status_port_ = static_cast<uint16_t>(std::stoi(match[1].str()));
    ASSERT_TRUE(service_->wait_for_line("telemetry connection ready", kTimeout))
        << service_->describe();
  }

  // A connected test client; `handler` receives what `subscriptions` match.
  MqttClient* connect(
      std::string id, std::vector<transport::Subscription> subscriptions = {},
      MqttClient::MessageHandler handler = [](const auto&) {}) {
    transport::MqttOptions options;
    options.broker_url = broker_->url();
    options.client_id = std::move(id);
    options.subscriptions = std::move(subscriptions);
    return testing::connect_test_client(std::move(options), std::move(handler), clients_, kTimeout);
  }
  void publish(MqttClient& client, const std::string& payload) {
    ASSERT_TRUE(eventually([&] { return client.publish(kTelemetryTopic, payload, 1).has_value(); }))
        << client.last_error();
  }

  // Publishes reading 1 of `device` and returns the model version its result names ("" when
  // none arrived). Once per test: results are keyed by reading number (results_.version_of(n)
  // for later readings of the same device).
  std::string version_scoring_a_reading(const std::string& device) {
    if (!connect(device + "-sub", {{"aiotops/inference/" + device, 1}}, results_.handler())) {
      return "";
    }
    MqttClient* publisher = connect(device + "-pub");
    if (!publisher) return "";
    publish(*publisher, reading(device, 1));
    return results_.version_of(1).value_or("");
  }

  // The series' value in the service's /metrics; -1 when absent or unreachable.
  double metric(std::string_view series) const {
    httplib::Client http("127.0.0.1", status_port_);
    http.set_read_timeout(10);
    auto response = http.Get("/metrics");
    if (!response) return -1;
    const std::regex line(fmt::format(R"((^|\n){} ([^\n]+))", series));
    std::smatch match;
    return std::regex_search(response->body, match, line) ? std::stod(match[2].str()) : -1;
  }
  bool wait_for_metric(std::string_view series, double value) const {
    return eventually([&] { return metric(series) == value; });
  }

  // Overwrites the stored blob of `file`'s bytes with other bytes of the same size.
  void tamper_blob(const fs::path& file) {
    const std::string sha = sha256_hex(read_file(file).value_or(""));
    const fs::path blob = dir_ / "data" / "blobs" / sha.substr(0, 2) / sha;
    auto bytes = read_file(blob);
    ASSERT_TRUE(bytes) << bytes.error().message();
    (*bytes)[bytes->size() / 2] ^= 0x20;
    fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
    ASSERT_TRUE(write_file_atomic(blob, *bytes));
  }

  testing::ScratchDir scratch_{"edge-registry-test"};
  fs::path key_file_, a_, b_;
  std::unique_ptr<testing::MosquittoBroker> broker_;
  std::unique_ptr<ChildProcess> service_;
  uint16_t status_port_ = 0;
  Results results_;
  std::vector<std::unique_ptr<MqttClient>> clients_;  // cleared before results_ goes
};

TEST_F(EdgeRegistryTest, SwitchesToTheNewVersionWhenTheAliasMovesWithEveryReadingScoredOnce) {
  const int64_t v1 = upload(a_);
  const int64_t v2 = upload(b_);
  ASSERT_NO_FATAL_FAILURE(move_alias(v1));
  ASSERT_NO_FATAL_FAILURE(start_edge());
  EXPECT_EQ(metric("aiotops_edge_registry_model_version"), static_cast<double>(v1));
  ASSERT_TRUE(connect("registry-sub", {{"aiotops/inference/reg-motor", 1}}, results_.handler()));
  MqttClient* publisher = connect("registry-pub");
  ASSERT_TRUE(publisher);

  testing::NumberedStream stream([&](int64_t i) {
    return eventually([&] {
      return publisher->publish(kTelemetryTopic, reading("reg-motor", i), 1).has_value();
    });
  });
  ASSERT_TRUE(results_.wait_for(200));
  ASSERT_NO_FATAL_FAILURE(move_alias(v2));
  ASSERT_TRUE(wait_for_metric("aiotops_edge_registry_model_version", static_cast<double>(v2)))
      << service_->describe();
  const int64_t moved_at = stream.published();
  ASSERT_TRUE(eventually([&] { return stream.published() >= moved_at + 200; }));
  stream.stop();
  ASSERT_FALSE(stream.failed());
  const auto total = static_cast<size_t>(stream.published());
  ASSERT_TRUE(results_.wait_for(total)) << service_->describe();
  ASSERT_NO_FATAL_FAILURE(
      testing::expect_one_switch(results_.snapshot(), total, sha12(a_), sha12(b_), 200));
  EXPECT_EQ(metric("aiotops_edge_registry_refusals_total"), 0);
  EXPECT_THAT(service_->err(), HasSubstr(fmt::format("version {} serving", v2)));
  auto stopped = service_->terminate(kTimeout);
  ASSERT_TRUE(stopped) << stopped.error().message();
  EXPECT_TRUE(stopped->ok()) << stopped->describe() << service_->describe();
}

TEST_F(EdgeRegistryTest, AMoveWhileTheRegistryIsDownIsFoundAfterTheStreamReconnects) {
  const int64_t v1 = upload(a_);
  const int64_t v2 = upload(b_);
  ASSERT_NO_FATAL_FAILURE(move_alias(v1));
  ASSERT_NO_FATAL_FAILURE(start_edge());
  ASSERT_TRUE(wait_for_metric("aiotops_edge_registry_stream_connects_total", 1));
  const uint16_t port = server_->port();
  server_.reset();  // the store stays: the alias moves while no event can be sent
  ASSERT_NO_FATAL_FAILURE(move_alias(v2));
  ASSERT_TRUE(service_->wait_for_line("registry event stream", kTimeout)) << service_->describe();
  registry::ServerOptions same_port;
  same_port.listen = fmt::format("127.0.0.1:{}", port);
  ASSERT_NO_FATAL_FAILURE(start(same_port));
  ASSERT_TRUE(wait_for_metric("aiotops_edge_registry_model_version", static_cast<double>(v2)))
      << service_->describe();
  EXPECT_GE(metric("aiotops_edge_registry_stream_connects_total"), 2);

  EXPECT_THAT(version_scoring_a_reading("after-move"), HasSubstr(sha12(b_)));
}

TEST_F(EdgeRegistryTest, RefusesATamperedBlobAndKeepsServingTheOldVersion) {
  const int64_t v1 = upload(a_);
  const int64_t v2 = upload(b_);
  ASSERT_NO_FATAL_FAILURE(move_alias(v1));
  ASSERT_NO_FATAL_FAILURE(start_edge());
  ASSERT_NO_FATAL_FAILURE(tamper_blob(b_));
  ASSERT_NO_FATAL_FAILURE(move_alias(v2));
  ASSERT_TRUE(wait_for_metric("aiotops_edge_registry_refusals_total", 1)) << service_->describe();
  EXPECT_EQ(metric("aiotops_edge_model_refusals_total"), 1);
  EXPECT_EQ(metric("aiotops_edge_registry_model_version"), static_cast<double>(v1));
  ASSERT_TRUE(service_->wait_for_line("model refused", kTimeout));
  EXPECT_THAT(*service_->wait_for_line("model refused", kTimeout),
              HasSubstr(fmt::format("{} version {}", kModel, v2)));

  EXPECT_THAT(version_scoring_a_reading("after-tamper"), HasSubstr(sha12(a_)));
}

// With --drift-reference model, a model whose lineage names no training dataset still serves
// when the alias moves to it; only the drift monitor has nothing to judge it against, and says so.
TEST_F(EdgeRegistryTest, AModelWithoutTrainingDataServesWithTheDriftMonitorPaused) {
  auto http = client(admin_token_);
  auto dataset = RegistryFixture::upload(*http, "/api/v1/datasets/fleet",
                                         std::string(testing::kLabelledCsv), "fleet.csv", "");
  ASSERT_TRUE(dataset);
  ASSERT_EQ(dataset->status, 201) << dataset->body;
  add_model(std::string(kModel), read_file(a_).value_or(""),
            R"({"format":"native","dataset":{"name":"fleet","version":1}})");
  const int64_t v2 = upload(b_);  // no dataset in its lineage
  ASSERT_NO_FATAL_FAILURE(move_alias(1));
  ASSERT_NO_FATAL_FAILURE(start_edge({"--drift-reference", "model"}));
  // The monitor learns of a model from the first reading scored with it.
  EXPECT_THAT(version_scoring_a_reading("fleet"), HasSubstr(sha12(a_)));
  EXPECT_TRUE(wait_for_metric("aiotops_edge_drift_monitoring", 1)) << service_->describe();

  ASSERT_NO_FATAL_FAILURE(move_alias(v2));
  ASSERT_TRUE(wait_for_metric("aiotops_edge_registry_model_version", static_cast<double>(v2)))
      << service_->describe();
  const auto warning = service_->wait_for_line("no training data statistics", kTimeout);
  ASSERT_TRUE(warning) << service_->describe();
  EXPECT_THAT(*warning, HasSubstr(fmt::format("{} version {}", kModel, v2)));
  MqttClient* publisher = connect("fleet-pub-2");
  ASSERT_NE(publisher, nullptr);
  publish(*publisher, reading("fleet", 2));
  EXPECT_THAT(results_.version_of(2).value_or(""), HasSubstr(sha12(b_)));
  EXPECT_TRUE(wait_for_metric("aiotops_edge_drift_monitoring", 0)) << service_->describe();
  EXPECT_TRUE(service_->wait_for_line("drift monitor paused", kTimeout)) << service_->describe();
}

TEST_F(EdgeRegistryTest, RefusesAManifestSignedByAnotherKey) {
  testing::ScratchDir other("edge-registry-other-key");
  auto keys = registry::load_or_create_keys(other.path());
  ASSERT_TRUE(keys) << keys.error().message();
  const fs::path wrong_key = scratch_ / "wrong.pub";
  ASSERT_TRUE(write_file_atomic(wrong_key, registry::public_key_base64(*keys)));
  ASSERT_NO_FATAL_FAILURE(move_alias(upload(b_)));

  // With a local model it keeps serving that one.
  ASSERT_NO_FATAL_FAILURE(start_edge({"--model", a_.string()}, wrong_key));
  ASSERT_TRUE(wait_for_metric("aiotops_edge_registry_refusals_total", 1)) << service_->describe();
  EXPECT_EQ(metric("aiotops_edge_registry_model_version"), 0);
  const auto refused = service_->wait_for_line("model refused", kTimeout);
  ASSERT_TRUE(refused) << service_->describe();
  EXPECT_THAT(*refused, HasSubstr("signature"));
  EXPECT_THAT(version_scoring_a_reading("wrong-key"), HasSubstr(sha12(a_)));
  service_.reset();

  // Without one it has nothing to serve: it does not start.
  ASSERT_NO_FATAL_FAILURE(start_edge({}, wrong_key, /*wait_ready=*/false));
  auto status = service_->wait(kTimeout);
  ASSERT_TRUE(status) << service_->describe();
  EXPECT_EQ(status->code, 1) << service_->describe();
  EXPECT_THAT(service_->err(), HasSubstr("signature"));
}

}  // namespace
}  // namespace aiotops
