#include "transport/mqtt_client.h"

#include <mosquitto.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <random>
#include <system_error>

namespace aiotops::transport {
namespace {

using Clock = std::chrono::steady_clock;

// How long one turn of the network loop waits in poll(). publish() and stop() wake it early, so
// this bounds how late the connect timeout and an enqueue() without send_queued() are noticed.
constexpr int kLoopTimeoutMs = 200;
// Packets read after one poll() before the loop turns again (writes PUBACKs, checks the
// keepalive); libmosquitto's own mosquitto_loop() reads one packet per select() at QoS 0.
constexpr int kMaxPacketsPerTurn = 256;
// The largest payload MQTT can carry in one PUBLISH (remaining length 268435455 bytes, minus the
// topic and message id).
constexpr size_t kMaxPacketBytes = 268'435'455;
// Debian's directory of trusted CAs: libmosquitto needs a CA file or directory before it loads a
// client certificate, even when the system's CAs are wanted.
constexpr const char* kSystemCaDir = "/etc/ssl/certs";

// libmosquitto 2.0.11 sets up its OpenSSL state (a UI method in a global) on a client's first TLS
// connect without a lock: two clients connecting at once race and leak one copy. Connects of TLS
// clients take this lock.
std::mutex& tls_setup_mutex() {
  static std::mutex mutex;
  return mutex;
}

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string describe(int rc, int saved_errno) {
  if (rc == MOSQ_ERR_ERRNO) return std::generic_category().message(saved_errno);
  return mosquitto_strerror(rc);
}

ErrorCode code_of(int rc) {
  switch (rc) {
    case MOSQ_ERR_NO_CONN:
    case MOSQ_ERR_CONN_LOST:
      return ErrorCode::kUnavailable;
    case MOSQ_ERR_NOMEM:
      return ErrorCode::kResourceExhausted;
    case MOSQ_ERR_INVAL:
    case MOSQ_ERR_PAYLOAD_SIZE:
    case MOSQ_ERR_MALFORMED_UTF8:
    case MOSQ_ERR_OVERSIZE_PACKET:
      return ErrorCode::kInvalidArgument;
    default:
      return ErrorCode::kInternal;
  }
}

uint64_t random_seed() {
  try {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  } catch (...) {  // no entropy source: the clock still de-synchronises a fleet
    return static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  }
}

}  // namespace

std::string_view to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::kDisconnected:
      return "disconnected";
    case ConnectionState::kConnecting:
      return "connecting";
    case ConnectionState::kSubscribing:
      return "subscribing";
    case ConnectionState::kReady:
      return "ready";
  }
  return "unknown";
}

// libmosquitto calls these on the network thread with `obj` = the MqttClient. noexcept: an
// exception must not unwind through C frames.
struct MqttClient::Callbacks {
  static MqttClient& self(void* obj) { return *static_cast<MqttClient*>(obj); }
  static void on_connect(mosquitto*, void* obj, int rc, int flags) noexcept {
    self(obj).handle_connect(rc, flags);
  }
  static void on_subscribe(mosquitto*, void* obj, int mid, int count, const int* granted) noexcept {
    self(obj).handle_subscribe(mid, count, granted);
  }
  static void on_message(mosquitto*, void* obj, const mosquitto_message* message) noexcept {
    self(obj).handle_message(*message);
  }
  static void on_publish(mosquitto*, void* obj, int) noexcept {
    self(obj).messages_out_.fetch_add(1, std::memory_order_relaxed);
  }
  static void on_log(mosquitto*, void* obj, int level, const char* text) noexcept {
    self(obj).handle_log(level, text);
  }
};

Result<std::unique_ptr<MqttClient>> MqttClient::create(MqttOptions options,
                                                       MessageHandler on_message,
                                                       StateHandler on_state) {
  auto address = check_mqtt_options(options);
  if (!address) return fail(address.error());
  init_library_once();
  const uint64_t seed = options.jitter_seed.value_or(random_seed());
  std::unique_ptr<MqttClient> client(new MqttClient(
      std::move(options), std::move(*address), std::move(on_message), std::move(on_state), seed));
  if (auto status = client->configure(); !status) return fail(status.error());
  return client;
}

MqttClient::MqttClient(MqttOptions options, BrokerAddress address, MessageHandler on_message,
                       StateHandler on_state, uint64_t seed)
    : options_(std::move(options)),
      address_(std::move(address)),
      url_(to_url(address_)),
      on_message_(std::move(on_message)),
      on_state_(std::move(on_state)),
      backoff_(options_.backoff, seed) {}

MqttClient::~MqttClient() {
  stop();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

Status MqttClient::configure() {
  const char* id = options_.client_id.empty() ? nullptr : options_.client_id.c_str();
  mosq_ = mosquitto_new(id, options_.clean_session, this);
  if (mosq_ == nullptr) {
    return fail(ErrorCode::kInternal, "libmosquitto cannot create a client for {}: {}", url_,
                std::generic_category().message(errno));
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    return fail(ErrorCode::kResourceExhausted, "MQTT client for {}: no eventfd: {}", url_,
                std::generic_category().message(errno));
  }
  auto check = [&](int rc, std::string_view what) -> Status {
    if (rc == MOSQ_ERR_SUCCESS) return {};
    return fail(code_of(rc), "MQTT client for {}: {}: {}", url_, what, mosquitto_strerror(rc));
  };
  // Our own network thread drives libmosquitto's socket; nothing is written from other threads.
  if (auto s = check(mosquitto_threaded_set(mosq_, true), "threaded mode"); !s) return s;
  if (auto s = check(mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311),
                     "protocol version");
      !s) {
    return s;
  }
  // Results go out one small packet at a time; Nagle would hold each for an ACK.
  if (auto s = check(mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY"); !s) {
    return s;
  }
  if (auto s = check(mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, options_.max_inflight),
                     "max_inflight");
      !s) {
    return s;
  }
  if (!options_.username.empty()) {
    const char* password = options_.password.empty() ? nullptr : options_.password.c_str();
    if (auto s = check(mosquitto_username_pw_set(mosq_, options_.username.c_str(), password),
                       "username");
        !s) {
      return s;
    }
  }
  if (address_.tls) {
    const TlsOptions& tls = options_.tls;
    const char* cert = tls.cert_file.empty() ? nullptr : tls.cert_file.c_str();
    const char* key = tls.key_file.empty() ? nullptr : tls.key_file.c_str();
    if (tls.ca_file.empty()) {
      if (auto s = check(mosquitto_int_option(mosq_, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "system CAs");
          !s) {
        return s;
      }
    }
    if (!tls.ca_file.empty() || cert != nullptr) {
      const char* ca_file = tls.ca_file.empty() ? nullptr : tls.ca_file.c_str();
      const char* ca_dir = ca_file == nullptr ? kSystemCaDir : nullptr;
      if (auto s =
              check(mosquitto_tls_set(mosq_, ca_file, ca_dir, cert, key, nullptr), "TLS files");
          !s) {
        return s;
      }
    }
    if (tls.insecure_skip_verify) {
      if (auto s = check(mosquitto_tls_opts_set(mosq_, 0 /* SSL_VERIFY_NONE */, nullptr, nullptr),
                         "TLS verification");
          !s) {
        return s;
      }
      if (auto s = check(mosquitto_tls_insecure_set(mosq_, true), "TLS host name check"); !s) {
        return s;
      }
    }
  }
  mosquitto_connect_with_flags_callback_set(mosq_, &Callbacks::on_connect);
  mosquitto_subscribe_callback_set(mosq_, &Callbacks::on_subscribe);
  mosquitto_message_callback_set(mosq_, &Callbacks::on_message);
  mosquitto_publish_callback_set(mosq_, &Callbacks::on_publish);
  return {};
}

Status MqttClient::start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopped_) {
    return fail(ErrorCode::kInvalidArgument, "MQTT client for {} was already {}", url_,
                stopped_ ? "stopped" : "started");
  }
  try {
    thread_ = std::thread(&MqttClient::run, this);
  } catch (const std::system_error& error) {
    return fail(ErrorCode::kResourceExhausted, "MQTT client for {}: cannot start a thread: {}",
                url_, error.what());
  }
  started_ = true;
  return {};
}

void MqttClient::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stop_requested_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  if (!thread_.joinable()) return;
  wake();  // out of poll(); it sends the outbox and a DISCONNECT on its way out
  thread_.join();
}

void MqttClient::run() {
  while (!stop_requested()) {
    run_connection();
    if (stop_requested()) break;
    wait_before_retry();
  }
  shut_down_connection();
  set_state(ConnectionState::kDisconnected, "stopped");
}

void MqttClient::run_connection() {
  session_up_ = false;
  attempt_error_.clear();
  // libmosquitto's log lines explain TLS and socket failures; the callback is removed once
  // connected, because libmosquitto formats a heap-allocated line for every message it logs.
  mosquitto_log_callback_set(mosq_, &Callbacks::on_log);
  set_state(ConnectionState::kConnecting, url_);
  const Clock::time_point deadline = Clock::now() + options_.connect_timeout;
  int rc = MOSQ_ERR_SUCCESS;
  int saved_errno = 0;
  {
    if (stop_requested()) return;
    std::unique_lock tls_lock(tls_setup_mutex(), std::defer_lock);
    if (address_.tls) tls_lock.lock();
    // Later attempts reconnect: connect_async would also rebuild libmosquitto's wake-up socket
    // pair, which a concurrent publish() may be writing to.
    if (connect_initialised_) {
      rc = mosquitto_reconnect_async(mosq_);
    } else {
      rc = mosquitto_connect_async(mosq_, address_.host.c_str(), address_.port,
                                   static_cast<int>(options_.keepalive.count()));
      connect_initialised_ = rc != MOSQ_ERR_INVAL && rc != MOSQ_ERR_NOMEM;
    }
    saved_errno = errno;
  }
  bool timed_out = false;
  while (rc == MOSQ_ERR_SUCCESS && !stop_requested()) {
    rc = loop_turn();
    saved_errno = errno;
    if (rc == MOSQ_ERR_SUCCESS && !session_up_ && Clock::now() > deadline) {
      timed_out = true;
      break;
    }
  }
  if (stop_requested()) return;
  std::string why;
  if (timed_out) {
    why = fmt::format("no CONNACK within {}ms", options_.connect_timeout.count());
  } else if (rc == MOSQ_ERR_EAI) {
    why = fmt::format("cannot resolve host '{}'", address_.host);
  } else if (rc == MOSQ_ERR_CONN_REFUSED && !attempt_error_.empty()) {
    why = attempt_error_;  // the broker's CONNACK reason says more than "refused"
  } else {
    why = describe(rc, saved_errno);
    if (!attempt_error_.empty()) why += fmt::format(" ({})", attempt_error_);
  }
  if (session_up_) {
    connection_losses_.fetch_add(1, std::memory_order_relaxed);
    why = fmt::format("connection to {} lost: {}", url_, why);
  } else {
    connect_failures_.fetch_add(1, std::memory_order_relaxed);
    why = fmt::format("cannot connect to {}: {}", url_, why);
  }
  record_error(why);
  set_state(ConnectionState::kDisconnected, why);
}

int MqttClient::loop_turn() {
  // Until the CONNACK, libmosquitto's own loop: only it can drive a TLS handshake. Nothing is
  // published before (publish() refuses), so its wake-up socket pair does not matter here.
  if (!session_up_) return mosquitto_loop(mosq_, kLoopTimeoutMs, 1);
  const int sock = mosquitto_socket(mosq_);
  if (sock < 0) return MOSQ_ERR_NO_CONN;
  pollfd fds[2] = {{.fd = sock, .events = POLLIN, .revents = 0},
                   {.fd = wake_fd_, .events = POLLIN, .revents = 0}};
  if (mosquitto_want_write(mosq_)) fds[0].events |= POLLOUT;
  // Publishers wake us only while sleeping_ is set; what they queued before that is seen here.
  sleeping_.store(true);
  const bool pending = outbox_.size() > 0;
  const int ready = poll(fds, 2, pending ? 0 : kLoopTimeoutMs);
  sleeping_.store(false);
  if (ready < 0 && errno != EINTR) return MOSQ_ERR_ERRNO;
  if (ready > 0 && (fds[1].revents & POLLIN) != 0) {
    uint64_t wakes = 0;
    if (read(wake_fd_, &wakes, sizeof wakes) < 0) {
      // EAGAIN: another turn consumed it already.
    }
  }
  int rc = MOSQ_ERR_SUCCESS;
  if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
    // Read on until the socket is drained: one poll() per burst instead of per packet. The
    // library reports "nothing more" as success with errno EAGAIN.
    for (int i = 0; i < kMaxPacketsPerTurn && !stop_requested(); ++i) {
      errno = 0;
      rc = mosquitto_loop_read(mosq_, 1);
      if (rc != MOSQ_ERR_SUCCESS) return rc;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    }
  }
  // libmosquitto writes the wake-up byte of its socket pair for every packet it queues; nobody
  // reads the pair in this loop, so once full those writes fail at once (EAGAIN), harmlessly.
  const size_t handed_over = hand_over_outbox();
  if (mosquitto_want_write(mosq_)) {
    rc = write_packets(handed_over > 1);
    if (rc != MOSQ_ERR_SUCCESS) return rc;
  }
  return mosquitto_loop_misc(mosq_);
}

size_t MqttClient::hand_over_outbox() {
  const size_t count = outbox_.take(sending_);
  for (size_t i = 0; i < count; ++i) {
    const OutgoingMessage& message = sending_[i];
    const int rc = mosquitto_publish(mosq_, nullptr, message.topic.c_str(),
                                     static_cast<int>(message.payload.size()),
                                     message.payload.data(), message.qos, message.retain);
    if (rc != MOSQ_ERR_SUCCESS) {
      publish_failures_.fetch_add(1, std::memory_order_relaxed);
      record_error(
          fmt::format("publish to '{}' on {}: {}", message.topic, url_, mosquitto_strerror(rc)));
    }
  }
  return count;
}

int MqttClient::write_packets(bool cork) {
  // Corked, a burst leaves in as few TCP segments as fit (TCP_NODELAY alone sends one per
  // packet); uncorking sends the rest at once, so no packet waits for a timer.
  const int sock = mosquitto_socket(mosq_);
  int on = 1;
  if (cork) setsockopt(sock, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  const int rc = mosquitto_loop_write(mosq_, 1);
  on = 0;
  if (cork && mosquitto_socket(mosq_) == sock) {
    setsockopt(sock, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  }
  return rc;
}

void MqttClient::wake() {
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) {
    // EAGAIN: the counter is full, so the network thread is due to wake anyway.
  }
}

void MqttClient::wait_before_retry() {
  const std::chrono::milliseconds delay = backoff_.next();
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stop_requested(); });
}

void MqttClient::shut_down_connection() {
  // Publishes queued before stop() leave ahead of the DISCONNECT; writing it closes the socket
  // and the next turn reports "no connection". Without a connection they are lost: counted.
  if (session_up_ && mosquitto_socket(mosq_) >= 0) hand_over_outbox();
  const size_t stranded = outbox_.take(sending_);
  publish_failures_.fetch_add(stranded, std::memory_order_relaxed);
  if (mosquitto_disconnect(mosq_) != MOSQ_ERR_SUCCESS) return;  // no socket: nothing to send
  const Clock::time_point deadline = Clock::now() + options_.shutdown_timeout;
  while (Clock::now() < deadline) {
    if (loop_turn() != MOSQ_ERR_SUCCESS) break;
  }
}

void MqttClient::set_state(ConnectionState state, std::string_view detail) {
  state_.store(state, std::memory_order_release);
  if (on_state_) on_state_(state, detail);
}

void MqttClient::record_error(std::string error) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(error);
}

void MqttClient::handle_connect(int rc, int flags) {
  if (rc != 0) {
    attempt_error_ =
        fmt::format("the broker refused the connection ({})", mosquitto_connack_string(rc));
    return;
  }
  mosquitto_log_callback_set(mosq_, nullptr);
  session_up_ = true;
  backoff_.reset();
  if (connects_.fetch_add(1, std::memory_order_relaxed) > 0) {
    reconnects_.fetch_add(1, std::memory_order_relaxed);
  }
  // Subscribe again even when the broker kept the session: it may have lost it (a broker killed
  // before saving), and subscribing twice to the same filter is harmless.
  pending_subscriptions_.clear();
  subscription_refused_ = false;
  for (size_t i = 0; i < options_.subscriptions.size(); ++i) {
    const Subscription& subscription = options_.subscriptions[i];
    int mid = 0;
    const int sub_rc =
        mosquitto_subscribe(mosq_, &mid, subscription.filter.c_str(), subscription.qos);
    if (sub_rc == MOSQ_ERR_SUCCESS) {
      pending_subscriptions_.emplace_back(mid, i);
    } else {
      subscription_refused_ = true;
      subscribe_failures_.fetch_add(1, std::memory_order_relaxed);
      record_error(fmt::format("cannot subscribe to '{}' on {}: {}", subscription.filter, url_,
                               mosquitto_strerror(sub_rc)));
    }
  }
  const bool session_present = (flags & 1) != 0;
  const bool ready = pending_subscriptions_.empty() && !subscription_refused_;
  set_state(ready ? ConnectionState::kReady : ConnectionState::kSubscribing,
            session_present ? "connected, session present" : "connected, new session");
}

void MqttClient::handle_subscribe(int mid, int granted_count, const int* granted) {
  auto pending = std::ranges::find(pending_subscriptions_, mid, &std::pair<int, size_t>::first);
  if (pending == pending_subscriptions_.end()) return;
  const Subscription& subscription = options_.subscriptions[pending->second];
  pending_subscriptions_.erase(pending);
  // One filter per SUBSCRIBE; 0x80 is the broker's refusal (e.g. an ACL).
  if (granted_count < 1 || granted[0] < 0 || granted[0] > 2) {
    subscription_refused_ = true;
    subscribe_failures_.fetch_add(1, std::memory_order_relaxed);
    std::string why =
        fmt::format("broker {} refused the subscription to '{}'", url_, subscription.filter);
    record_error(why);
    set_state(ConnectionState::kSubscribing, why);
    return;
  }
  if (pending_subscriptions_.empty() && !subscription_refused_) {
    set_state(ConnectionState::kReady, "subscribed");
  }
}

void MqttClient::handle_message(const mosquitto_message& message) {
  messages_in_.fetch_add(1, std::memory_order_relaxed);
  if (!on_message_) return;
  const IncomingMessage incoming{
      .topic = message.topic,
      .payload = std::string_view(static_cast<const char*>(message.payload),
                                  static_cast<size_t>(std::max(message.payloadlen, 0))),
      .qos = message.qos,
      .retain = message.retain,
  };
  on_message_(incoming);
}

void MqttClient::handle_log(int level, const char* text) {
  if (level == MOSQ_LOG_ERR && attempt_error_.empty()) attempt_error_ = text;
}

Status MqttClient::publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
  if (Status status = accept_publish(topic, payload, qos, retain); !status) return status;
  if (sleeping_.load()) wake();
  return {};
}

Status MqttClient::enqueue(std::string_view topic, std::string_view payload, int qos, bool retain) {
  return accept_publish(topic, payload, qos, retain);
}

void MqttClient::send_queued() {
  if (outbox_.size() > 0 && sleeping_.load()) wake();
}

Status MqttClient::accept_publish(std::string_view topic, std::string_view payload, int qos,
                                  bool retain) {
  if (qos != 0 && qos != 1) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
    return fail(ErrorCode::kInvalidArgument, "publish to '{}': QoS {} (expected 0 or 1)", topic,
                qos);
  }
  if (topic.empty() || topic.size() > 65535 || topic.find('\0') != std::string_view::npos ||
      mosquitto_pub_topic_check2(topic.data(), topic.size()) != MOSQ_ERR_SUCCESS) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
    return fail(ErrorCode::kInvalidArgument,
                "publish topic '{}': empty, longer than 65535 bytes, or holds a wildcard or NUL",
                topic);
  }
  if (payload.size() + topic.size() + 4 > kMaxPacketBytes) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
    return fail(ErrorCode::kInvalidArgument,
                "publish to '{}': payload of {} bytes is over MQTT's limit", topic, payload.size());
  }
  const ConnectionState now = state();
  if (now != ConnectionState::kSubscribing && now != ConnectionState::kReady) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
    return fail(ErrorCode::kUnavailable, "publish to '{}': not connected to {} ({})", topic, url_,
                to_string(now));
  }
  outbox_.push(topic, payload, qos, retain);
  return {};
}

MqttCounters MqttClient::counters() const {
  constexpr auto relaxed = std::memory_order_relaxed;
  return MqttCounters{
      .connects = connects_.load(relaxed),
      .reconnects = reconnects_.load(relaxed),
      .connect_failures = connect_failures_.load(relaxed),
      .connection_losses = connection_losses_.load(relaxed),
      .subscribe_failures = subscribe_failures_.load(relaxed),
      .messages_in = messages_in_.load(relaxed),
      .messages_out = messages_out_.load(relaxed),
      .publish_failures = publish_failures_.load(relaxed),
      .state = state(),
  };
}

std::string MqttClient::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace aiotops::transport
