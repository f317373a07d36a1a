#pragma once
// The service's HTTP side door for operators and orchestrators: GET /metrics (Prometheus text),
// /healthz (the process is alive and its threads are running) and /readyz (it can do its job:
// connected to the broker with a model loaded). Plain HTTP on a loopback or cluster address;
// it serves what the handlers return and nothing else.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/error.h"

namespace httplib {
class Server;
}

namespace aiotops::edge {

struct StatusServerOptions {
  std::string listen = "127.0.0.1:9464";  // host:port; port 0 picks a free one
  int threads = 2;                        // request threads (scrapes are rare and small)
};

// What a probe answers: ok → 200, otherwise 503; `detail` is the body (one line of text).
struct Probe {
  bool ok = false;
  std::string detail;
};

struct StatusHandlers {
  std::function<std::string()> metrics;  // the /metrics body
  std::function<Probe()> health;
  std::function<Probe()> readiness;
};

// Serves until destroyed. Handlers run on the server's threads and must be thread-safe.
class StatusServer {
 public:
  // Binds and starts serving. kInvalidArgument for a malformed `listen`, kUnavailable when the
  // address cannot be bound (in use, not local).
  static Result<std::unique_ptr<StatusServer>> start(const StatusServerOptions& options,
                                                     StatusHandlers handlers);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  uint16_t port() const { return port_; }

 private:
  StatusServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace aiotops::edge
