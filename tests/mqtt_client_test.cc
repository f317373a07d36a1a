// transport::MqttClient against a real Mosquitto broker (Debian's) on a free loopback port:
// round trips at QoS 0 and 1, wildcards, independent clients (mosquitto_pub/mosquitto_sub), a
// broker killed and restarted mid-stream, persistent sessions, TLS, and when PUBACK leaves.
// Every wait has a deadline; the broker fixture stops the broker on every path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli_run.h"
#include "common/files.h"
#include "support/allocation_counter.h"
#include "support/mosquitto_broker.h"
#include "support/scratch_dir.h"
#include "support/test_pki.h"
#include "transport/mqtt_client.h"

namespace aiotops::transport {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::MosquittoBroker;

constexpr auto kTimeout = 20s;

struct Received {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
};

// Collects what a client's handler sees; waits on it with a deadline.
class Inbox {
 public:
  MqttClient::MessageHandler handler() {
    return [this](const IncomingMessage& message) {
      std::lock_guard lock(mutex_);
      messages_.push_back(
          {std::string(message.topic), std::string(message.payload), message.qos, message.retain});
      changed_.notify_all();
    };
  }
  bool wait_for(size_t count, std::chrono::milliseconds timeout = kTimeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }
  // Waits until a message with exactly this payload arrived.
  bool wait_for_payload(const std::string& payload, std::chrono::milliseconds timeout = kTimeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      return std::ranges::any_of(messages_,
                                 [&](const Received& m) { return m.payload == payload; });
    });
  }
  std::vector<Received> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const Received& m : messages()) out.push_back(m.payload);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> messages_;
};

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = kTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

bool ready(const MqttClient& client) {
  return eventually([&] { return client.state() == ConnectionState::kReady; });
}

class MqttClientTest : public ::testing::Test {
 protected:
  void TearDown() override { broker_.reset(); }

  void launch_broker(testing::MosquittoBrokerOptions options = {}) {
    auto broker = MosquittoBroker::launch(std::move(options));
    ASSERT_TRUE(broker.has_value()) << broker.error().message();
    broker_ = std::move(*broker);
  }

  // Fast retries so a restarted broker is found quickly; the seed makes the delays repeatable.
  MqttOptions options(std::string client_id, std::vector<Subscription> subscriptions = {}) const {
    MqttOptions options;
    options.broker_url = broker_->url();
    options.client_id = std::move(client_id);
    options.subscriptions = std::move(subscriptions);
    options.backoff = {.initial = 20ms, .max = 500ms, .multiplier = 2.0, .jitter = 0.5};
    options.jitter_seed = 1;
    return options;
  }

  // Creates and starts a client; nullptr (with a failure) if it cannot. Declare it after whatever
  // its handlers use, so that it stops first.
  std::unique_ptr<MqttClient> start(MqttOptions options, MqttClient::MessageHandler handler = {},
                                    MqttClient::StateHandler on_state = {}) {
    auto client = MqttClient::create(std::move(options), std::move(handler), std::move(on_state));
    EXPECT_TRUE(client.has_value()) << client.error().message();
    if (!client) return nullptr;
    auto started = (*client)->start();
    EXPECT_TRUE(started.has_value()) << started.error().message();
    return std::move(*client);
  }

  // Runs a mosquitto command-line client against the broker.
  testing::CliOutcome run(const std::string& tool, const std::string& arguments,
                          const fs::path& scratch) const {
    return testing::run_cli(tool, fmt::format("-h 127.0.0.1 -p {} {}", broker_->port(), arguments),
                            scratch, 30s);
  }

  aiotops::testing::ScratchDir scratch_{"mqtt-client-test"};
  std::unique_ptr<MosquittoBroker> broker_;
};

TEST_F(MqttClientTest, RoundTripsAtQos0AndQos1) {
  launch_broker();
  Inbox inbox;
  auto subscriber = start(options("rt-sub", {{"rt/q0", 0}, {"rt/q1", 1}}), inbox.handler());
  auto publisher = start(options("rt-pub"));
  ASSERT_TRUE(subscriber && publisher);
  ASSERT_TRUE(ready(*subscriber)) << subscriber->last_error() << broker_->log();
  ASSERT_TRUE(ready(*publisher)) << publisher->last_error();

  const std::string binary("bin\0ary\xff", 8);  // payloads are bytes, not C strings
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(publisher->publish("rt/q0", fmt::format("zero-{}", i), 0).has_value());
    ASSERT_TRUE(publisher->publish("rt/q1", fmt::format("one-{}", i), 1).has_value());
  }
  ASSERT_TRUE(publisher->publish("rt/q1", binary, 1).has_value());
  ASSERT_TRUE(inbox.wait_for(101)) << inbox.messages().size();

  std::vector<std::string> zero, one;
  for (const Received& m : inbox.messages()) {
    EXPECT_FALSE(m.retain);
    if (m.topic == "rt/q0") {
      EXPECT_EQ(m.qos, 0);
      zero.push_back(m.payload);
    } else {
      EXPECT_EQ(m.topic, "rt/q1");
      EXPECT_EQ(m.qos, 1);
      one.push_back(m.payload);
    }
  }
  ASSERT_EQ(zero.size(), 50u);
  ASSERT_EQ(one.size(), 51u);
  for (int i = 0; i < 50; ++i) {  // in order, per topic
    EXPECT_EQ(zero[i], fmt::format("zero-{}", i));
    EXPECT_EQ(one[i], fmt::format("one-{}", i));
  }
  EXPECT_EQ(one.back(), binary);
  EXPECT_TRUE(eventually([&] { return publisher->counters().messages_out == 101; }));
  const MqttCounters counters = subscriber->counters();
  EXPECT_EQ(counters.messages_in, 101u);
  EXPECT_EQ(counters.connects, 1u);
  EXPECT_EQ(counters.reconnects, 0u);
  EXPECT_EQ(counters.publish_failures, 0u);
}

TEST_F(MqttClientTest, PublishesFromSeveralThreadsAtOnce) {
  launch_broker();
  Inbox inbox;
  auto subscriber = start(options("mt-sub", {{"mt/+", 1}}), inbox.handler());
  auto publisher = start(options("mt-pub"));
  ASSERT_TRUE(subscriber && publisher);
  ASSERT_TRUE(ready(*subscriber) && ready(*publisher));
  constexpr int kThreads = 4;
  constexpr int kEach = 250;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!publisher->publish(fmt::format("mt/{}", t), fmt::format("{}", i), 1)) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(inbox.wait_for(kThreads * kEach)) << inbox.messages().size();
  std::vector<int> next(kThreads, 0);
  for (const Received& m : inbox.messages()) {  // each thread's messages complete and in order
    const int t = m.topic.back() - '0';
    EXPECT_EQ(m.payload, std::to_string(next[t]++)) << m.topic;
  }
  EXPECT_EQ(next, std::vector<int>(kThreads, kEach));
  EXPECT_TRUE(eventually([&] { return publisher->counters().messages_out == kThreads * kEach; }));
}

TEST_F(MqttClientTest, LogsInWithAPasswordAndIsRefusedWithAWrongOne) {
  testing::MosquittoBrokerOptions secured;
  secured.users = {{"gateway", "s3cret"}};
  launch_broker(std::move(secured));
  MqttOptions good = options("cred-good", {{"cred/#", 1}});
  good.username = "gateway";
  good.password = "s3cret";
  Inbox inbox;
  auto client = start(good, inbox.handler());
  MqttOptions wrong = options("cred-wrong");
  wrong.username = "gateway";
  wrong.password = "guess";
  auto refused = start(wrong);
  ASSERT_TRUE(client && refused);
  ASSERT_TRUE(ready(*client)) << client->last_error() << "\n" << broker_->log();
  ASSERT_TRUE(client->publish("cred/m1", "let in", 1).has_value());
  EXPECT_TRUE(inbox.wait_for_payload("let in"));

  ASSERT_TRUE(eventually([&] { return refused->counters().connect_failures >= 1; }));
  EXPECT_THAT(refused->last_error(), HasSubstr("not authorised"));
  EXPECT_EQ(refused->counters().connects, 0u);
  EXPECT_NE(refused->state(), ConnectionState::kReady);
}

TEST_F(MqttClientTest, DeliversExactlyWhatTheFiltersMatch) {
  launch_broker();
  Inbox inbox;
  auto subscriber =
      start(options("wild-sub", {{"plant/+/motor", 1}, {"alerts/#", 1}, {"exact/topic", 1}}),
            inbox.handler());
  auto publisher = start(options("wild-pub"));
  ASSERT_TRUE(subscriber && publisher);
  ASSERT_TRUE(ready(*subscriber)) << subscriber->last_error();
  ASSERT_TRUE(ready(*publisher));

  for (const char* topic :
       {"plant/a/motor", "plant/b/motor", "plant/a/motor/x", "plant/motor", "alerts", "alerts/m1",
        "alerts/m1/deep", "exact/topic/no", "other/topic", "exact/topic"}) {
    ASSERT_TRUE(publisher->publish(topic, topic, 1).has_value()) << topic;
  }
  // One publisher's QoS 1 messages arrive in order, so the last one closes the set.
  ASSERT_TRUE(inbox.wait_for_payload("exact/topic"));
  std::vector<std::string> topics;
  for (const Received& m : inbox.messages()) topics.push_back(m.topic);
  EXPECT_THAT(topics, ::testing::ElementsAre("plant/a/motor", "plant/b/motor", "alerts",
                                             "alerts/m1", "alerts/m1/deep", "exact/topic"));
}

TEST_F(MqttClientTest, ReceivesTheReferenceMessagesFromMosquittoPub) {
  launch_broker();
  Inbox inbox;
  auto subscriber =
      start(options("ref-sub", {{"shaded-pole-motor-sensor_data", 1}}), inbox.handler());
  ASSERT_TRUE(subscriber && ready(*subscriber)) << subscriber->last_error();

  // The reference device's message, its TPU-path shape without deviceID, and the demo's
  // hand-typed fault message.
  const std::vector<std::string> lines{
      R"({"deviceID":"3C71BF4A6F2C","current":412.50,"temperature":36.60,"vibration":1235.90,"sound":150.60,"fft_data":"true"})",
      R"({"current":410.25,"temperature":36.10,"vibration":1230.00,"sound":149.80})",
      R"({"current":1634.7,"temperature":145.4,"vibration":1235.9,"sound":150.6})"};
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  ASSERT_TRUE(write_file_atomic(scratch_ / "lines.txt", text).has_value());
  const auto outcome = run("mosquitto_pub",
                           fmt::format("-q 1 -t shaded-pole-motor-sensor_data -l < {}",
                                       (scratch_ / "lines.txt").string()),
                           scratch_);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  ASSERT_TRUE(inbox.wait_for(3)) << broker_->log();
  EXPECT_EQ(inbox.payloads(), lines);
}

TEST_F(MqttClientTest, MosquittoSubReceivesWhatWePublish) {
  launch_broker();
  auto publisher = start(options("to-sub-pub"));
  ASSERT_TRUE(publisher && ready(*publisher));
  const fs::path sub_scratch = scratch_ / "sub";
  fs::create_directories(sub_scratch);
  testing::CliOutcome sub;
  std::thread subscriber([&] {
    sub = run("mosquitto_sub", "-i check-sub -q 1 -t check/+ -v -C 3 -W 20", sub_scratch);
  });
  // The broker logs each subscription (log_type subscribe): then nothing can be missed.
  const bool subscribed = broker_->wait_for_log("check-sub 1 check/+", kTimeout);
  if (subscribed) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(publisher->publish(fmt::format("check/{}", i), fmt::format("m{}", i), 1));
    }
  }
  subscriber.join();
  ASSERT_TRUE(subscribed) << broker_->log();
  EXPECT_EQ(sub.exit_code, 0) << sub.err;
  EXPECT_EQ(sub.out, "check/0 m0\ncheck/1 m1\ncheck/2 m2\n");
}

// A stream keeps flowing from one client to another while the broker is SIGKILLed and started
// again on the same port: both reconnect on their own, the subscriber subscribes again (the new
// broker knows nothing of it) and receives the rest of the stream.
TEST_F(MqttClientTest, ReconnectsAndResubscribesAfterTheBrokerIsKilledMidStream) {
  launch_broker();
  Inbox inbox;
  auto subscriber = start(options("stream-sub", {{"stream/#", 1}}), inbox.handler());
  auto publisher = start(options("stream-pub"));
  ASSERT_TRUE(subscriber && publisher);
  ASSERT_TRUE(ready(*subscriber) && ready(*publisher)) << subscriber->last_error();

  std::atomic<bool> streaming{true};
  std::atomic<int> published{0};
  std::atomic<int> refused{0};
  std::thread stream([&] {
    for (int n = 0; streaming.load(); ++n) {
      if (publisher->publish("stream/numbers", std::to_string(n), 1)) {
        published.store(n);
      } else {
        refused.fetch_add(1);
      }
      std::this_thread::sleep_for(1ms);  // a sensor's pace, not a flood
    }
  });
  auto largest_received = [&] {
    int largest = -1;
    for (const std::string& payload : inbox.payloads())
      largest = std::max(largest, std::stoi(payload));
    return largest;
  };

  const bool flowing = inbox.wait_for(50);
  broker_->kill();
  const bool noticed = eventually(
      [&] { return subscriber->state() != ConnectionState::kReady && refused.load() > 0; });
  const int before_restart = published.load();
  const Status restarted = broker_->start();
  const bool resumed = eventually([&] { return largest_received() > before_restart + 50; });
  streaming = false;
  stream.join();

  ASSERT_TRUE(flowing) << broker_->log();
  ASSERT_TRUE(noticed) << subscriber->last_error();
  ASSERT_TRUE(restarted.has_value()) << restarted.error().message();
  ASSERT_TRUE(resumed) << "largest " << largest_received() << " before restart " << before_restart
                       << "\n"
                       << subscriber->last_error() << "\n"
                       << broker_->log();
  const MqttCounters counters = subscriber->counters();
  EXPECT_EQ(counters.connects, 2u);
  EXPECT_EQ(counters.reconnects, 1u);
  EXPECT_EQ(counters.connection_losses, 1u);
  EXPECT_EQ(counters.state, ConnectionState::kReady);
  EXPECT_EQ(publisher->counters().reconnects, 1u);
  EXPECT_THAT(subscriber->last_error(), HasSubstr(broker_->url()));
  // An independent client reaches the resubscribed filter too.
  const auto outcome = run("mosquitto_pub", "-q 1 -t stream/check -m after-restart", scratch_);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(inbox.wait_for_payload("after-restart"));
}

// QoS 1 with a persistent session: what is published while the subscriber is away waits at the
// broker, across a clean broker restart too, and arrives when it connects again with its id.
TEST_F(MqttClientTest, PersistentSessionReceivesWhatWasPublishedWhileAway) {
  launch_broker();
  MqttOptions persistent = options("persistent-sub", {{"queued/#", 1}});
  persistent.clean_session = false;
  {
    Inbox first;
    auto client = MqttClient::create(persistent, first.handler());
    ASSERT_TRUE(client.has_value()) << client.error().message();
    ASSERT_TRUE((*client)->start().has_value());
    ASSERT_TRUE(ready(**client)) << (*client)->last_error();
    (*client)->stop();
  }
  for (int i = 0; i < 10; ++i) {
    const auto outcome =
        run("mosquitto_pub", fmt::format("-q 1 -t queued/a -m before-{}", i), scratch_);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  }
  // A clean stop writes the sessions and their queued messages to the persistence file.
  ASSERT_TRUE(broker_->stop().has_value());
  ASSERT_TRUE(broker_->start().has_value());
  for (int i = 0; i < 10; ++i) {
    const auto outcome =
        run("mosquitto_pub", fmt::format("-q 1 -t queued/b -m after-{}", i), scratch_);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  }

  Inbox second;
  std::mutex mutex;
  std::vector<std::string> details;
  auto again = start(persistent, second.handler(), [&](ConnectionState, std::string_view d) {
    std::lock_guard lock(mutex);
    details.emplace_back(d);
  });
  ASSERT_TRUE(again);
  ASSERT_TRUE(second.wait_for(20)) << second.messages().size() << "\n" << broker_->log();
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back(fmt::format("before-{}", i));
  for (int i = 0; i < 10; ++i) expected.push_back(fmt::format("after-{}", i));
  EXPECT_EQ(second.payloads(), expected);
  for (const Received& m : second.messages()) EXPECT_EQ(m.qos, 1);
  // The broker kept the session; the client subscribed again all the same.
  ASSERT_TRUE(ready(*again));
  std::lock_guard lock(mutex);
  EXPECT_THAT(details, ::testing::Contains("connected, session present"));
  EXPECT_THAT(details, ::testing::Contains("subscribed"));
}

TEST_F(MqttClientTest, ReceivingAllocatesNothingOnTheNetworkThread) {
  launch_broker();
  // The handler records the network thread's allocation count into preallocated slots.
  constexpr size_t kMessages = 200;
  std::array<size_t, kMessages> allocations{};
  std::atomic<size_t> received{0};
  auto subscriber = start(options("alloc-sub", {{"alloc/+", 1}}), [&](const IncomingMessage&) {
    const size_t n = received.load();
    if (n < kMessages) allocations[n] = aiotops::testing::thread_allocation_count();
    received.store(n + 1);
  });
  auto publisher = start(options("alloc-pub"));
  ASSERT_TRUE(subscriber && publisher);
  ASSERT_TRUE(ready(*subscriber) && ready(*publisher));
  for (size_t i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(publisher->publish(fmt::format("alloc/{}", i % 7), std::string(100, 'x'), 1));
  }
  ASSERT_TRUE(eventually([&] { return received.load() >= kMessages; }));
  EXPECT_EQ(allocations.back(), allocations[1]) << "first " << allocations.front();
}

TEST_F(MqttClientTest, StopSendsADisconnect) {
  launch_broker();
  auto client = start(options("polite"));
  ASSERT_TRUE(client && ready(*client));
  client->stop();
  EXPECT_EQ(client->state(), ConnectionState::kDisconnected);
  EXPECT_TRUE(broker_->wait_for_log("Client polite disconnected.", kTimeout)) << broker_->log();
}

TEST_F(MqttClientTest, BadUrlsAreRejectedAndAnUnusedPortIsRetried) {
  launch_broker();
  for (const char* url : {"mqtt:/127.0.0.1", "mqtt://127.0.0.1:http", "ws://127.0.0.1:1883"}) {
    MqttOptions bad = options("bad");
    bad.broker_url = url;
    auto client = MqttClient::create(bad, {});
    ASSERT_FALSE(client.has_value()) << url;
    EXPECT_EQ(client.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(client.error().message(), HasSubstr(url));
  }
  const uint16_t port = broker_->port();
  broker_->kill();  // nothing listens on the port any more
  MqttOptions nobody = options("nobody");
  nobody.broker_url = fmt::format("mqtt://127.0.0.1:{}", port);
  auto client = start(nobody);
  ASSERT_TRUE(client);
  ASSERT_TRUE(eventually([&] { return client->counters().connect_failures >= 2; }));
  EXPECT_THAT(client->last_error(), HasSubstr("Connection refused"));
  // ...and connects once a broker is there.
  ASSERT_TRUE(broker_->start().has_value());
  EXPECT_TRUE(ready(*client)) << client->last_error();
}

// libmosquitto 2.0.11 queues the PUBACK before it calls the handler, and with our own network
// thread the PUBACK leaves only when the handler has returned: a blocked handler holds it back.
TEST_F(MqttClientTest, PubackLeavesAfterTheHandlerReturns) {
  testing::MosquittoBrokerOptions verbose;
  verbose.verbose_log = true;  // the broker logs every PUBACK it receives
  launch_broker(std::move(verbose));
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool release = false;
  auto subscriber = start(options("slow-sub", {{"slow/+", 1}}), [&](const IncomingMessage&) {
    std::unique_lock lock(mutex);
    entered = true;
    changed.notify_all();
    changed.wait_for(lock, kTimeout, [&] { return release; });
  });
  auto publisher = start(options("slow-pub"));
  ASSERT_TRUE(subscriber && publisher);
  ASSERT_TRUE(ready(*subscriber) && ready(*publisher));

  ASSERT_TRUE(publisher->publish("slow/a", "first", 1).has_value());
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, kTimeout, [&] { return entered; }));
  }
  // A full QoS 1 round trip of another client after the handler started: had the subscriber's
  // PUBACK been written before the handler ran, the broker would have logged it by now.
  ASSERT_TRUE(publisher->publish("other", "barrier", 1).has_value());
  ASSERT_TRUE(eventually([&] { return publisher->counters().messages_out == 2; }));
  EXPECT_THAT(broker_->log(), Not(HasSubstr("Received PUBACK from slow-sub")));
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  EXPECT_TRUE(broker_->wait_for_log("Received PUBACK from slow-sub", kTimeout)) << broker_->log();
}

class MqttTlsTest : public MqttClientTest {
 protected:
  void SetUp() override {
    MqttClientTest::SetUp();
    const fs::path pki_dir = scratch_ / "pki";
    fs::create_directories(pki_dir);
    auto pki = testing::make_test_pki(pki_dir);
    if (!pki && pki.error().code() == ErrorCode::kNotFound) GTEST_SKIP() << pki.error().message();
    ASSERT_TRUE(pki.has_value()) << pki.error().message();
    pki_ = *pki;
    testing::MosquittoBrokerOptions broker;
    broker.tls = testing::BrokerTlsFiles{.ca_file = pki_.ca_file,
                                         .cert_file = pki_.server_cert_file,
                                         .key_file = pki_.server_key_file,
                                         .require_client_certificate = true};
    launch_broker(std::move(broker));
  }

  MqttOptions tls_options(std::string client_id, std::vector<Subscription> subscriptions = {}) {
    MqttOptions tls = options(std::move(client_id), std::move(subscriptions));
    tls.broker_url = broker_->tls_url();
    tls.tls.ca_file = pki_.ca_file.string();
    tls.tls.cert_file = pki_.client_cert_file.string();
    tls.tls.key_file = pki_.client_key_file.string();
    return tls;
  }

  testing::TestPki pki_;
};

TEST_F(MqttTlsTest, RoundTripsWithACertificateSignedByTheGivenCa) {
  Inbox inbox;
  auto subscriber = start(tls_options("tls-sub", {{"secure/#", 1}}), inbox.handler());
  auto publisher = start(tls_options("tls-pub"));
  ASSERT_TRUE(subscriber && publisher);
  ASSERT_TRUE(ready(*subscriber)) << subscriber->last_error() << "\n" << broker_->log();
  ASSERT_TRUE(ready(*publisher)) << publisher->last_error();
  ASSERT_TRUE(publisher->publish("secure/m1", "sealed", 1).has_value());
  ASSERT_TRUE(inbox.wait_for(1));
  EXPECT_EQ(inbox.messages()[0].topic, "secure/m1");
  EXPECT_EQ(inbox.messages()[0].payload, "sealed");
}

TEST_F(MqttTlsTest, RefusesABrokerItCannotVerifyAndExplainsWhy) {
  // The system's CAs did not sign the test broker's certificate.
  MqttOptions unverified = tls_options("tls-unverified");
  unverified.tls.ca_file.clear();
  auto client = start(unverified);
  ASSERT_TRUE(client);
  ASSERT_TRUE(eventually([&] { return client->counters().connect_failures >= 1; }));
  EXPECT_THAT(client->last_error(), HasSubstr("certificate verify failed"));
  EXPECT_EQ(client->counters().connects, 0u);

  // Told to skip verification, the same client gets through (encrypted, unauthenticated).
  unverified.client_id = "tls-insecure";
  unverified.tls.insecure_skip_verify = true;
  auto insecure = start(unverified);
  ASSERT_TRUE(insecure);
  EXPECT_TRUE(ready(*insecure)) << insecure->last_error();
}

TEST_F(MqttTlsTest, TheBrokerRefusesAClientWithoutACertificate) {
  MqttOptions anonymous = tls_options("tls-no-cert");
  anonymous.tls.cert_file.clear();
  anonymous.tls.key_file.clear();
  auto client = start(anonymous);
  ASSERT_TRUE(client);
  ASSERT_TRUE(eventually([&] { return client->counters().connect_failures >= 1; }));
  EXPECT_EQ(client->counters().connects, 0u);
  EXPECT_THAT(client->last_error(), HasSubstr("cannot connect to " + broker_->tls_url()));
}

}  // namespace
}  // namespace aiotops::transport
