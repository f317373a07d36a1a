#pragma once
// An MQTT 3.1.1 client on libmosquitto with its own network thread: connects, subscribes, hands
// every incoming message to a callback, publishes from any thread, and on connection loss
// reconnects with capped exponential backoff and jitter and subscribes again.
//
// Cost per message: the network thread reads every packet that is ready after one poll(), and
// publishes from other threads wait in an outbox that the network thread hands to libmosquitto
// and writes as one corked burst; a publisher wakes the network thread only when it sleeps, and
// enqueue() + send_queued() lets a burst of publishes cost one wake-up.
//
// Acknowledgement semantics (libmosquitto 2.0.11): for a QoS 1 message the library queues the
// PUBACK before it calls the message handler and cannot be told to withhold it; the PUBACK goes
// out when the network thread next writes, i.e. after the handler returns. So a PUBACK means
// "handed to the handler", never "processed": whatever the handler queued is lost if the process
// dies. A handler that blocks holds up the network thread: no more reads, no PUBACKs, no
// PINGREQs; the broker stops sending once its in-flight window for this client is full and TCP
// pushes back, which is how a full queue applies backpressure. Block for less than the keepalive
// or the broker drops the connection.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.h"
#include "transport/backoff.h"
#include "transport/broker_url.h"
#include "transport/mqtt_options.h"
#include "transport/outbox.h"

struct mosquitto;
struct mosquitto_message;

namespace aiotops::transport {

enum class ConnectionState : uint8_t {
  kDisconnected,  // not started, stopped, or waiting to retry
  kConnecting,    // TCP/TLS/CONNECT under way
  kSubscribing,   // CONNACK accepted, SUBACKs pending; publishing works
  kReady,         // connected and every subscription granted
};
std::string_view to_string(ConnectionState state);

// A received message. The views point into libmosquitto's buffers and are valid only during the
// handler call: copy what you keep.
struct IncomingMessage {
  std::string_view topic;
  std::string_view payload;  // raw bytes as received (may hold NULs; no terminator promised)
  int qos = 0;
  bool retain = false;
};

struct MqttCounters {
  uint64_t connects = 0;            // CONNACKs accepted, the first included
  uint64_t reconnects = 0;          // connects after the first
  uint64_t connect_failures = 0;    // attempts that ended without an accepted CONNACK
  uint64_t connection_losses = 0;   // established connections that broke (not by stop())
  uint64_t subscribe_failures = 0;  // filters the broker refused
  uint64_t messages_in = 0;         // messages handed to the message handler
  uint64_t messages_out = 0;        // publishes written (QoS 0) or acknowledged (QoS 1)
  uint64_t publish_failures = 0;    // publish() calls that returned an error
  ConnectionState state = ConnectionState::kDisconnected;
};

class MqttClient {
 public:
  // Runs on the network thread for every message, in arrival order. May block (backpressure, see
  // above); must not throw (std::terminate) and must not call stop().
  using MessageHandler = std::function<void(const IncomingMessage&)>;
  // Runs on the network thread on every state change; `detail` says why (the error of a failed
  // attempt, "session present"...). Must not block for long, throw or call stop().
  using StateHandler = std::function<void(ConnectionState, std::string_view detail)>;

  // Checks the options (check_mqtt_options) and sets up libmosquitto; does not connect. Fails
  // with kInvalidArgument naming the bad option, or kInternal when libmosquitto refuses.
  static Result<std::unique_ptr<MqttClient>> create(MqttOptions options, MessageHandler on_message,
                                                    StateHandler on_state = {});
  // Stops (see stop()) and frees everything.
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Starts the network thread, which connects in the background and keeps reconnecting until
  // stop(); watch state() or the state handler. Fails if already started or on thread creation.
  Status start();
  // Sends what is queued and a DISCONNECT (up to shutdown_timeout), closes the connection and
  // joins the network thread. Waits for a running handler to return: unblock it first.
  // Idempotent; thread-safe; not from a handler. The client cannot be started again.
  void stop();

  // Queues one message for the network thread and wakes it; thread-safe, callable from any
  // thread including handlers. Topic: no wildcards. QoS 0 or 1. Fails with kUnavailable while not
  // connected (the message is not kept; retriable), kInvalidArgument on a bad topic/QoS/size.
  // Success means queued: a message queued before a connection loss goes out on the next
  // connection, and QoS 1 messages are resent after a reconnect until the broker acknowledges
  // them. Only a stop() while disconnected discards queued messages (counted as failures).
  Status publish(std::string_view topic, std::string_view payload, int qos, bool retain = false);
  // As publish(), but does not wake the network thread: the message leaves with the next
  // publish() or send_queued(), or at the latest within the loop's 200 ms turn. For bursts.
  Status enqueue(std::string_view topic, std::string_view payload, int qos, bool retain = false);
  // Wakes the network thread to send what enqueue() left, if anything. Thread-safe.
  void send_queued();

  ConnectionState state() const { return state_.load(std::memory_order_acquire); }
  // A consistent-enough snapshot (each counter is read atomically); thread-safe.
  MqttCounters counters() const;
  // Why the last attempt or connection failed; empty if nothing failed yet. Thread-safe.
  std::string last_error() const;
  // The canonical broker URL, e.g. "mqtt://127.0.0.1:1883".
  const std::string& url() const { return url_; }

 private:
  struct Callbacks;  // libmosquitto's C callbacks, forwarding to the members below
  friend struct Callbacks;

  MqttClient(MqttOptions options, BrokerAddress address, MessageHandler on_message,
             StateHandler on_state, uint64_t seed);
  Status configure();
  void run();
  void run_connection();
  // One turn of the network loop: waits (poll) for the socket or a wake-up, reads every packet
  // that is ready (up to a bound), hands the outbox to libmosquitto, writes, checks the
  // keepalive. Returns libmosquitto's error code.
  int loop_turn();
  // Hands every outbox message to libmosquitto (queued, not yet written); returns how many.
  size_t hand_over_outbox();
  // Corks the socket around libmosquitto's writes when several packets go out together.
  int write_packets(bool cork);
  Status accept_publish(std::string_view topic, std::string_view payload, int qos, bool retain);
  void wake();
  void shut_down_connection();
  void wait_before_retry();
  void set_state(ConnectionState state, std::string_view detail);
  void record_error(std::string error);
  bool stop_requested() const { return stop_requested_.load(std::memory_order_acquire); }

  void handle_connect(int rc, int flags);
  void handle_subscribe(int mid, int granted_count, const int* granted);
  void handle_message(const mosquitto_message& message);
  void handle_log(int level, const char* text);

  MqttOptions options_;
  BrokerAddress address_;
  std::string url_;
  MessageHandler on_message_;
  StateHandler on_state_;
  mosquitto* mosq_ = nullptr;

  std::thread thread_;
  mutable std::mutex mutex_;  // guards started_, stopped_, last_error_; pairs with wake_
  std::condition_variable wake_;
  int wake_fd_ = -1;  // eventfd: publish() and stop() wake the network thread out of poll()
  std::atomic<bool> sleeping_{false};  // the network thread is in (or about to enter) poll()
  Outbox outbox_;
  bool started_ = false;
  bool stopped_ = false;
  std::string last_error_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<ConnectionState> state_{ConnectionState::kDisconnected};

  // Network thread only.
  Backoff backoff_;
  bool connect_initialised_ = false;  // libmosquitto holds the host and port: reconnect
  bool session_up_ = false;           // the current attempt got an accepted CONNACK
  std::vector<std::pair<int, size_t>> pending_subscriptions_;  // (message id, subscription index)
  bool subscription_refused_ = false;
  std::string attempt_error_;  // libmosquitto's error log line during the current attempt
  std::vector<OutgoingMessage> sending_;  // the outbox batch being handed over

  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint64_t> connect_failures_{0};
  std::atomic<uint64_t> connection_losses_{0};
  std::atomic<uint64_t> subscribe_failures_{0};
  std::atomic<uint64_t> messages_in_{0};
  std::atomic<uint64_t> messages_out_{0};
  std::atomic<uint64_t> publish_failures_{0};
};

}  // namespace aiotops::transport
