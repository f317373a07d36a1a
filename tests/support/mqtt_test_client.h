#pragma once
// A test's own MQTT client (header-only, test use only): created, started and waited for until
// it is connected and subscribed, so what the test publishes next is seen.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "support/eventually.h"
#include "transport/mqtt_client.h"

namespace aiotops::testing {

// The client, kept in `clients` (stop those before anything `handler` uses); nullptr with a test
// failure when it cannot be created, started or made ready within `timeout`.
inline transport::MqttClient* connect_test_client(
    transport::MqttOptions options, transport::MqttClient::MessageHandler handler,
    std::vector<std::unique_ptr<transport::MqttClient>>& clients,
    std::chrono::milliseconds timeout) {
  auto client = transport::MqttClient::create(std::move(options), std::move(handler));
  EXPECT_TRUE(client.has_value()) << client.error().message();
  if (!client) return nullptr;
  auto started = (*client)->start();
  EXPECT_TRUE(started.has_value()) << started.error().message();
  transport::MqttClient* raw = client->get();
  clients.push_back(std::move(*client));
  if (!started ||
      !eventually([&] { return raw->state() == transport::ConnectionState::kReady; }, timeout)) {
    ADD_FAILURE() << "test client not ready: " << raw->last_error();
    return nullptr;
  }
  return raw;
}

}  // namespace aiotops::testing
