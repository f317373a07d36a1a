#include "edge/status_server.h"

#include <charconv>
#include <chrono>

#include <httplib.h>
#include <sys/socket.h>

namespace aiotops::edge {
namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

Result<HostPort> parse_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return fail(ErrorCode::kInvalidArgument, "listen address '{}': expected host:port", listen);
  }
  HostPort result;
  result.host = listen.substr(0, colon);
  if (result.host.size() > 2 && result.host.front() == '[' && result.host.back() == ']') {
    result.host = result.host.substr(1, result.host.size() - 2);  // [::1]:9464
  }
  const char* first = listen.data() + colon + 1;
  const char* last = listen.data() + listen.size();
  auto [end, ec] = std::from_chars(first, last, result.port);
  if (ec != std::errc() || end != last || result.port < 0 || result.port > 65535) {
    return fail(ErrorCode::kInvalidArgument, "listen address '{}': port '{}' is not 0-65535",
                listen, std::string(first, last));
  }
  return result;
}

void answer(httplib::Response& response, const Probe& probe) {
  response.status = probe.ok ? 200 : 503;
  response.set_content(probe.detail + "\n", "text/plain; charset=utf-8");
}

}  // namespace

Result<std::unique_ptr<StatusServer>> StatusServer::start(const StatusServerOptions& options,
                                                          StatusHandlers handlers) {
  auto address = parse_listen(options.listen);
  if (!address) return fail(address.error());
  std::unique_ptr<StatusServer> status(new StatusServer());
  status->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *status->server_;
  // Without TCP_NODELAY cpp-httplib stalls on Nagle + delayed ACK (DESIGN.md, measured facts).
  server.set_tcp_nodelay(true);
  // cpp-httplib's default adds SO_REUSEPORT, which would let a second instance share the port
  // silently; a taken port must be an error.
  server.set_socket_options([](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  const int threads = options.threads > 0 ? options.threads : 1;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.Get("/metrics", [metrics = std::move(handlers.metrics)](const httplib::Request&,
                                                                 httplib::Response& response) {
    response.set_content(metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/healthz", [health = std::move(handlers.health)](const httplib::Request&,
                                                               httplib::Response& response) {
    answer(response, health());
  });
  server.Get("/readyz", [readiness = std::move(handlers.readiness)](const httplib::Request&,
                                                                    httplib::Response& response) {
    answer(response, readiness());
  });
  int port = address->port;
  if (port == 0) {
    port = server.bind_to_any_port(address->host);
  } else if (!server.bind_to_port(address->host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return fail(ErrorCode::kUnavailable, "status endpoint: cannot listen on {}", options.listen);
  }
  status->port_ = static_cast<uint16_t>(port);
  status->thread_ = std::thread([&server] { server.listen_after_bind(); });
  // stop() is a no-op until the loop runs, so the destructor could otherwise wait forever.
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return status;
}

StatusServer::~StatusServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace aiotops::edge
