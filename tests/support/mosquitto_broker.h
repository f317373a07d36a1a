#pragma once
// A real Mosquitto broker for cross-process tests and benchmarks: Debian's /usr/sbin/mosquitto on
// free loopback ports, with a generated config, persistence and log in a fresh temporary
// directory. It runs as the current user (`user` in the config), so started as root it does not
// drop to the `mosquitto` user that could not write the directory. The broker dies with the
// thread that started it (PR_SET_PDEATHSIG), so a crashed test leaves none behind: launch and
// start it from a thread that outlives it, normally the main thread. Not thread-safe; one owner.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace aiotops::testing {

// Certificate files for a TLS listener (PEM); see test_pki.h.
struct BrokerTlsFiles {
  std::filesystem::path ca_file;    // CA that signed client certificates
  std::filesystem::path cert_file;  // the broker's certificate
  std::filesystem::path key_file;   // its key
  bool require_client_certificate = false;
};

struct MosquittoBrokerOptions {
  std::filesystem::path binary = "/usr/sbin/mosquitto";
  // log_type all: every packet (CONNECT, SUBSCRIBE, PUBACK...) appears in the log, for tests that
  // wait for or check one. Costs broker throughput: keep off in benchmarks.
  bool verbose_log = false;
  std::optional<BrokerTlsFiles> tls;  // adds a TLS listener on tls_port()
  // (name, password) pairs allowed in, written with mosquitto_passwd; empty: anonymous clients.
  std::vector<std::pair<std::string, std::string>> users;
  std::string extra_config;  // appended to the generated config, one option a line
  std::chrono::milliseconds start_timeout{10'000};  // until the ports accept connections
  std::chrono::milliseconds stop_timeout{10'000};   // SIGTERM to exit, before SIGKILL
};

class MosquittoBroker {
 public:
  // Makes the temp dir, picks free ports (bind to port 0), writes mosquitto.conf and starts the
  // broker; returns once it accepts connections. Fails with kNotFound without the binary, kIo on
  // a directory or process failure, kUnavailable if it exits or does not listen in time (the
  // message carries its log).
  static Result<std::unique_ptr<MosquittoBroker>> launch(MosquittoBrokerOptions options = {});
  // Stops the broker (SIGTERM, then SIGKILL after stop_timeout) and removes the directory.
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // Starts the broker again on the same ports and directory (its persistence file is read back).
  // Fails as launch() does, or with kAlreadyExists if it is running.
  Status start();
  // SIGTERM and wait: a clean stop, which writes the persistence file. Fails with kUnavailable if
  // it had to be killed or exited with a non-zero status. No-op when not running.
  Status stop();
  // SIGKILL and wait: a crash; nothing saved since the last autosave is kept.
  void kill();
  bool running() const { return pid_ > 0; }

  uint16_t port() const { return port_; }
  std::string url() const;                         // mqtt://127.0.0.1:<port>
  uint16_t tls_port() const { return tls_port_; }  // 0 without TLS
  std::string tls_url() const;                     // mqtts://127.0.0.1:<tls_port>
  const std::filesystem::path& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

  // The broker's log file and anything it wrote to stdout/stderr, for failure messages.
  std::string log() const;
  // Polls the log (every 10 ms) until it contains `text`; false at the deadline.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout) const;

 private:
  MosquittoBroker(MosquittoBrokerOptions options, std::filesystem::path dir)
      : options_(std::move(options)), dir_(std::move(dir)) {}
  Status write_config() const;
  Result<std::string> access_config() const;
  Status wait_until_listening();
  Status reap(std::chrono::milliseconds timeout);

  MosquittoBrokerOptions options_;
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace aiotops::testing
