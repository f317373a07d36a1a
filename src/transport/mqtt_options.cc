#include "transport/mqtt_options.h"

#include <mosquitto.h>

#include <filesystem>
#include <fstream>

namespace aiotops::transport {
namespace {

Status check_readable(std::string_view field, const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return fail(ErrorCode::kInvalidArgument, "tls {} '{}': no such file", field, path);
  }
  if (!std::ifstream(path).good()) {
    return fail(ErrorCode::kInvalidArgument, "tls {} '{}': cannot be read", field, path);
  }
  return {};
}

Status check_tls(const BrokerAddress& address, const MqttOptions& options) {
  const TlsOptions& tls = options.tls;
  if (!address.tls) {
    if (tls.any() || tls.insecure_skip_verify) {
      return fail(ErrorCode::kInvalidArgument,
                  "TLS options are set but broker_url '{}' is not mqtts://", options.broker_url);
    }
    return {};
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "tls cert_file and key_file go together (cert_file '{}', key_file '{}')",
                tls.cert_file, tls.key_file);
  }
  for (auto [field, path] :
       {std::pair<std::string_view, const std::string&>{"ca_file", tls.ca_file},
        {"cert_file", tls.cert_file},
        {"key_file", tls.key_file}}) {
    if (path.empty()) continue;
    if (auto status = check_readable(field, path); !status) return status;
  }
  return {};
}

Status check_subscription(const Subscription& subscription) {
  const std::string& filter = subscription.filter;
  if (filter.empty()) return fail(ErrorCode::kInvalidArgument, "subscription: empty topic filter");
  if (filter.size() > 65535 ||
      mosquitto_validate_utf8(filter.data(), static_cast<int>(filter.size())) != MOSQ_ERR_SUCCESS) {
    return fail(ErrorCode::kInvalidArgument,
                "subscription '{}': not valid UTF-8 or longer than 65535 bytes", filter);
  }
  if (mosquitto_sub_topic_check2(filter.data(), filter.size()) != MOSQ_ERR_SUCCESS) {
    return fail(ErrorCode::kInvalidArgument,
                "subscription '{}': '+' and '#' must fill a whole level and '#' must be last",
                filter);
  }
  if (subscription.qos != 0 && subscription.qos != 1) {
    return fail(ErrorCode::kInvalidArgument, "subscription '{}': QoS {} (expected 0 or 1)", filter,
                subscription.qos);
  }
  return {};
}

}  // namespace

Result<BrokerAddress> check_mqtt_options(const MqttOptions& options) {
  auto address = parse_broker_url(options.broker_url);
  if (!address) return address;
  if (auto status = check_tls(*address, options); !status) return fail(status.error());
  if (!options.password.empty() && options.username.empty()) {
    return fail(ErrorCode::kInvalidArgument, "a password is set without a username");
  }
  if (!options.clean_session && options.client_id.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "a persistent session (clean_session false) needs a client_id: it is how the "
                "broker finds the session again");
  }
  if (options.client_id.size() > 65535) {
    return fail(ErrorCode::kInvalidArgument, "client_id is longer than 65535 bytes");
  }
  if (options.keepalive < std::chrono::seconds(5) ||
      options.keepalive > std::chrono::seconds(65535)) {
    return fail(ErrorCode::kInvalidArgument, "keepalive {}s is outside 5s..65535s",
                options.keepalive.count());
  }
  if (options.connect_timeout.count() <= 0 || options.shutdown_timeout.count() < 0) {
    return fail(ErrorCode::kInvalidArgument,
                "connect_timeout must be positive and shutdown_timeout non-negative ({}ms, {}ms)",
                options.connect_timeout.count(), options.shutdown_timeout.count());
  }
  if (options.max_inflight < 1 || options.max_inflight > 65535) {
    return fail(ErrorCode::kInvalidArgument, "max_inflight {} is outside 1..65535",
                options.max_inflight);
  }
  if (auto status = check_backoff_options(options.backoff); !status) return fail(status.error());
  for (const Subscription& subscription : options.subscriptions) {
    if (auto status = check_subscription(subscription); !status) return fail(status.error());
  }
  return address;
}

}  // namespace aiotops::transport
