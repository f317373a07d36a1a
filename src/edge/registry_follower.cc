#include "edge/registry_follower.h"

#include <httplib.h>

#include <random>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "edge/registry_event_stream.h"

namespace aiotops::edge {
namespace {

uint64_t random_seed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// Whether an event from the registry's stream may have moved the followed alias: a move of it,
// a new version when following "latest", or a stream that lost events.
bool concerns(const ServerSentEvent& event, const RegistrySourceOptions& followed) {
  if (event.type == "resync") return true;
  if (event.type != "alias.moved" && event.type != "model.version") return false;
  const auto data = nlohmann::json::parse(event.data, nullptr, false);
  if (!data.is_object() || data.value("name", "") != followed.model) return false;
  return event.type == "alias.moved" ? data.value("alias", "") == followed.alias
                                     : followed.alias == "latest";
}

}  // namespace

Result<std::unique_ptr<RegistryFollower>> RegistryFollower::create(RegistryFollowerOptions options,
                                                                   ModelSlot& slot,
                                                                   MetricsRegistry& metrics,
                                                                   LoadReport report) {
  if (Status s = transport::check_backoff_options(options.backoff); !s) {
    return fail(s.error().with_context("registry backoff"));
  }
  auto source = RegistrySource::create(options.source);
  if (!source) return fail(source.error());
  std::unique_ptr<RegistryFollower> follower(
      new RegistryFollower(std::move(options), std::move(*source), slot, std::move(report)));
  if (Status s = follower->register_metrics(metrics); !s) return fail(s.error());
  return follower;
}

RegistryFollower::RegistryFollower(RegistryFollowerOptions options,
                                   std::unique_ptr<RegistrySource> source, ModelSlot& slot,
                                   LoadReport report)
    : options_(std::move(options)),
      source_(std::move(source)),
      slot_(slot),
      report_(std::move(report)) {}

RegistryFollower::~RegistryFollower() { stop(); }

Status RegistryFollower::register_metrics(MetricsRegistry& metrics) {
  auto version = metrics.gauge("aiotops_edge_registry_model_version",
                               "Registry version of the followed model serving (0: none yet).");
  if (!version) return fail(version.error());
  auto connects = metrics.counter("aiotops_edge_registry_stream_connects_total",
                                  "Connections of the registry event stream, first included.");
  if (!connects) return fail(connects.error());
  auto refusals = metrics.counter(
      "aiotops_edge_registry_refusals_total",
      "Registry versions refused: hash, signature, manifest or model checks failed.");
  if (!refusals) return fail(refusals.error());
  version_gauge_ = *version;
  stream_connects_ = *connects;
  refusals_ = *refusals;
  return {};
}

Result<std::shared_ptr<const ModelSet>> RegistryFollower::install(int64_t version) {
  Result<std::shared_ptr<const ModelSet>> loaded =
      [&]() -> Result<std::shared_ptr<const ModelSet>> {
    auto bytes = source_->fetch({ModelRole::kPrimary, std::to_string(version)});
    if (!bytes) return fail(bytes.error());
    return slot_.load_bytes(ModelRole::kPrimary, bytes->bytes, bytes->origin,
                            std::move(bytes->training));
  }();
  if (loaded) {
    serving_ = version;
    version_gauge_->set(static_cast<double>(version));
    spdlog::info("registry {}: version {} serving", source_->followed(), version);
  } else if (loaded.error().code() == ErrorCode::kUnavailable) {
    // Not the version's fault: retried, not refused.
    spdlog::warn("registry {}: {}", source_->followed(), loaded.error().message());
    return loaded;
  } else {
    refused_ = version;
    refusals_->inc();
  }
  report_(loaded);
  return loaded;
}

Result<std::shared_ptr<const ModelSet>> RegistryFollower::load_now() {
  auto version = source_->resolve();
  if (!version) return fail(version.error());
  return install(*version);
}

RegistryFollower::Check RegistryFollower::check() {
  auto version = source_->resolve();
  if (!version) {
    spdlog::warn("registry {}: {}", source_->followed(), version.error().message());
    return version.error().code() == ErrorCode::kUnavailable ? Check::kRetry : Check::kDone;
  }
  if (*version == serving_.load() || *version == refused_) return Check::kDone;
  auto loaded = install(*version);
  return !loaded && loaded.error().code() == ErrorCode::kUnavailable ? Check::kRetry : Check::kDone;
}

void RegistryFollower::start() {
  checks_ = std::thread([this] { run_checks(); });
  stream_ = std::thread([this] { run_stream(); });
}

void RegistryFollower::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    // Unblocks a stream waiting for its next byte; a stream being opened sees stopping_ first.
    if (stream_client_ != nullptr) stream_client_->stop();
  }
  wake_.notify_all();
  if (stream_.joinable()) stream_.join();
  if (checks_.joinable()) checks_.join();
}

void RegistryFollower::request_check() {
  {
    std::lock_guard lock(mutex_);
    check_requested_ = true;
  }
  wake_.notify_all();
}

bool RegistryFollower::pause(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

void RegistryFollower::run_checks() {
  transport::Backoff backoff(options_.backoff, options_.jitter_seed.value_or(random_seed()));
  // time_point::max() while no retry is pending (g++ 12 at -O3 misreads an optional here).
  constexpr auto kNoRetry = std::chrono::steady_clock::time_point::max();
  auto retry_at = kNoRetry;
  std::unique_lock lock(mutex_);
  // Each pass is one check: requested, or a retry that came due.
  for (;;) {
    const auto due = [this] { return stopping_ || check_requested_; };
    if (retry_at != kNoRetry) {
      wake_.wait_until(lock, retry_at, due);
    } else {
      wake_.wait(lock, due);
    }
    if (stopping_) return;
    check_requested_ = false;
    lock.unlock();
    if (check() == Check::kRetry) {
      retry_at = std::chrono::steady_clock::now() + backoff.next();
    } else {
      retry_at = kNoRetry;
      backoff.reset();
    }
    lock.lock();
  }
}

void RegistryFollower::run_stream() {
  const RegistrySourceOptions& source = options_.source;
  transport::Backoff backoff(options_.backoff, options_.jitter_seed.value_or(random_seed()));
  for (;;) {
    httplib::Client http(source.url);
    http.set_connection_timeout(source.timeout);
    http.set_read_timeout(options_.stream_idle_timeout);
    if (!source.token.empty()) http.set_bearer_token_auth(source.token);
    if (!source.ca_file.empty()) http.set_ca_cert_path(source.ca_file);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      stream_client_ = &http;
    }
    EventStreamParser parser([this, &source](const ServerSentEvent& event) {
      if (concerns(event, source)) request_check();
    });
    int status = 0;
    auto result = http.Get(
        "/api/v1/events",
        [&](const httplib::Response& response) {
          status = response.status;
          if (status != 200) return false;
          // Subscribed from here on: what moved before is found by the check, what moves
          // after arrives as an event.
          stream_connects_->inc();
          backoff.reset();
          request_check();
          return true;
        },
        [&](const char* data, size_t size) {
          {
            std::lock_guard lock(mutex_);
            if (stopping_) return false;
          }
          return parser.feed(std::string_view(data, size));
        });
    {
      std::lock_guard lock(mutex_);
      stream_client_ = nullptr;
      if (stopping_) return;
    }
    const auto delay = backoff.next();
    spdlog::warn("registry event stream {}{}; reconnecting in {} ms",
                 status == 0 ? "unreachable: " : "ended",
                 status == 0 ? httplib::to_string(result.error())
                             : (status == 200 ? std::string() : fmt::format(" (HTTP {})", status)),
                 delay.count());
    if (!pause(delay)) return;
  }
}

}  // namespace aiotops::edge
