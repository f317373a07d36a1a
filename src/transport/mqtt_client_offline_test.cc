// MqttClient without a broker: what it does when nothing answers. The broker tests are in
// tests/mqtt_client_test.cc.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/mqtt_client.h"

namespace aiotops::transport {
namespace {

using namespace std::chrono_literals;

// A loopback port that refuses connections: bound (so nobody else takes it) but not listening.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~RefusingPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

MqttOptions refused_by(const RefusingPort& port) {
  MqttOptions options;
  options.broker_url = fmt::format("mqtt://127.0.0.1:{}", port.port());
  return options;
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

TEST(MqttClientOffline, CreateRejectsBadOptions) {
  MqttOptions options;
  options.broker_url = "http://localhost";
  auto client = MqttClient::create(options, {});
  ASSERT_FALSE(client.has_value());
  EXPECT_NE(client.error().message().find("unsupported scheme 'http'"), std::string::npos);
}

TEST(MqttClientOffline, KeepsRetryingARefusingBrokerAndCountsFailures) {
  RefusingPort port;
  ASSERT_NE(port.port(), 0);
  std::mutex mutex;
  std::vector<ConnectionState> states;
  MqttOptions options = refused_by(port);
  options.backoff = {.initial = 5ms, .max = 20ms, .multiplier = 2.0, .jitter = 0.5};
  options.jitter_seed = 7;
  auto client = MqttClient::create(options, {}, [&](ConnectionState state, std::string_view) {
    std::lock_guard lock(mutex);
    states.push_back(state);
  });
  ASSERT_TRUE(client.has_value()) << client.error().message();
  MqttClient& mqtt = **client;
  EXPECT_EQ(mqtt.url(), fmt::format("mqtt://127.0.0.1:{}", port.port()));
  ASSERT_TRUE(mqtt.start().has_value());
  EXPECT_FALSE(mqtt.start().has_value());  // one network thread per client

  ASSERT_TRUE(eventually([&] { return mqtt.counters().connect_failures >= 3; }));
  EXPECT_NE(mqtt.last_error().find("cannot connect to mqtt://127.0.0.1"), std::string::npos)
      << mqtt.last_error();
  EXPECT_NE(mqtt.last_error().find("refused"), std::string::npos) << mqtt.last_error();

  auto published = mqtt.publish("aiotops/inference/m1", "{}", 1);
  ASSERT_FALSE(published.has_value());
  EXPECT_EQ(published.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(published.error().retriable());

  mqtt.stop();
  mqtt.stop();  // idempotent
  const MqttCounters counters = mqtt.counters();
  EXPECT_EQ(counters.connects, 0u);
  EXPECT_EQ(counters.publish_failures, 1u);
  EXPECT_EQ(counters.state, ConnectionState::kDisconnected);
  std::lock_guard lock(mutex);
  ASSERT_GE(states.size(), 6u);
  EXPECT_EQ(states.front(), ConnectionState::kConnecting);
  EXPECT_EQ(states[1], ConnectionState::kDisconnected);
  EXPECT_EQ(states.back(), ConnectionState::kDisconnected);
  EXPECT_FALSE(mqtt.start().has_value());  // not restartable
}

TEST(MqttClientOffline, StopsPromptlyDuringALongBackoff) {
  RefusingPort port;
  MqttOptions options = refused_by(port);
  options.backoff = {.initial = 1h, .max = 1h, .multiplier = 2.0, .jitter = 0.0};
  auto client = MqttClient::create(options, {});
  ASSERT_TRUE(client.has_value());
  ASSERT_TRUE((*client)->start().has_value());
  ASSERT_TRUE(eventually([&] { return (*client)->counters().connect_failures == 1; }));
  (*client)->stop();  // returns although the next attempt is an hour away
  EXPECT_EQ((*client)->state(), ConnectionState::kDisconnected);
}

TEST(MqttClientOffline, PublishRejectsBadTopicsAndQos) {
  auto client = MqttClient::create({}, {});
  ASSERT_TRUE(client.has_value());
  for (std::string_view topic : {std::string_view(""), std::string_view("a/+"),
                                 std::string_view("a/#"), std::string_view("a\0b", 3)}) {
    auto published = (*client)->publish(topic, "x", 0);
    ASSERT_FALSE(published.has_value());
    EXPECT_EQ(published.error().code(), ErrorCode::kInvalidArgument);
  }
  auto qos2 = (*client)->publish("a/b", "x", 2);
  ASSERT_FALSE(qos2.has_value());
  EXPECT_NE(qos2.error().message().find("QoS 2"), std::string::npos);
  EXPECT_EQ((*client)->counters().publish_failures, 5u);
}

TEST(MqttClientOffline, DestroyingAStartedOrUnstartedClientIsSafe) {
  RefusingPort port;
  { auto unstarted = MqttClient::create(refused_by(port), {}); }
  {
    auto started = MqttClient::create(refused_by(port), {});
    ASSERT_TRUE(started.has_value());
    ASSERT_TRUE((*started)->start().has_value());
  }
}

}  // namespace
}  // namespace aiotops::transport
