// `aiotops edge` as an operator runs it: the real binary against a real Mosquitto broker (Debian's)
// on a free loopback port, serving models made by the real CLI (`aiotops sim --esp32-fft`,
// `aiotops train`, `aiotops export`; edge_service_models.cmake). Checks the results for the
// reference's message shapes (published with this process's MQTT client and with mosquitto_pub)
// and its hand-typed fault message; reconnection after the broker is SIGKILLed and restarted;
// dead letters for malformed telemetry with their reasons and counters; live model swaps under
// load (download-model command, file change) with every reading scored exactly once by a
// well-defined model; refused models; deadband, device-class threshold and N-of-M alerts; the
// cascade; a persistent session; TLS with a client certificate and a password; /healthz, /readyz,
// /metrics; SIGTERM -> exit 0. Every wait has a deadline; the fixtures kill the broker and the
// service on every path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "common/sha256.h"
#include "edge_swap_check.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_broker.h"
#include "support/mqtt_test_client.h"
#include "support/scratch_dir.h"
#include "support/test_pki.h"
#include "transport/mqtt_client.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::ChildProcess;
using testing::MosquittoBroker;
using transport::ConnectionState;
using transport::MqttClient;
using transport::MqttOptions;

// Generous: the service runs under ASan/UBSan on a shared 2-core machine.
constexpr auto kTimeout = 30s;
constexpr std::string_view kTelemetryTopic = "shaded-pole-motor-sensor_data";
constexpr std::string_view kControlTopic = "control-message";
// The service's log line once it is subscribed to telemetry.
constexpr std::string_view kReadyLine = "telemetry connection ready";
// The reference firmware's message (docs/formats/telemetry.md) and its hand-typed fault message.
constexpr std::string_view kReferenceMessage =
    R"({"deviceID":"3c61051f1a2c","current":412.50,"temperature":36.60,"vibration":1235.90,)"
    R"("sound":150.60,"fft_data":"true"})";
constexpr std::string_view kFaultMessage =
    R"({"current":1634.7,"temperature":145.4,"vibration":1235.9,"sound":150.6})";

template <typename Predicate>
bool eventually(Predicate predicate) {
  return testing::eventually(predicate, kTimeout);
}

// A reading in the reference's shape: healthy values, numbered by its timeStamp.
std::string numbered_reading(std::string_view device, int64_t sequence) {
  return fmt::format(R"({{"deviceID":"{}","timeStamp":{},"current":{:.2f},"temperature":36.60,)"
                     R"("vibration":1235.90,"sound":150.60,"fft_data":"true"}})",
                     device, sequence, 180.0 + static_cast<double>(sequence % 50));
}

// ---------------------------------------------------------------------------------------------
// The models (edge_service_models.cmake, made by the CLI at build time; never modified here) and
// what `aiotops infer` says about them.

struct Models {
  fs::path primary;    // logistic regression on simulated --esp32-fft telemetry (a.json)
  fs::path alternate;  // the same data, stronger regularisation: other weights, other version
  fs::path tflite;     // primary exported as a float .tflite, named motor, version 7
  double primary_threshold = 0;
  std::string primary_sha12, alternate_sha12;
  double reference_score = 0;  // `aiotops infer` of primary on kReferenceMessage's features
  double fault_score = 0;      // ... and on kFaultMessage
  double alternate_reference_score = 0;  // alternate on kReferenceMessage's features
};

std::string sha12_of(const fs::path& file) {
  return sha256_hex(read_file(file).value_or("")).substr(0, 12);
}

// `aiotops infer --json` of `model` on the two reference messages in `messages`.
Result<std::vector<double>> infer_scores(const fs::path& model, const fs::path& messages) {
  const testing::CliOutcome o = testing::run_cli(
      AIOTOPS_BINARY,
      fmt::format("infer --model {} --data {} --json", model.string(), messages.string()),
      messages.parent_path(), 60s);
  std::vector<double> scores;
  for (size_t begin = 0; begin < o.out.size();) {
    const size_t end = o.out.find('\n', begin);
    const json row = json::parse(o.out.substr(begin, end - begin), nullptr, false);
    if (row.is_object() && row.contains("score")) scores.push_back(row["score"].get<double>());
    begin = end == std::string::npos ? o.out.size() : end + 1;
  }
  if (o.exit_code != 0 || scores.size() != 2) {
    return fail(ErrorCode::kInternal, "aiotops infer --model {}: {}{}", model.string(), o.out,
                o.err);
  }
  return scores;
}

// `scratch`: a directory for the reference messages and the CLI's stderr.
Result<Models> load_models(const fs::path& scratch) {
  const fs::path dir = EDGE_SERVICE_MODELS;
  Models m;
  m.primary = dir / "a.json";
  m.alternate = dir / "b.json";
  m.tflite = dir / "a.tflite";
  const fs::path messages = scratch / "messages.jsonl";
  if (auto written =
          write_file_atomic(messages, fmt::format("{}\n{}\n", kReferenceMessage, kFaultMessage));
      !written) {
    return fail(written.error());
  }
  auto primary_scores = infer_scores(m.primary, messages);
  if (!primary_scores) return fail(primary_scores.error());
  auto alternate_scores = infer_scores(m.alternate, messages);
  if (!alternate_scores) return fail(alternate_scores.error());
  m.reference_score = (*primary_scores)[0];
  m.fault_score = (*primary_scores)[1];
  m.alternate_reference_score = (*alternate_scores)[0];
  const json model = json::parse(read_file(m.primary).value_or(""), nullptr, false);
  if (!model.is_object()) return fail(ErrorCode::kInternal, "{}: not JSON", m.primary.string());
  m.primary_threshold = model["threshold"]["value"].get<double>();
  m.primary_sha12 = sha12_of(m.primary);
  m.alternate_sha12 = sha12_of(m.alternate);
  return m;
}

// ---------------------------------------------------------------------------------------------
// What a test's MQTT subscriber received.

struct Received {
  std::string topic;
  std::string payload;
  json body;  // the payload parsed; discarded when it is not JSON
};

class Collector {
 public:
  MqttClient::MessageHandler handler() {
    return [this](const transport::IncomingMessage& message) {
      Received received{std::string(message.topic), std::string(message.payload), {}};
      received.body = json::parse(received.payload, nullptr, false);
      std::lock_guard lock(mutex_);
      messages_.push_back(std::move(received));
      changed_.notify_all();
    };
  }

  // Messages on topics starting with `prefix`, in arrival order.
  std::vector<Received> on(std::string_view prefix) const {
    std::lock_guard lock(mutex_);
    std::vector<Received> out;
    for (const Received& m : messages_) {
      if (m.topic.starts_with(prefix)) out.push_back(m);
    }
    return out;
  }
  size_t count(std::string_view prefix) const { return on(prefix).size(); }

  // Waits until at least `n` messages arrived on topics starting with `prefix`.
  bool wait_for(std::string_view prefix, size_t n, std::chrono::milliseconds timeout = kTimeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      return static_cast<size_t>(std::ranges::count_if(
                 messages_, [&](const Received& m) { return m.topic.starts_with(prefix); })) >= n;
    });
  }
  // Waits for a message on exactly `topic` whose JSON field `key` equals `value`.
  std::optional<Received> wait_for_field(std::string_view topic, std::string_view key,
                                         const json& value,
                                         std::chrono::milliseconds timeout = kTimeout) {
    std::unique_lock lock(mutex_);
    std::optional<Received> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const Received& m : messages_) {
        if (m.topic == topic && m.body.is_object() && m.body.contains(key) &&
            m.body[std::string(key)] == value) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::string dump() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const Received& m : messages_) {
      out += fmt::format("  {} {}\n", m.topic, m.payload.substr(0, 300));
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> messages_;
};

// The value of one series in Prometheus text (`name{labels} value`), if present.
std::optional<double> metric_value(const std::string& text, std::string_view series) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line(text.data() + at, end - at);
    if (line.starts_with(series) && line.size() > series.size() && line[series.size()] == ' ') {
      return std::stod(std::string(line.substr(series.size() + 1)));
    }
    at = end + 1;
  }
  return std::nullopt;
}

std::string dead_letter_series(std::string_view reason) {
  return fmt::format("aiotops_edge_dead_letters_total{{reason=\"{}\"}}", reason);
}

// ---------------------------------------------------------------------------------------------

class EdgeServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_scratch_ = std::make_unique<aiotops::testing::ScratchDir>("edge-service-suite");
    auto made = load_models(*suite_scratch_);
    if (made) {
      models_ = std::move(*made);
    } else {
      models_error_ = made.error().message();
    }
  }
  static void TearDownTestSuite() { suite_scratch_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(models_.has_value()) << models_error_;
    launch_broker();
  }

  void launch_broker(testing::MosquittoBrokerOptions options = {}) {
    broker_.reset();
    auto broker = MosquittoBroker::launch(std::move(options));
    ASSERT_TRUE(broker.has_value()) << broker.error().message();
    broker_ = std::move(*broker);
  }

  void TearDown() override {
    clients_.clear();  // before the collectors their handlers use
    service_.reset();
    broker_.reset();
  }

  const Models& models() const { return *models_; }

  // Starts `aiotops edge` on the broker with a status endpoint on a free port, plus `extra`
  // flags; waits for its status endpoint and, with `wait_ready`, for its ready line.
  void start_service(const fs::path& model, std::vector<std::string> extra = {},
                     bool wait_ready = true) {
    // Results, alerts and dead letters at QoS 1: what the tests count must all arrive.
    std::vector<std::string> argv{AIOTOPS_BINARY,    "edge",
                                  "--broker",        service_broker_url_.value_or(broker_->url()),
                                  "--model",         model.string(),
                                  "--status-listen", "127.0.0.1:0",
                                  "--result-qos",    "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto child = ChildProcess::spawn(std::move(argv), {.output_dir = scratch_, .name = "edge"});
    ASSERT_TRUE(child.has_value()) << child.error().message();
    service_ = std::move(*child);
    const auto line = service_->wait_for_line("status endpoint on http://", kTimeout);
    ASSERT_TRUE(line.has_value()) << service_->describe();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(http://[^\s/]+:(\d+))"))) << *line;
    status_port_ = static_cast<uint16_t>(std::stoi(match[1].str()));
    if (wait_ready) {
      ASSERT_TRUE(service_->wait_for_line(kReadyLine, kTimeout).has_value())
          << service_->describe() << broker_->log();
    }
  }

  // SIGTERM: the service drains and exits 0.
  void stop_service() {
    ASSERT_TRUE(service_);
    auto status = service_->terminate(kTimeout);
    ASSERT_TRUE(status.has_value()) << status.error().message() << "\n" << service_->describe();
    EXPECT_TRUE(status->ok()) << status->describe() << "\n" << service_->describe();
  }

  // An MQTT client of the test, connected (and subscribed) before it returns; nullptr with a
  // failure otherwise. Stopped in TearDown before the collectors its handler uses.
  MqttClient* connect(
      std::string id, std::vector<transport::Subscription> subscriptions = {},
      MqttClient::MessageHandler handler = [](const auto&) {}) {
    MqttOptions options;
    options.broker_url = broker_->url();
    options.username = client_username_;
    options.password = client_password_;
    options.client_id = std::move(id);
    options.subscriptions = std::move(subscriptions);
    options.backoff = {.initial = 20ms, .max = 500ms, .multiplier = 2.0, .jitter = 0.5};
    options.jitter_seed = 1;
    return testing::connect_test_client(std::move(options), std::move(handler), clients_, kTimeout);
  }

  // Publishes at QoS 1, retrying while the client is (re)connecting.
  void publish(MqttClient& client, std::string_view topic, std::string_view payload) {
    ASSERT_TRUE(eventually([&] { return client.publish(topic, payload, 1).has_value(); }))
        << client.last_error();
  }

  // Runs mosquitto_pub with these arguments after the broker's address; it must succeed.
  void mosquitto_pub(std::vector<std::string> arguments) {
    std::vector<std::string> argv{
        "mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker_->port()), "-q", "1"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto pub = ChildProcess::spawn(std::move(argv));
    ASSERT_TRUE(pub.has_value()) << pub.error().message();
    auto status = (*pub)->wait(kTimeout);
    ASSERT_TRUE(status.has_value() && status->ok()) << (*pub)->describe();
  }

  // GET http://127.0.0.1:<status port><path>: (HTTP status, body); status -1 when unreachable.
  std::pair<int, std::string> http_get(const std::string& path) const {
    httplib::Client client("127.0.0.1", status_port_);
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    auto response = client.Get(path.c_str());
    if (!response) return {-1, ""};
    return {response->status, response->body};
  }
  std::string metrics() const { return http_get("/metrics").second; }
  // The series' value in /metrics, or -1 when it is absent.
  double metric(std::string_view series) const {
    return metric_value(metrics(), series).value_or(-1);
  }
  bool wait_for_metric(std::string_view series, double at_least) const {
    return eventually([&] { return metric(series) >= at_least; });
  }

  static inline std::unique_ptr<aiotops::testing::ScratchDir> suite_scratch_;
  static inline std::optional<Models> models_;
  static inline std::string models_error_;

  aiotops::testing::ScratchDir scratch_{"edge-service-test"};
  std::unique_ptr<MosquittoBroker> broker_;
  std::optional<std::string> service_broker_url_;  // the service's --broker; default the broker's
  std::string client_username_, client_password_;  // of the test's own clients
  std::unique_ptr<ChildProcess> service_;
  uint16_t status_port_ = 0;
  Collector inbox_;                                   // what the test's subscribers received
  std::vector<std::unique_ptr<MqttClient>> clients_;  // stopped in TearDown, before inbox_ dies
};

// Checks the fields every inference result carries, for the primary model.
void expect_result_shape(const Received& result, double threshold, const std::string& sha12) {
  const json& r = result.body;
  ASSERT_TRUE(r.is_object()) << result.payload;
  for (const char* key : {"deviceID", "timeStamp", "score", "level", "threshold", "model_version",
                          "stage", "latency_us"}) {
    EXPECT_TRUE(r.contains(key)) << key << " missing in " << result.payload;
  }
  const double score = r.value("score", -1.0);
  EXPECT_GE(score, 0.0) << result.payload;
  EXPECT_LE(score, 1.0) << result.payload;
  const std::string level = score < 0.5   ? "no-fault"
                            : score < 0.8 ? "potential-failure"
                                          : "immediate-failure";
  EXPECT_EQ(r.value("level", ""), level) << result.payload;
  EXPECT_DOUBLE_EQ(r.value("threshold", -1.0), threshold) << result.payload;
  EXPECT_THAT(r.value("model_version", ""), ::testing::HasSubstr(sha12)) << result.payload;
  EXPECT_EQ(r.value("stage", ""), "primary") << result.payload;
  EXPECT_GE(r.value("latency_us", -1), 0) << result.payload;
}

TEST_F(EdgeServiceTest, ScoresTheReferenceMessageShapes) {
  start_service(models().primary, {"--qos", "1", "--topic", std::string(kTelemetryTopic), "--topic",
                                   "plant/+/telemetry"});
  ASSERT_TRUE(connect("shapes-sub", {{"aiotops/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("shapes-pub");
  ASSERT_TRUE(publisher);

  const std::string features =
      R"("current":412.50,"temperature":36.60,"vibration":1235.90,"sound":150.60)";
  publish(*publisher, kTelemetryTopic, kReferenceMessage);
  publish(*publisher, kTelemetryTopic, fmt::format(R"({{"chipID":"a4cf12b3c4d5",{}}})", features));
  publish(*publisher, kTelemetryTopic, fmt::format(R"({{"chipID":8851,{}}})", features));
  publish(*publisher, kTelemetryTopic,
          fmt::format(R"({{"deviceID":"stamped","timeStamp":1700000000123,{}}})", features));
  // No id at all (the reference's TPU path): keyed by the topic it came on.
  publish(*publisher, kTelemetryTopic, fmt::format(R"({{{}}})", features));
  publish(*publisher, "plant/line-1/telemetry", fmt::format(R"({{{}}})", features));
  // An independent client; the timestamp as a string of digits, as some firmware sends it.
  mosquitto_pub({"-t", std::string(kTelemetryTopic), "-m",
                 fmt::format(R"({{"fft_data":"true","timeStamp":"1637000000000",{},)"
                             R"("deviceID":"pub-motor"}})",
                             features)});

  struct Expected {
    std::string topic;
    std::string device;
  };
  const std::vector<Expected> expected{
      {"aiotops/inference/3c61051f1a2c", "3c61051f1a2c"},
      {"aiotops/inference/a4cf12b3c4d5", "a4cf12b3c4d5"},
      {"aiotops/inference/8851", "8851"},
      {"aiotops/inference/stamped", "stamped"},
      {"aiotops/inference/shaded-pole-motor-sensor_data", "shaded-pole-motor-sensor_data"},
      // One topic level per device: the slashes of the topic are escaped.
      {"aiotops/inference/plant%2Fline-1%2Ftelemetry", "plant/line-1/telemetry"},
      {"aiotops/inference/pub-motor", "pub-motor"},
  };
  for (const Expected& e : expected) {
    const auto result = inbox_.wait_for_field(e.topic, "deviceID", e.device);
    ASSERT_TRUE(result.has_value()) << "no result on " << e.topic << "; got:\n"
                                    << inbox_.dump() << service_->describe();
    expect_result_shape(*result, models().primary_threshold, models().primary_sha12);
    // Same features everywhere: the same score as `aiotops infer` gives.
    EXPECT_NEAR(result->body.value("score", -1.0), models().reference_score, 1e-9)
        << result->payload;
  }
  EXPECT_EQ(inbox_.on("aiotops/inference/stamped")[0].body["timeStamp"], 1700000000123);
  EXPECT_EQ(inbox_.on("aiotops/inference/pub-motor")[0].body["timeStamp"], 1637000000000);
  EXPECT_THAT(inbox_.on("aiotops/alerts/"), ::testing::IsEmpty()) << inbox_.dump();
  EXPECT_EQ(metric("aiotops_edge_messages_received_total"), 7);
  EXPECT_EQ(metric("aiotops_edge_results_published_total"), 7);
  stop_service();
}

TEST_F(EdgeServiceTest, HandTypedFaultMessageRaisesAnImmediateFailureAlert) {
  ASSERT_GE(models().fault_score, 0.8) << "the trained model must see the fault";
  start_service(models().primary);
  ASSERT_TRUE(connect("fault-sub", {{"aiotops/#", 1}}, inbox_.handler()));
  // Published as the reference's operator did: by hand, with mosquitto_pub.
  mosquitto_pub({"-t", std::string(kTelemetryTopic), "-m", std::string(kFaultMessage)});

  const std::string device(kTelemetryTopic);
  const auto result =
      inbox_.wait_for_field("aiotops/inference/" + device, "level", "immediate-failure");
  ASSERT_TRUE(result.has_value()) << inbox_.dump() << service_->describe();
  expect_result_shape(*result, models().primary_threshold, models().primary_sha12);
  EXPECT_NEAR(result->body["score"].get<double>(), models().fault_score, 1e-9);

  const auto alert =
      inbox_.wait_for_field("aiotops/alerts/" + device, "level", "immediate-failure");
  ASSERT_TRUE(alert.has_value()) << inbox_.dump() << service_->describe();
  const json& a = alert->body;
  EXPECT_EQ(a.value("deviceID", ""), device) << alert->payload;
  EXPECT_THAT(a.value("model_version", ""), ::testing::HasSubstr(models().primary_sha12));
  EXPECT_NEAR(a.value("score", -1.0), models().fault_score, 1e-9) << alert->payload;
  // The alert carries the reading that raised it.
  ASSERT_TRUE(a.contains("readings") && a["readings"].is_array() && !a["readings"].empty())
      << alert->payload;
  const json& reading = a["readings"].back();
  EXPECT_DOUBLE_EQ(reading.value("current", 0.0), 1634.7) << alert->payload;
  EXPECT_DOUBLE_EQ(reading.value("temperature", 0.0), 145.4) << alert->payload;
  EXPECT_DOUBLE_EQ(reading.value("vibration", 0.0), 1235.9) << alert->payload;
  EXPECT_DOUBLE_EQ(reading.value("sound", 0.0), 150.6) << alert->payload;
  EXPECT_EQ(metric("aiotops_edge_alerts_published_total"), 1);
  stop_service();
}

TEST_F(EdgeServiceTest, ReconnectsAndResubscribesAfterTheBrokerIsKilledAndRestarted) {
  start_service(models().primary, {"--qos", "1", "--client-id", "edge-restart"});
  const pid_t pid = service_->pid();
  ASSERT_TRUE(connect("restart-sub", {{"aiotops/inference/restart-motor", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("restart-pub");
  ASSERT_TRUE(publisher);
  constexpr int kHalf = 50;
  for (int i = 0; i < kHalf; ++i) {
    publish(*publisher, kTelemetryTopic, numbered_reading("restart-motor", i));
  }
  ASSERT_TRUE(inbox_.wait_for("aiotops/inference/", kHalf)) << inbox_.dump();
  EXPECT_EQ(metric("aiotops_edge_reconnects_total"), 0);

  broker_->kill();  // a crash: no DISCONNECT, no saved state
  // Not ready while the broker is away (if the service noticed the loss in time).
  EXPECT_TRUE(eventually([&] { return http_get("/readyz").first == 503; }))
      << http_get("/readyz").second;
  EXPECT_EQ(http_get("/healthz").first, 200);
  ASSERT_TRUE(broker_->start().has_value());

  ASSERT_TRUE(eventually([&] { return http_get("/readyz").first == 200; }))
      << http_get("/readyz").second << service_->describe() << broker_->log();
  // The test's own clients reconnect and resubscribe too.
  for (const auto& client : clients_) {
    ASSERT_TRUE(eventually([&] { return client->state() == ConnectionState::kReady; }));
  }
  for (int i = kHalf; i < 2 * kHalf; ++i) {
    publish(*publisher, kTelemetryTopic, numbered_reading("restart-motor", i));
  }
  ASSERT_TRUE(inbox_.wait_for_field("aiotops/inference/restart-motor", "timeStamp", 2 * kHalf - 1))
      << inbox_.dump() << service_->describe();
  std::set<int64_t> after;
  for (const Received& r : inbox_.on("aiotops/inference/")) {
    const int64_t t = r.body.value("timeStamp", int64_t{-1});
    if (t >= kHalf) after.insert(t);
  }
  EXPECT_EQ(after.size(), size_t{kHalf}) << inbox_.dump();
  EXPECT_GE(metric("aiotops_edge_reconnects_total"), 1);
  EXPECT_EQ(service_->pid(), pid);
  EXPECT_TRUE(service_->running());
  stop_service();
}

TEST_F(EdgeServiceTest, DeadLettersMalformedTelemetryAndKeepsServing) {
  start_service(models().primary, {"--qos", "1", "--range-factor", "1"});
  const std::string dead_letters = fmt::format("{}/dead-letter", kTelemetryTopic);
  ASSERT_TRUE(
      connect("bad-sub", {{dead_letters, 1}, {"aiotops/inference/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("bad-pub");
  ASSERT_TRUE(publisher);

  const std::string good = R"("current":412.5,"temperature":36.6,"vibration":1235.9)";
  struct Bad {
    std::string payload;
    std::string reason;
  };
  const std::vector<Bad> bad{
      {R"({"current":412.5,"temperature":)", "invalid_json"},
      {"", "invalid_json"},
      {std::string("\x00\xff\xfe\x01garbage\x80\x7f", 13), "binary"},
      {"[412.5,36.6,1235.9,150.6]", "not_an_object"},
      {fmt::format("{{{}}}", good), "missing_field"},
      {fmt::format(R"({{{},"sound":"loud"}})", good), "non_numeric"},
      {fmt::format(R"({{{},"sound":"NaN"}})", good), "non_finite"},
      {fmt::format(R"({{{},"sound":NaN}})", good), "non_finite"},
      {fmt::format(R"({{{},"sound":[150.6]}})", good), "wrong_type"},
      {fmt::format(R"({{{},"sound":150.6,"sound":150.7}})", good), "duplicate_field"},
      // The reference's sensor bug, and a value beyond a double.
      {fmt::format(R"({{{},"sound":20971516.0}})", good), "out_of_range"},
      {fmt::format(R"({{{},"sound":1e999}})", good), "out_of_range"},
      {fmt::format(R"({{"deviceID":"{}",{},"sound":150.6}})", std::string(200, 'd'), good),
       "bad_device_id"},
  };
  for (const Bad& b : bad) publish(*publisher, kTelemetryTopic, b.payload);
  // A 1 MB payload, through mosquitto_pub from a file.
  const fs::path big = scratch_ / "big.json";
  ASSERT_TRUE(write_file_atomic(
                  big, fmt::format(R"({{"deviceID":"big","pad":"{}"}})", std::string(1 << 20, 'x')))
                  .has_value());
  mosquitto_pub({"-t", std::string(kTelemetryTopic), "-f", big.string()});
  // Still alive and scoring.
  publish(*publisher, kTelemetryTopic,
          fmt::format(R"({{"deviceID":"still-alive",{},"sound":150.6}})", good));

  ASSERT_TRUE(inbox_.wait_for_field("aiotops/inference/still-alive", "deviceID", "still-alive"))
      << inbox_.dump() << service_->describe();
  ASSERT_TRUE(inbox_.wait_for(dead_letters, bad.size() + 1)) << inbox_.dump();
  // The 1 MB message came on another connection, so its place among the others is not fixed.
  std::vector<Received> letters = inbox_.on(dead_letters);
  ASSERT_EQ(letters.size(), bad.size() + 1) << inbox_.dump();
  const auto big_letter = std::ranges::find_if(
      letters, [](const Received& r) { return r.body.value("reason", "") == "too_large"; });
  ASSERT_NE(big_letter, letters.end()) << inbox_.dump();
  EXPECT_EQ(big_letter->body.value("truncated", false), true);
  EXPECT_LT(big_letter->payload.size(), size_t{64} << 10) << "a 1 MB payload republished";
  letters.erase(big_letter);
  std::map<std::string, int> expected_counts{{"too_large", 1}};
  for (size_t i = 0; i < bad.size(); ++i) {
    const json& letter = letters[i].body;
    ASSERT_TRUE(letter.is_object()) << letters[i].payload;
    EXPECT_EQ(letter.value("reason", ""), bad[i].reason) << letters[i].payload;
    EXPECT_FALSE(letter.value("detail", "").empty()) << letters[i].payload;
    EXPECT_EQ(letter.value("topic", ""), kTelemetryTopic) << letters[i].payload;
    EXPECT_GT(letter.value("received_ms", int64_t{0}), 0) << letters[i].payload;
    if (bad[i].reason == "binary") {
      EXPECT_TRUE(letter.contains("payload_base64")) << letters[i].payload;
    } else {
      EXPECT_EQ(letter.value("payload", "?"), bad[i].payload) << letters[i].payload;
    }
    ++expected_counts[bad[i].reason];
  }

  const std::string text = metrics();
  for (const auto& [reason, count] : expected_counts) {
    EXPECT_EQ(metric_value(text, dead_letter_series(reason)), count) << reason << "\n" << text;
  }
  EXPECT_EQ(metric_value(text, "aiotops_edge_messages_received_total"), bad.size() + 2) << text;
  EXPECT_EQ(metric_value(text, "aiotops_edge_results_published_total"), 1) << text;
  EXPECT_EQ(inbox_.count("aiotops/inference/"), 1u) << inbox_.dump();
  stop_service();
}

// A stream of numbered readings (timeStamp = sequence number) with a model swap in the middle,
// triggered by `swap` once some results are in; the stream goes on until the swap shows in
// /metrics and a while after. Every reading must be scored exactly once, and in sequence order
// the versions must go from `old_version` to `new_version` once (no old result after the first
// new one).
class EdgeSwapTest : public EdgeServiceTest {
 protected:
  void swap_under_load(const std::function<void()>& swap, const std::string& old_version,
                       const std::string& new_version) {
    ASSERT_TRUE(connect("swap-sub", {{"aiotops/inference/swap-motor", 1}}, inbox_.handler()));
    MqttClient* publisher = connect("swap-pub");
    ASSERT_TRUE(publisher);
    testing::NumberedStream stream([&](int64_t i) {
      return eventually([&] {
        return publisher->publish(kTelemetryTopic, numbered_reading("swap-motor", i), 1)
            .has_value();
      });
    });
    ASSERT_TRUE(inbox_.wait_for("aiotops/inference/", 200)) << inbox_.dump();
    const double swaps_before = metric("aiotops_edge_model_swaps_total");  // the first model's
    swap();
    ASSERT_TRUE(wait_for_metric("aiotops_edge_model_swaps_total", swaps_before + 1))
        << metrics() << service_->describe();
    // Some readings after the swap, then stop the stream.
    const int64_t swapped_at = stream.published();
    ASSERT_TRUE(eventually([&] { return stream.published() >= swapped_at + 200; }));
    stream.stop();
    ASSERT_FALSE(stream.failed());
    const auto total = static_cast<size_t>(stream.published());
    ASSERT_TRUE(inbox_.wait_for("aiotops/inference/", total))
        << inbox_.count("aiotops/inference/") << " of " << total << "\n"
        << service_->describe();

    std::map<int64_t, std::vector<std::string>> versions;  // sequence -> versions it got
    for (const Received& r : inbox_.on("aiotops/inference/")) {
      versions[r.body.value("timeStamp", int64_t{-1})].push_back(r.body.value("model_version", ""));
    }
    ASSERT_NO_FATAL_FAILURE(
        testing::expect_one_switch(versions, total, old_version, new_version, 200));
    EXPECT_EQ(metric("aiotops_edge_model_swaps_total"), swaps_before + 1);
    EXPECT_EQ(metric("aiotops_edge_queue_dropped_total"), 0);
  }
};

TEST_F(EdgeSwapTest, DownloadModelCommandSwapsToATfliteModelUnderLoad) {
  const fs::path dir = scratch_ / "models";
  fs::create_directories(dir);
  fs::copy_file(models().tflite, dir / "motor-v7.tflite");
  start_service(models().primary,
                {"--qos", "1", "--model-dir", dir.string(), "--overflow", "block"});
  MqttClient* control = connect("swap-control");
  ASSERT_TRUE(control);
  swap_under_load(
      [&] {
        publish(*control, kControlTopic,
                R"({"command":"download-model","payload":"motor-v7.tflite"})");
      },
      models().primary_sha12, "motor:7");
  EXPECT_THAT(metrics(), ::testing::HasSubstr(R"(version="motor:7")"));
  stop_service();
}

TEST_F(EdgeSwapTest, WatchedModelFileChangeSwapsUnderLoad) {
  const fs::path serving = scratch_ / "serving.json";
  fs::copy_file(models().primary, serving);
  start_service(serving,
                {"--qos", "1", "--watch", "--watch-interval", "100ms", "--overflow", "block"});
  swap_under_load(
      [&] {
        ASSERT_TRUE(
            write_file_atomic(serving, read_file(models().alternate).value_or("")).has_value());
      },
      models().primary_sha12, models().alternate_sha12);
  stop_service();
}

TEST_F(EdgeServiceTest, RefusesABadModelAndKeepsServingTheOldOne) {
  const fs::path dir = scratch_ / "models";
  fs::create_directories(dir);
  const std::string valid = read_file(models().primary).value_or("");
  ASSERT_TRUE(write_file_atomic(dir / "truncated.json", valid.substr(0, valid.size() / 2)));
  ASSERT_TRUE(write_file_atomic(dir / "garbage.tflite", std::string("TFL3\x00\xff garbage", 14)));
  // A model that loads, but outside the model directory: a payload is a file name, not a path.
  fs::copy_file(models().alternate, scratch_ / "outside.json");
  start_service(models().primary, {"--qos", "1", "--model-dir", dir.string()});
  ASSERT_TRUE(connect("refuse-sub", {{"aiotops/inference/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("refuse-pub");
  ASSERT_TRUE(publisher);

  const double swaps_before = metric("aiotops_edge_model_swaps_total");
  const std::vector<std::string> refused{"truncated.json", "garbage.tflite", "no-such-file.json",
                                         "../outside.json"};
  for (const std::string& file : refused) {
    publish(*publisher, kControlTopic,
            fmt::format(R"({{"command":"download-model","payload":"{}"}})", file));
  }
  ASSERT_TRUE(
      wait_for_metric("aiotops_edge_model_refusals_total", static_cast<double>(refused.size())))
      << metrics() << service_->describe();
  for (const char* file : {"truncated.json", "garbage.tflite"}) {
    EXPECT_THAT(service_->err(), ::testing::HasSubstr(file)) << "the refusal is logged";
  }
  publish(*publisher, kTelemetryTopic, numbered_reading("after-refusal", 1));
  const auto result = inbox_.wait_for_field("aiotops/inference/after-refusal", "timeStamp", 1);
  ASSERT_TRUE(result.has_value()) << inbox_.dump() << service_->describe();
  EXPECT_THAT(result->body.value("model_version", ""),
              ::testing::HasSubstr(models().primary_sha12));
  EXPECT_EQ(metric("aiotops_edge_model_swaps_total"), swaps_before);
  EXPECT_EQ(http_get("/readyz").first, 200);
  stop_service();
}

// The reference's features with `current` replaced, from `device` at `timestamp`.
std::string reading_with_current(std::string_view device, int64_t timestamp, double current,
                                 double temperature = 36.6) {
  return fmt::format(
      R"({{"deviceID":"{}","timeStamp":{},"current":{},"temperature":{},"vibration":1235.9,)"
      R"("sound":150.6}})",
      device, timestamp, current, temperature);
}

TEST_F(EdgeServiceTest, DeadbandDeviceClassThresholdAndPersistentFaultAlerts) {
  start_service(models().primary, {"--qos", "1", "--deadband", "0.5", "--persist", "3/5",
                                   "--device-class", "mcu=mcu-*", "--class-threshold", "mcu=0.7"});
  ASSERT_TRUE(connect("policy-sub", {{"aiotops/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("policy-pub");
  ASSERT_TRUE(publisher);

  // An MCU-class device: its class's threshold; a reading that moved less than the deadband in
  // every feature is not scored.
  publish(*publisher, kTelemetryTopic, reading_with_current("mcu-1", 1, 412.5));
  publish(*publisher, kTelemetryTopic, reading_with_current("mcu-1", 2, 412.5));
  publish(*publisher, kTelemetryTopic, reading_with_current("mcu-1", 3, 412.8));
  publish(*publisher, kTelemetryTopic, reading_with_current("mcu-1", 4, 414.5));
  // Another device: the model's threshold; healthy, then three faults in a row (each moving
  // beyond the deadband): a level change at the first, a persistent fault at the third.
  publish(*publisher, kTelemetryTopic, reading_with_current("motor-9", 1, 412.5));
  for (int i = 0; i < 3; ++i) {
    publish(*publisher, kTelemetryTopic,
            reading_with_current("motor-9", 2 + i, 1634.7 + 10 * i, 145.4));
  }
  ASSERT_TRUE(inbox_.wait_for_field("aiotops/inference/motor-9", "timeStamp", 4))
      << inbox_.dump() << service_->describe();
  ASSERT_TRUE(inbox_.wait_for("aiotops/alerts/motor-9", 2)) << inbox_.dump();

  std::vector<int64_t> mcu_scored;
  for (const Received& r : inbox_.on("aiotops/inference/mcu-1")) {
    mcu_scored.push_back(r.body.value("timeStamp", int64_t{-1}));
    EXPECT_DOUBLE_EQ(r.body.value("threshold", -1.0), 0.7) << r.payload;
  }
  EXPECT_THAT(mcu_scored, ::testing::ElementsAre(1, 4));
  EXPECT_EQ(metric("aiotops_edge_deadband_skipped_total"), 2);

  const std::vector<Received> motor = inbox_.on("aiotops/inference/motor-9");
  ASSERT_EQ(motor.size(), 4u) << inbox_.dump();
  for (const Received& r : motor) {
    EXPECT_DOUBLE_EQ(r.body.value("threshold", -1.0), models().primary_threshold) << r.payload;
  }
  EXPECT_EQ(motor[0].body.value("level", ""), "no-fault");
  for (size_t i = 1; i < motor.size(); ++i) {
    EXPECT_EQ(motor[i].body.value("level", ""), "immediate-failure") << motor[i].payload;
  }
  const std::vector<Received> alerts = inbox_.on("aiotops/alerts/");
  ASSERT_EQ(alerts.size(), 2u) << inbox_.dump();
  EXPECT_EQ(alerts[0].body.value("reason", ""), "level-change") << alerts[0].payload;
  EXPECT_EQ(alerts[0].body.value("previous_level", ""), "no-fault") << alerts[0].payload;
  EXPECT_EQ(alerts[1].body.value("reason", ""), "persistent-fault") << alerts[1].payload;
  // The persistent-fault alert carries the device's window: all four readings, oldest first.
  const json& readings = alerts[1].body["readings"];
  ASSERT_EQ(readings.size(), 4u) << alerts[1].payload;
  for (size_t i = 0; i < readings.size(); ++i) {
    EXPECT_EQ(readings[i].value("timeStamp", int64_t{-1}), static_cast<int64_t>(i) + 1);
  }
  EXPECT_DOUBLE_EQ(readings[3].value("current", 0.0), 1654.7);
  EXPECT_EQ(metric("aiotops_edge_alerts_published_total"), 2);
  stop_service();
}

TEST_F(EdgeServiceTest, CascadeModelDecidesInTheUncertainBand) {
  // The reference message scores about 0.3 on the primary model (inside the band), the fault
  // message about 1 (outside).
  ASSERT_GE(models().reference_score, 0.2);
  ASSERT_LT(models().reference_score, 0.9);
  start_service(models().primary, {"--qos", "1", "--cascade-model", models().alternate.string(),
                                   "--uncertain-band", "0.2,0.9"});
  ASSERT_TRUE(connect("cascade-sub", {{"aiotops/inference/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("cascade-pub");
  ASSERT_TRUE(publisher);
  publish(*publisher, kTelemetryTopic, kReferenceMessage);
  publish(*publisher, kTelemetryTopic,
          R"({"deviceID":"faulty","current":1634.7,"temperature":145.4,"vibration":1235.9,)"
          R"("sound":150.6})");

  const auto uncertain =
      inbox_.wait_for_field("aiotops/inference/3c61051f1a2c", "stage", "cascade");
  ASSERT_TRUE(uncertain.has_value()) << inbox_.dump() << service_->describe();
  EXPECT_NEAR(uncertain->body.value("score", -1.0), models().alternate_reference_score, 1e-9);
  EXPECT_THAT(uncertain->body.value("model_version", ""),
              ::testing::HasSubstr(models().alternate_sha12));
  const auto certain = inbox_.wait_for_field("aiotops/inference/faulty", "stage", "primary");
  ASSERT_TRUE(certain.has_value()) << inbox_.dump();
  EXPECT_NEAR(certain->body.value("score", -1.0), models().fault_score, 1e-9);
  EXPECT_THAT(certain->body.value("model_version", ""),
              ::testing::HasSubstr(models().primary_sha12));
  EXPECT_EQ(metric("aiotops_edge_cascade_decisions_total"), 1);
  stop_service();
}

TEST_F(EdgeServiceTest, PersistentSessionKeepsReadingsPublishedWhileTheServiceIsDown) {
  const std::vector<std::string> flags{"--qos", "1", "--client-id", "edge-persistent",
                                       "--persistent-session"};
  start_service(models().primary, flags);
  ASSERT_TRUE(connect("persist-sub", {{"aiotops/inference/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("persist-pub");
  ASSERT_TRUE(publisher);
  stop_service();

  constexpr int kReadings = 20;
  for (int i = 0; i < kReadings; ++i) {
    publish(*publisher, kTelemetryTopic, numbered_reading("while-away", i));
  }
  start_service(models().primary, flags);
  ASSERT_TRUE(inbox_.wait_for("aiotops/inference/while-away", kReadings))
      << inbox_.dump() << service_->describe();
  std::set<int64_t> scored;
  for (const Received& r : inbox_.on("aiotops/inference/while-away")) {
    scored.insert(r.body.value("timeStamp", int64_t{-1}));
  }
  EXPECT_EQ(scored.size(), size_t{kReadings});
  EXPECT_EQ(*scored.begin(), 0);
  EXPECT_EQ(*scored.rbegin(), kReadings - 1);
  stop_service();
}

TEST_F(EdgeServiceTest, ConnectsOverTlsWithAClientCertificateAndAPassword) {
  auto pki = testing::make_test_pki(scratch_);
  if (!pki && pki.error().code() == ErrorCode::kNotFound) GTEST_SKIP() << pki.error().message();
  ASSERT_TRUE(pki.has_value()) << pki.error().message();
  testing::MosquittoBrokerOptions options;
  options.tls = testing::BrokerTlsFiles{pki->ca_file, pki->server_cert_file, pki->server_key_file,
                                        /*require_client_certificate=*/true};
  options.users = {{"edge", "s3cret-edge"}, {"tester", "s3cret-test"}};
  launch_broker(std::move(options));
  client_username_ = "tester";
  client_password_ = "s3cret-test";
  const fs::path password_file = scratch_ / "edge.password";
  ASSERT_TRUE(write_file_atomic(password_file, "s3cret-edge\n").has_value());
  service_broker_url_ = broker_->tls_url();
  start_service(models().primary,
                {"--tls-ca", pki->ca_file.string(), "--tls-cert", pki->client_cert_file.string(),
                 "--tls-key", pki->client_key_file.string(), "--username", "edge",
                 "--password-file", password_file.string()});
  ASSERT_TRUE(connect("tls-sub", {{"aiotops/inference/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("tls-pub");
  ASSERT_TRUE(publisher);
  publish(*publisher, kTelemetryTopic, kReferenceMessage);
  const auto result =
      inbox_.wait_for_field("aiotops/inference/3c61051f1a2c", "deviceID", "3c61051f1a2c");
  ASSERT_TRUE(result.has_value()) << inbox_.dump() << service_->describe();
  expect_result_shape(*result, models().primary_threshold, models().primary_sha12);
  stop_service();
}

TEST_F(EdgeServiceTest, SigtermPublishesTheResultOfEveryReadingReceived) {
  start_service(models().primary, {"--qos", "1", "--overflow", "block"});
  ASSERT_TRUE(connect("drain-sub", {{"aiotops/inference/#", 1}}, inbox_.handler()));
  MqttClient* publisher = connect("drain-pub");
  ASSERT_TRUE(publisher);
  constexpr int kReadings = 500;
  for (int i = 0; i < kReadings; ++i) {
    publish(*publisher, kTelemetryTopic, numbered_reading("drained", i));
  }
  // Stop as soon as the service has them all, most likely with some still queued.
  ASSERT_TRUE(wait_for_metric("aiotops_edge_messages_received_total", kReadings)) << metrics();
  stop_service();
  ASSERT_TRUE(inbox_.wait_for("aiotops/inference/drained", kReadings))
      << inbox_.count("aiotops/inference/drained") << " of " << kReadings << " results\n"
      << service_->describe();
}

TEST_F(EdgeServiceTest, ProbesFollowTheBrokerAndSigtermExitsZero) {
  ASSERT_TRUE(broker_->stop().has_value());  // nothing listens on its port yet
  start_service(models().primary, {}, /*wait_ready=*/false);
  EXPECT_EQ(http_get("/healthz").first, 200);
  EXPECT_EQ(http_get("/readyz").first, 503) << "ready without a broker";
  const std::string before = metrics();
  EXPECT_THAT(before, ::testing::HasSubstr("aiotops_edge_model_info{"));
  EXPECT_THAT(before, ::testing::HasSubstr(models().primary_sha12));

  ASSERT_TRUE(broker_->start().has_value());
  ASSERT_TRUE(service_->wait_for_line(kReadyLine, kTimeout).has_value()) << service_->describe();
  EXPECT_TRUE(eventually([&] { return http_get("/readyz").first == 200; }))
      << http_get("/readyz").second;
  EXPECT_EQ(http_get("/healthz").first, 200);
  const std::string text = metrics();
  for (const char* family :
       {"aiotops_edge_messages_received_total", "aiotops_edge_results_published_total",
        "aiotops_edge_queue_dropped_total", "aiotops_edge_queue_depth",
        "aiotops_edge_inference_latency_seconds_bucket", "aiotops_edge_reconnects_total",
        "aiotops_edge_deadband_skipped_total", "aiotops_edge_alerts_published_total",
        "aiotops_edge_model_swaps_total", "aiotops_edge_model_refusals_total",
        "aiotops_edge_dead_letters_total{reason=\"invalid_json\"}"}) {
    EXPECT_THAT(text, ::testing::HasSubstr(family));
  }
  EXPECT_EQ(http_get("/no-such-page").first, 404);
  stop_service();
  EXPECT_EQ(http_get("/healthz").first, -1) << "the endpoint closes with the service";
}

}  // namespace
}  // namespace aiotops
