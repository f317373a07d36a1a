#pragma once
// Listening to telemetry on an MQTT topic for a while: what `aiotops extract --mqtt` reads.
// The messages are kept as received; extract parses them like lines of a JSON-lines file.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "transport/mqtt_options.h"

namespace aiotops::extract {

struct MqttCaptureOptions {
  // Broker URL, TLS, credentials, client id; the subscriptions are set from `topics`.
  transport::MqttOptions mqtt;
  std::vector<std::string> topics;                      // filters ('+', '#' allowed); at least one
  int qos = 1;                                          // of the subscription
  std::chrono::milliseconds duration{30'000};           // listening time, from the subscription
  size_t max_messages = 0;                              // stop after this many; 0: no limit
  std::chrono::milliseconds subscribe_timeout{30'000};  // to connect and subscribe
};

struct CapturedMessage {
  std::string topic;
  std::string payload;
  int64_t received_ms = 0;  // wall clock at receipt, Unix ms
};

// Connects, subscribes, then keeps every message for `duration` (or until max_messages), and
// disconnects. `on_subscribed` (optional) runs once the subscriptions are granted, before
// listening starts. Fails with kInvalidArgument for bad options, kUnavailable when the broker
// cannot be reached or refuses a subscription within subscribe_timeout (naming the last error).
// Thread-safe (no shared state).
Result<std::vector<CapturedMessage>> capture_mqtt(const MqttCaptureOptions& options,
                                                  const std::function<void()>& on_subscribed = {});

}  // namespace aiotops::extract
