#pragma once
// The registry's HTTP service (docs/registry.md, docs/openapi.json): the JSON API under
// /api/v1 (datasets, models, aliases, manifests, keys, devices, tokens, server-sent events) and
// the reference system's routes (/uploadModel, /full/, /confirmActivation, ...) mapped onto the
// versioned store. Plain HTTP/1.1 or TLS; bearer-token auth once any token exists.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/error.h"
#include "registry/store.h"

namespace aiotops::registry {

struct ServerOptions {
  std::string listen = "127.0.0.1:8081";  // host:port; port 0 picks a free one
  // Request threads. cpp-httplib gives each open connection a thread for as long as it stays
  // open (keep-alive, event streams), and connections beyond the pool wait: size it to the
  // clients expected at once (docs/registry.md, "Sizing").
  int threads = 64;
  // Event streams open at once (each holds a thread); more are refused with 503.
  int max_event_streams = 16;
  std::chrono::seconds event_keepalive{15};  // comment line on an idle event stream
  uint64_t max_json_bytes = 1 << 20;         // bytes; larger JSON request bodies get 413
  std::string tls_cert;                      // PEM files; both empty: plain HTTP, both set: TLS
  std::string tls_key;
  // Serve on a non-loopback address although no token exists (anyone may do anything).
  bool insecure = false;
  // Let the reference system's routes through without a token even when tokens exist (its
  // pipeline scripts and firmware send none). Off: they need the role of their /api/v1 twin.
  bool open_reference_routes = false;
  std::chrono::seconds keep_alive_timeout{5};  // idle keep-alive connections are closed after
  size_t keep_alive_max_requests = 1000;       // requests per connection before it is closed
};

// Serves `store` until destroyed or stop(). Thread-safe.
class RegistryServer {
 public:
  // Binds and starts serving; `store` must outlive the server. Fails with kInvalidArgument for
  // a malformed listen address or a lone TLS file, kPermissionDenied when no token exists and the
  // address is not loopback (without options.insecure), kUnavailable when the address cannot be
  // bound, kIo for TLS files that cannot be loaded.
  static Result<std::unique_ptr<RegistryServer>> start(Store& store, ServerOptions options);
  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  uint16_t port() const { return port_; }
  bool tls() const;
  // Stops accepting, closes event streams and waits for requests in flight. Idempotent.
  void stop();

  struct Impl;

 private:
  RegistryServer() = default;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace aiotops::registry
