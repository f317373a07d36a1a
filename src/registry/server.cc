#include "registry/server.h"

#include <sys/socket.h>

#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "registry/http_json.h"
#include "registry/http_listen.h"
#include "registry/http_router.h"
#include "registry/server_impl.h"
#include "registry/tokens.h"

namespace aiotops::registry {
namespace {

// How long "some token exists" is trusted before the store is asked again (tokens created by
// `aiotops registry token create` in another process take effect within this).
constexpr int64_t kAuthRecheckMs = 1000;
// Room for the multipart framing and the metadata part around an upload of the size limit.
constexpr size_t kMultipartOverhead = size_t{1} << 20;
// Connections waiting to be accepted (the kernel caps it at net.core.somaxconn).
constexpr int kListenBacklog = 4096;

bool has_body(const httplib::Request& request) {
  return request.get_header_value<uint64_t>("Content-Length") > 0 ||
         request.has_header("Transfer-Encoding");
}

Result<std::unique_ptr<httplib::Server>> make_http_server(const ServerOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return fail(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
  }
  if (options.tls_cert.empty()) return std::make_unique<httplib::Server>();
  auto server =
      std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
  if (!server->is_valid()) {
    return fail(ErrorCode::kIo, "TLS: cannot load certificate '{}' with key '{}'", options.tls_cert,
                options.tls_key);
  }
  return std::unique_ptr<httplib::Server>(std::move(server));
}

}  // namespace

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Call::actor() const { return token ? "token:" + token->id : "anonymous"; }

bool RegistryServer::Impl::auth_required() {
  if (always_authenticate) return true;
  const int64_t now = steady_ms();
  const int64_t checked = auth_checked_ms.load();
  if (checked < 0 || now - checked >= kAuthRecheckMs) {
    auto live = store.count_live_tokens();
    tokens_exist = !live || *live > 0;  // a store error fails closed
    auth_checked_ms = now;
  }
  return tokens_exist;
}

void RegistryServer::Impl::dispatch(const httplib::Request& request, httplib::Response& response,
                                    const httplib::ContentReader* reader) {
  Call call{request, response, reader, {}, std::nullopt, false};
  // Ranges are answered by send_blob() alone; left here, cpp-httplib would cut every other
  // answer (errors, JSON) to the range as well. The request object is not const (cpp-httplib
  // owns it as a local); only the handler interface is.
  const_cast<httplib::Request&>(request).ranges.clear();
  const std::vector<std::string> segments = split_target(request.target);
  std::string_view method = request.method;
  if (method == "HEAD") method = "GET";  // cpp-httplib routes HEAD to the GET handlers
  const Route* route = nullptr;
  std::string allowed;
  for (const Route& candidate : routes()) {
    std::vector<std::string> captures;
    if (!match_route(candidate.pattern, segments, captures)) continue;
    if (method == candidate.method) {
      route = &candidate;
      call.params = std::move(captures);
      break;
    }
    allowed += allowed.empty() ? candidate.method : fmt::format(", {}", candidate.method);
  }
  Status status;
  if (!route && allowed.empty()) {
    status = fail(ErrorCode::kNotFound, "no route for {}", request.path);
  } else if (!route) {
    response.set_header("Allow", allowed);
    send_json(
        call, 405,
        {{"error", "method_not_allowed"},
         {"message", fmt::format("{} {}: allowed: {}", request.method, request.path, allowed)}});
  } else if (route->access == Access::kPublic ||
             (route->reference && options.open_reference_routes) || !auth_required() ||
             authorize(call, route->access)) {
    status = (this->*route->handler)(call);
  }
  if (!status) send_error(call, status.error());
  // An unread body would be taken for the next request on this connection.
  if (reader && !call.body_read && has_body(request)) response.set_header("Connection", "close");
}

bool RegistryServer::Impl::authorize(Call& call, Access access) {
  auto refuse = [&call](int status, std::string_view code, std::string message) {
    send_json(call, status, {{"error", code}, {"message", std::move(message)}});
    return false;
  };
  const std::string authorization = call.request.get_header_value("Authorization");
  const auto credential = bearer_credential(authorization);
  if (!credential) {
    call.response.set_header("WWW-Authenticate", "Bearer realm=\"aiotops-registry\"");
    return refuse(401, "unauthenticated",
                  "this registry needs a token: send 'Authorization: Bearer <token>'");
  }
  const int64_t now = steady_ms();
  const uint64_t generation = store.write_generation();
  const std::string hash = token_hash(*credential);
  std::optional<TokenRecord> token = token_cache.find(hash, generation, now);
  if (!token) {
    auto authenticated = store.authenticate(*credential);
    if (!authenticated) {
      call.response.set_header("WWW-Authenticate",
                               "Bearer realm=\"aiotops-registry\", error=\"invalid_token\"");
      return refuse(401, "unauthenticated", authenticated.error().message());
    }
    token_cache.put(hash, *authenticated, generation, now);
    token = std::move(*authenticated);
  }
  if (!grants(token->role, access)) {
    return refuse(403, "permission_denied",
                  fmt::format("token {} has role '{}', which may not {}", token->id,
                              to_string(token->role), to_string(access)));
  }
  call.token = std::move(*token);
  return true;
}

Status RegistryServer::Impl::require_own_device(const Call& call, std::string_view device_id) {
  if (!call.token || call.token->role != Role::kDevice || call.token->device_id == device_id) {
    return {};
  }
  if (call.token->device_id.empty()) {
    return fail(ErrorCode::kPermissionDenied,
                "device token {} is tied to no device and may only read; create one with "
                "--device {}",
                call.token->id, device_id);
  }
  return fail(ErrorCode::kPermissionDenied, "device token {} belongs to device '{}', not '{}'",
              call.token->id, call.token->device_id, device_id);
}

Result<std::unique_ptr<RegistryServer>> RegistryServer::start(Store& store, ServerOptions options) {
  auto address = parse_listen_address(options.listen);
  if (!address) return fail(address.error());
  auto live = store.count_live_tokens();
  if (!live) return fail(live.error());
  const bool loopback = is_loopback_host(address->host);
  if (*live == 0 && !loopback && !options.insecure) {
    return fail(ErrorCode::kPermissionDenied,
                "refusing to serve {} without any token: create one (aiotops registry token "
                "create --role admin), listen on a loopback address, or pass --insecure",
                options.listen);
  }
  auto http = make_http_server(options);
  if (!http) return fail(http.error());

  std::unique_ptr<RegistryServer> server(new RegistryServer());
  server->impl_ = std::make_unique<Impl>(store, std::move(options));
  Impl& impl = *server->impl_;
  impl.always_authenticate = !loopback && !impl.options.insecure;
  impl.http = std::move(*http);
  httplib::Server& h = *impl.http;
  // Without TCP_NODELAY cpp-httplib stalls on Nagle + delayed ACK (DESIGN.md, measured facts).
  h.set_tcp_nodelay(true);
  // cpp-httplib's default adds SO_REUSEPORT, which would let a second registry share the port
  // silently; a taken port must be an error. The socket is remembered to widen its backlog.
  auto listen_socket = std::make_shared<int>(-1);
  h.set_socket_options([listen_socket](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *listen_socket = socket;
  });
  const int threads = impl.options.threads > 0 ? impl.options.threads : 1;
  h.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  h.set_keep_alive_timeout(impl.options.keep_alive_timeout.count());
  h.set_keep_alive_max_count(impl.options.keep_alive_max_requests);
  const uint64_t upload_limit = store.options().max_upload_bytes;
  h.set_payload_max_length(upload_limit == 0 ? SIZE_MAX : upload_limit + kMultipartOverhead);

  auto plain = [&impl](const httplib::Request& request, httplib::Response& response) {
    impl.dispatch(request, response, nullptr);
  };
  auto with_body = [&impl](const httplib::Request& request, httplib::Response& response,
                           const httplib::ContentReader& reader) {
    impl.dispatch(request, response, &reader);
  };
  h.Get(".*", plain);
  h.Delete(".*", plain);
  h.Post(".*", with_body);
  h.Put(".*", with_body);
  // cpp-httplib answers some failures itself (413 past the payload limit, 400 for a malformed
  // request line or multipart framing) with an empty body; give them the API's error shape.
  h.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (!response.body.empty() || response.content_length_ > 0) return;
    const bool too_large = response.status == 413;
    response.set_content(
        dump_json({{"error", too_large ? "payload_too_large" : "bad_request"},
                   {"message", too_large ? "the request body is larger than this registry "
                                           "accepts"
                                         : fmt::format("HTTP {}", response.status)}}),
        "application/json");
  });
  h.set_exception_handler([](const httplib::Request& request, httplib::Response& response,
                             std::exception_ptr e) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    spdlog::error("registry: {} {}: {}", request.method, request.path, what);
    response.status = 500;
    response.set_content(dump_json({{"error", "internal"}, {"message", what}}), "application/json");
  });

  int port = address->port;
  if (port == 0) {
    port = h.bind_to_any_port(address->host);
  } else if (!h.bind_to_port(address->host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return fail(ErrorCode::kUnavailable, "registry: cannot listen on {}", impl.options.listen);
  }
  // cpp-httplib 0.11 listens with a backlog of 5: clients reconnecting at once (keep-alive
  // limits, a fleet after an outage) overflow it, and the kernel's SYN-ACK retries stall them
  // for 1-3 s. listen() again on the bound socket only widens the queue.
  if (*listen_socket >= 0) ::listen(*listen_socket, kListenBacklog);
  server->port_ = static_cast<uint16_t>(port);
  server->thread_ = std::thread([&h] { h.listen_after_bind(); });
  // stop() is a no-op until the loop runs, so the destructor could otherwise wait forever.
  while (!h.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return server;
}

bool RegistryServer::tls() const { return !impl_->options.tls_cert.empty(); }

void RegistryServer::stop() {
  if (!impl_ || !impl_->http) return;
  impl_->close_streams();
  impl_->http->stop();
  if (thread_.joinable()) thread_.join();
}

RegistryServer::~RegistryServer() { stop(); }

}  // namespace aiotops::registry
