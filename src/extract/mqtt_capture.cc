#include "extract/mqtt_capture.h"

#include <condition_variable>
#include <mutex>

#include "transport/mqtt_client.h"

namespace aiotops::extract {

Result<std::vector<CapturedMessage>> capture_mqtt(const MqttCaptureOptions& options,
                                                  const std::function<void()>& on_subscribed) {
  if (options.topics.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--mqtt needs at least one --topic");
  }
  if (options.duration.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "--duration must be longer than 0");
  }
  transport::MqttOptions mqtt = options.mqtt;
  mqtt.subscriptions.clear();
  for (const std::string& topic : options.topics)
    mqtt.subscriptions.push_back({topic, options.qos});

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<CapturedMessage> messages;  // guarded by mutex
  bool ready = false;                     // guarded by mutex
  bool listening = false;                 // guarded by mutex: messages before are not kept
  auto client = transport::MqttClient::create(
      std::move(mqtt),
      [&](const transport::IncomingMessage& message) {
        const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        std::lock_guard lock(mutex);
        if (!listening) return;
        if (options.max_messages != 0 && messages.size() >= options.max_messages) return;
        messages.push_back({std::string(message.topic), std::string(message.payload), now});
        changed.notify_all();
      },
      [&](transport::ConnectionState state, std::string_view) {
        if (state != transport::ConnectionState::kReady) return;
        std::lock_guard lock(mutex);
        ready = true;
        changed.notify_all();
      });
  if (!client) return fail(client.error());
  if (Status s = (*client)->start(); !s) return fail(s.error());
  {
    std::unique_lock lock(mutex);
    if (!changed.wait_for(lock, options.subscribe_timeout, [&] { return ready; })) {
      lock.unlock();
      const std::string why = (*client)->last_error();
      (*client)->stop();
      return fail(ErrorCode::kUnavailable, "{}: not subscribed within {} ms{}{}", (*client)->url(),
                  options.subscribe_timeout.count(), why.empty() ? "" : ": ", why);
    }
    listening = true;
  }
  if (on_subscribed) on_subscribed();
  {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, options.duration, [&] {
      return options.max_messages != 0 && messages.size() >= options.max_messages;
    });
    listening = false;
  }
  (*client)->stop();
  return messages;
}

}  // namespace aiotops::extract
