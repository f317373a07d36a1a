// Load generator and meter for the MQTT paths: publishes numbered telemetry messages in the
// reference's shape (~100 bytes) to one topic and counts what arrives on another, with the
// publish-to-arrival latency of every message (both ends in this process, one steady clock).
//
//   raw path:  --publish-topic T --subscribe-topic T          (broker only)
//   edge path: --publish-topic T --subscribe-topic 'aiotops/inference/#'   (aiotops edge between)
//
// The sequence number travels as the message's timeStamp, which the edge service copies into
// its result. Unpaced, the publisher keeps at most --window messages in flight (published, not
// yet arrived): a closed loop that measures the rate the path sustains without overflowing a
// queue; paced (--rate), it publishes on schedule. Prints one JSON object: sent, received, lost,
// duplicates, rate (messages/s from the first publish to the last arrival), latency percentiles
// in microseconds. Exit status 4 when messages were lost.

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "transport/mqtt_client.h"

namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// The integer after "timeStamp": in a payload, or -1.
int64_t sequence_of(std::string_view payload) {
  constexpr std::string_view kKey = "\"timeStamp\":";
  const size_t at = payload.find(kKey);
  if (at == std::string_view::npos) return -1;
  int64_t value = -1;
  const char* first = payload.data() + at + kKey.size();
  std::from_chars(first, payload.data() + payload.size(), value);
  return value;
}

double percentile(std::vector<int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty()) return 0;
  const size_t index = std::min(sorted_ns.size() - 1, static_cast<size_t>(p * sorted_ns.size()));
  return static_cast<double>(sorted_ns[index]) / 1000.0;
}

bool wait_ready(const aiotops::transport::MqttClient& client, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (client.state() != aiotops::transport::ConnectionState::kReady) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Publish numbered telemetry and measure what arrives"};
  std::string broker = "mqtt://127.0.0.1:1883";
  std::string publish_topic = "shaded-pole-motor-sensor_data";
  std::string subscribe_topic = publish_topic;
  int qos = 0;
  int64_t messages = 100'000;
  double rate = 0;        // messages/s; 0 = as fast as the window allows
  int64_t window = 1000;  // messages published but not yet arrived, at most; 0 = no limit
  double idle_seconds = 5;
  int devices = 50;
  app.add_option("--broker", broker, "mqtt://host:port");
  app.add_option("--publish-topic", publish_topic);
  app.add_option("--subscribe-topic", subscribe_topic, "where arrivals are counted");
  app.add_option("--qos", qos, "QoS of publishes and the subscription")->check(CLI::Range(0, 1));
  app.add_option("--messages", messages)->check(CLI::PositiveNumber);
  app.add_option("--rate", rate, "messages per second, 0 = unpaced")->check(CLI::NonNegativeNumber);
  app.add_option("--window", window,
                 "at most this many messages published and not yet arrived (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--idle", idle_seconds, "stop after this many seconds without an arrival");
  app.add_option("--devices", devices, "distinct deviceIDs, round robin")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  using aiotops::transport::MqttClient;
  using aiotops::transport::MqttOptions;
  std::vector<int64_t> sent_ns(static_cast<size_t>(messages), 0);
  std::vector<int64_t> arrived_ns(static_cast<size_t>(messages), 0);
  std::atomic<int64_t> received = 0, duplicates = 0, foreign = 0, last_arrival_ns = 0;

  MqttOptions subscriber_options;
  subscriber_options.broker_url = broker;
  subscriber_options.subscriptions = {{subscribe_topic, qos}};
  auto subscriber = MqttClient::create(subscriber_options, [&](const auto& message) {
    const int64_t at = now_ns();
    const int64_t seq = sequence_of(message.payload);
    if (seq < 0 || seq >= messages) {
      foreign.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (arrived_ns[static_cast<size_t>(seq)] != 0) {
      duplicates.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    arrived_ns[static_cast<size_t>(seq)] = at;
    received.fetch_add(1, std::memory_order_relaxed);
    last_arrival_ns.store(at, std::memory_order_relaxed);
  });
  MqttOptions publisher_options;
  publisher_options.broker_url = broker;
  publisher_options.max_inflight = 1000;
  auto publisher = MqttClient::create(publisher_options, [](const auto&) {});
  if (!subscriber || !publisher) {
    std::fprintf(stderr, "mqtt_bench: %s\n",
                 (!subscriber ? subscriber.error() : publisher.error()).message().c_str());
    return 2;
  }
  if (!(*subscriber)->start() || !(*publisher)->start() ||
      !wait_ready(**subscriber, std::chrono::seconds(10)) ||
      !wait_ready(**publisher, std::chrono::seconds(10))) {
    std::fprintf(stderr, "mqtt_bench: cannot connect to %s\n", broker.c_str());
    return 1;
  }

  std::string payload;
  int64_t publish_failures = 0;
  int64_t sent = 0;
  bool stalled = false;  // the window stayed full for idle_seconds: messages were lost
  const auto idle = std::chrono::duration<double>(idle_seconds);
  const int64_t start_ns = now_ns();
  for (int64_t seq = 0; seq < messages && !stalled; ++seq) {
    // Closed loop: neither the broker's per-client queue (max_queued_messages, 1000 by default)
    // nor the service's queue overflows, so the rate measured is one the path sustains.
    if (window > 0 && seq - received.load(std::memory_order_relaxed) >= window) {
      int64_t seen = received.load(std::memory_order_relaxed);
      auto progress_at = Clock::now();
      while (seq - seen >= window) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        const int64_t now_received = received.load(std::memory_order_relaxed);
        if (now_received != seen) {
          seen = now_received;
          progress_at = Clock::now();
        } else if (Clock::now() - progress_at > idle) {
          stalled = true;
          break;
        }
      }
      if (stalled) break;
    }
    if (rate > 0) {
      // Sleep, not spin: the broker and the service share the machine's few cores. A late wake-up
      // sends the messages that fell due in a burst, so the average rate holds.
      const int64_t due = start_ns + static_cast<int64_t>(static_cast<double>(seq) * 1e9 / rate);
      if (now_ns() < due)
        std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(due)));
    }
    payload.clear();
    fmt::format_to(std::back_inserter(payload),
                   R"({{"deviceID":"motor-{:02}","timeStamp":{},"current":412.50,)"
                   R"("temperature":36.60,"vibration":1235.90,"sound":150.60,"fft_data":"true"}})",
                   seq % devices, seq);
    sent_ns[static_cast<size_t>(seq)] = now_ns();
    // A full client queue (QoS 1 in-flight window) is retried: the load must arrive whole.
    while (!(*publisher)->publish(publish_topic, payload, qos)) {
      ++publish_failures;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    ++sent;
  }
  const int64_t published_ns = now_ns();

  int64_t seen = -1;
  auto idle_since = Clock::now();
  while (!stalled && received.load() < sent) {
    if (received.load() != seen) {
      seen = received.load();
      idle_since = Clock::now();
    } else if (Clock::now() - idle_since > idle) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  (*publisher)->stop();
  (*subscriber)->stop();

  std::vector<int64_t> latency_ns;
  latency_ns.reserve(static_cast<size_t>(received.load()));
  for (size_t i = 0; i < sent_ns.size(); ++i) {
    if (arrived_ns[i] != 0) latency_ns.push_back(arrived_ns[i] - sent_ns[i]);
  }
  std::sort(latency_ns.begin(), latency_ns.end());
  const double seconds = static_cast<double>(last_arrival_ns.load() - start_ns) / 1e9;
  fmt::print(
      R"({{"qos":{},"messages":{},"target_rate":{},"window":{},"sent":{},"received":{},)"
      R"("lost":{},"duplicates":{},)"
      R"("foreign":{},"publish_retries":{},"publish_seconds":{:.6f},"seconds":{:.6f},)"
      R"("rate":{:.1f},"latency_us":{{"p50":{:.1f},"p90":{:.1f},"p99":{:.1f},"max":{:.1f}}}}})"
      "\n",
      qos, messages, rate, window, sent, received.load(), sent - received.load(), duplicates.load(),
      foreign.load(), publish_failures, static_cast<double>(published_ns - start_ns) / 1e9, seconds,
      seconds > 0 ? static_cast<double>(received.load()) / seconds : 0.0,
      percentile(latency_ns, 0.5), percentile(latency_ns, 0.9), percentile(latency_ns, 0.99),
      latency_ns.empty() ? 0.0 : static_cast<double>(latency_ns.back()) / 1000.0);
  return received.load() == messages ? 0 : 4;  // lost or unsent messages
}
