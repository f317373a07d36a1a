#pragma once
// What an MQTT client connects to and how: broker, TLS, credentials, session, subscriptions,
// reconnect policy. Plain data; check_mqtt_options says whether a set of options is usable.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "transport/backoff.h"
#include "transport/broker_url.h"

namespace aiotops::transport {

struct TlsOptions {
  std::string ca_file;    // PEM CAs that signed the broker's certificate; empty: the system's CAs
  std::string cert_file;  // PEM client certificate; set together with key_file, or neither
  std::string key_file;   // PEM private key of cert_file (unencrypted)
  // Accept any broker certificate and host name. Encryption without authentication: for tests
  // against a throwaway broker only.
  bool insecure_skip_verify = false;

  bool any() const { return !ca_file.empty() || !cert_file.empty() || !key_file.empty(); }
};

struct Subscription {
  std::string filter;  // topic filter; '+' and '#' wildcards allowed
  int qos = 0;         // 0 or 1
};

struct MqttOptions {
  std::string broker_url = "mqtt://127.0.0.1:1883";  // mqtt://host[:port] or mqtts://host[:port]
  TlsOptions tls;                                    // only with mqtts://
  std::string username;                              // empty: anonymous
  std::string password;                              // needs a username
  // Empty: libmosquitto picks a random id (clean sessions only). A persistent session needs a
  // stable id: it is how the broker finds the session again.
  std::string client_id;
  // false: the broker keeps this client's subscriptions and queues its QoS 1 messages while it is
  // away (a persistent session).
  bool clean_session = true;
  std::chrono::seconds keepalive{30};  // PINGREQ interval; 5 s .. 65535 s
  // A connection attempt without a CONNACK in this time is abandoned and retried.
  std::chrono::milliseconds connect_timeout{10'000};
  std::vector<Subscription> subscriptions;  // (re)subscribed after every connect
  BackoffOptions backoff;                   // delays between connection attempts
  std::optional<uint64_t> jitter_seed;      // seed of the backoff jitter; unset: random_device
  // QoS 1 publishes awaiting PUBACK before libmosquitto holds further ones back; 1 .. 65535.
  int max_inflight = 1000;
  // How long stop() spends sending what is queued and a DISCONNECT before closing the socket.
  std::chrono::milliseconds shutdown_timeout{2000};
};

// Checks every field; on success returns the parsed broker address. Fails with kInvalidArgument
// naming the field and value (bad URL, TLS options with mqtt://, a certificate without its key,
// a missing or unreadable file, a password without a username, a persistent session without a
// client id, a bad topic filter or QoS, out-of-range keepalive/timeouts/backoff).
Result<BrokerAddress> check_mqtt_options(const MqttOptions& options);

}  // namespace aiotops::transport
