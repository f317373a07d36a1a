// The edge service's drift monitor end to end: the real binary against a real Mosquitto broker,
// serving a logistic regression trained (`aiotops sim`, `aiotops train`) on a simulated fleet of
// 200 motors at the default ambient 24 degC, with that training set's statistics (`aiotops
// stats`) as the drift reference. Another fleet simulated at ambient 40 degC makes it publish
// train-model on control-message exactly once (the cool-down holds back the rest); a fresh fleet
// at 24 degC (another seed: other motors, other noise) publishes none over 20 windows, and at most
// one of its windows is over threshold. Every wait has a deadline; the fixture kills the broker
// and the service on every path.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_broker.h"
#include "support/mqtt_test_client.h"
#include "support/prometheus_scrape.h"
#include "support/scratch_dir.h"
#include "transport/mqtt_client.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::ChildProcess;
using testing::MosquittoBroker;
using transport::MqttClient;

constexpr auto kTimeout = 60s;  // the service runs under ASan/UBSan on a shared machine
constexpr std::string_view kTelemetryTopic = "shaded-pole-motor-sensor_data";
constexpr std::string_view kControlTopic = "control-message";
constexpr size_t kWindow = 500;  // readings per drift window: 2.5 minutes of the fleet

// Messages on control-message, in arrival order.
class ControlInbox {
 public:
  MqttClient::MessageHandler handler() {
    return [this](const transport::IncomingMessage& message) {
      std::lock_guard lock(mutex_);
      payloads_.emplace_back(message.payload);
      changed_.notify_all();
    };
  }
  // Waits until a message equal to `payload` arrived; everything received before it.
  std::optional<std::vector<std::string>> until(std::string_view payload) {
    std::unique_lock lock(mutex_);
    std::optional<std::vector<std::string>> before;
    changed_.wait_for(lock, kTimeout, [&] {
      for (size_t i = 0; i < payloads_.size(); ++i) {
        if (payloads_[i] == payload) {
          before.emplace(payloads_.begin(), payloads_.begin() + static_cast<ptrdiff_t>(i));
          return true;
        }
      }
      return false;
    });
    return before;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> payloads_;
};

class EdgeDriftTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_ = std::make_unique<aiotops::testing::ScratchDir>("edge-drift-suite");
    // Many motors: a fleet of a few would differ from another of a few by its motors alone.
    // "fresh": 20 windows; "hot": 12.
    for (const auto& [name, seed, ambient, duration] :
         {std::tuple{"train", 3, 24.0, "1h"}, std::tuple{"fresh", 11, 24.0, "50m"},
          std::tuple{"hot", 12, 40.0, "30m"}}) {
      cli(
          fmt::format("sim --devices 200 --duration {} --interval 60s --seed {} --fault-rate 0.3/h "
                      "--esp32-fft --ambient {} --out {}",
                      duration, seed, ambient, (*suite_ / fmt::format("{}.jsonl", name)).string()));
    }
    const fs::path training = *suite_ / "train.jsonl";
    model_ = *suite_ / "model.json";
    cli(fmt::format("train --data {} --label label --model logistic --quiet --out {}",
                    training.string(), model_.string()));
    // The reference: the statistics of the data the model was trained on.
    reference_ = *suite_ / "train.stats.json";
    cli(fmt::format("stats --data {} --out {}", training.string(), reference_.string()));
  }
  static void TearDownTestSuite() { suite_.reset(); }
  static void cli(const std::string& arguments) {
    const testing::CliOutcome o = testing::run_cli(AIOTOPS_BINARY, arguments, *suite_, 120s);
    ASSERT_EQ(o.exit_code, 0) << "aiotops " << arguments << "\n" << o.out << o.err;
  }

  void SetUp() override {
    // The stream is published faster than a sanitizer build scores it: the broker must queue
    // every QoS 1 reading for the service (Mosquitto's default drops past 1000 queued).
    testing::MosquittoBrokerOptions options;
    options.extra_config = "max_queued_messages 0\n";
    auto broker = MosquittoBroker::launch(std::move(options));
    ASSERT_TRUE(broker.has_value()) << broker.error().message();
    broker_ = std::move(*broker);
  }
  void TearDown() override {
    clients_.clear();
    service_.reset();
    broker_.reset();
  }

  void start_service() {
    std::vector<std::string> argv{AIOTOPS_BINARY,
                                  "edge",
                                  "--broker",
                                  broker_->url(),
                                  "--model",
                                  model_.string(),
                                  "--status-listen",
                                  "127.0.0.1:0",
                                  "--qos",
                                  "1",
                                  "--overflow",
                                  "block",
                                  "--drift-reference",
                                  reference_.string(),
                                  "--drift-window",
                                  std::to_string(kWindow),
                                  "--drift-persist",
                                  "3",
                                  "--drift-cooldown",
                                  "1h",
                                  "--drift-dataset",
                                  "motors"};
    auto child = ChildProcess::spawn(std::move(argv), {.output_dir = scratch_, .name = "edge"});
    ASSERT_TRUE(child.has_value()) << child.error().message();
    service_ = std::move(*child);
    const auto line = service_->wait_for_line("status endpoint on http://", kTimeout);
    ASSERT_TRUE(line.has_value()) << service_->describe();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*line, match, std::regex(R"(http://[^\s/]+:(\d+))"))) << *line;
    status_port_ = static_cast<uint16_t>(std::stoi(match[1].str()));
    ASSERT_TRUE(service_->wait_for_line("telemetry connection ready", kTimeout).has_value())
        << service_->describe();
  }

  MqttClient* connect(
      std::string id, std::vector<transport::Subscription> subscriptions = {},
      MqttClient::MessageHandler handler = [](const auto&) {}) {
    transport::MqttOptions options;
    options.broker_url = broker_->url();
    options.client_id = std::move(id);
    options.subscriptions = std::move(subscriptions);
    return testing::connect_test_client(std::move(options), std::move(handler), clients_, kTimeout);
  }

  // Publishes every line of `file` as a reading at QoS 1; returns how many.
  size_t publish_lines(MqttClient& client, const fs::path& file) {
    const std::string text = read_file(file).value_or("");
    size_t sent = 0;
    for (size_t at = 0; at < text.size();) {
      const size_t end = std::min(text.find('\n', at), text.size());
      if (end > at) {
        const std::string_view line(text.data() + at, end - at);
        EXPECT_TRUE(testing::eventually(
            [&] { return client.publish(kTelemetryTopic, line, 1).has_value(); }, kTimeout));
        ++sent;
      }
      at = end + 1;
    }
    return sent;
  }

  double metric(std::string_view series) const {
    return testing::scrape_metric(status_port_, series);
  }

  // Streams `file` through the service; returns the control messages it published meanwhile.
  std::vector<std::string> run(const std::string& stream) {
    ControlInbox inbox;
    MqttClient* listener =
        connect("drift-listener", {{std::string(kControlTopic), 1}}, inbox.handler());
    MqttClient* publisher = connect("drift-publisher");
    if (!listener || !publisher) return {};
    start_service();
    const size_t sent = publish_lines(*publisher, *suite_ / (stream + ".jsonl"));
    EXPECT_GT(sent, 10 * kWindow);
    // Every reading taken in and handed on, and the worker done with the last one: one worker
    // closes a window per kWindow readings it scores. The worker counts a reading's window before
    // it publishes the reading's result, so the two counters agree only once it is idle.
    double scored = -1;
    double windows = -1;
    EXPECT_TRUE(testing::eventually(
        [&] {
          if (metric("aiotops_edge_messages_received_total") < static_cast<double>(sent) ||
              metric("aiotops_edge_queue_depth") != 0) {
            return false;
          }
          // Idle: nothing scored since the last look (a batch may be in the worker's hands).
          const double previous =
              std::exchange(scored, metric("aiotops_edge_results_published_total"));
          windows = metric("aiotops_edge_drift_windows_total");
          return scored == previous && windows == std::floor(scored / kWindow);
        },
        kTimeout, 200ms))
        << service_->describe() << "\nreceived " << metric("aiotops_edge_messages_received_total")
        << " of " << sent << "; " << windows << " windows closed for " << scored << " scored";
    triggers_ = metric("aiotops_edge_drift_triggers_total");
    windows_over_ = metric("aiotops_edge_drift_windows_over_threshold_total");
    // SIGTERM flushes what the service published; a marker published after it arrives after it.
    auto status = service_->terminate(kTimeout);
    EXPECT_TRUE(status.has_value() && status->ok()) << service_->describe();
    const std::string marker = R"({"command":"marker","payload":"end"})";
    EXPECT_TRUE(publisher->publish(kControlTopic, marker, 1).has_value());
    auto received = inbox.until(marker);
    EXPECT_TRUE(received.has_value()) << "the marker did not arrive";
    return received.value_or(std::vector<std::string>{});
  }

  static inline std::unique_ptr<aiotops::testing::ScratchDir> suite_;
  static inline fs::path model_;
  static inline fs::path reference_;
  aiotops::testing::ScratchDir scratch_{"edge-drift-test"};
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<ChildProcess> service_;
  std::vector<std::unique_ptr<MqttClient>> clients_;
  uint16_t status_port_ = 0;
  double triggers_ = -1;
  double windows_over_ = -1;
};

TEST_F(EdgeDriftTest, AHotterFleetAsksForRetrainingOnce) {
  const std::vector<std::string> control = run("hot");
  ASSERT_EQ(control.size(), 1u) << fmt::format("{}", fmt::join(control, "\n"));
  EXPECT_EQ(triggers_, 1);
  const json message = json::parse(control[0], nullptr, false);
  ASSERT_TRUE(message.is_object()) << control[0];
  EXPECT_EQ(message["command"], "train-model");
  ASSERT_TRUE(message["payload"].is_string()) << control[0];
  const json payload = json::parse(message["payload"].get<std::string>(), nullptr, false);
  ASSERT_TRUE(payload.is_object()) << control[0];
  EXPECT_EQ(payload["reason"], "drift");
  EXPECT_EQ(payload["dataset"], "motors");
  EXPECT_EQ(payload["consecutive_windows"], 3);
  EXPECT_EQ(payload["window"], kWindow);
  EXPECT_EQ(payload["features"]["temperature"]["drift"], true) << payload.dump();
  EXPECT_GE(payload["features"]["temperature"]["psi"].get<double>(), 0.2);
}

TEST_F(EdgeDriftTest, AFleetLikeTheTrainingOneAsksForNothing) {
  const std::vector<std::string> control = run("fresh");
  EXPECT_TRUE(control.empty()) << fmt::format("{}", fmt::join(control, "\n"));
  EXPECT_EQ(triggers_, 0);
  EXPECT_LE(windows_over_, 1);  // the issue's false-alarm bound, over 20 windows
}

}  // namespace
}  // namespace aiotops
