#include "edge/edge_service.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "edge/control_command.h"
#include "edge/file_watch.h"
#include "edge/model_source.h"
#include "transport/mqtt_client.h"

namespace aiotops::edge {
namespace {

using transport::ConnectionState;
using transport::MqttClient;

// Publishes through the results connection. While that connection is down (a broker restart,
// or not yet up) a worker waits for it rather than dropping the result: the queue absorbs the
// pause, and a full queue pushes back or drops the oldest reading, counted, as configured.
class MqttPublisher : public Publisher {
 public:
  MqttPublisher(MqttClient& client, std::chrono::milliseconds patience)
      : client_(client), patience_(patience) {}
  Status publish(std::string_view topic, std::string_view payload, int qos) override {
    const auto deadline = std::chrono::steady_clock::now() + patience_;
    for (;;) {
      Status status = client_.enqueue(topic, payload, qos);  // sent at end_batch()
      if (status) {
        accepted_.fetch_add(1, std::memory_order_relaxed);
        return status;
      }
      const auto now = std::chrono::steady_clock::now();
      if (!status.error().retriable() || now > deadline ||
          now.time_since_epoch().count() > shutdown_deadline_.load()) {
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void end_batch() override { client_.send_queued(); }

  // Waits until the client has written (QoS 0) or the broker has acknowledged (QoS 1) every
  // message accepted so far, or the shutdown deadline passes: the DISCONNECT must not overtake
  // results still queued in the client.
  void flush() const {
    while (client_.counters().messages_out < accepted_.load() &&
           std::chrono::steady_clock::now().time_since_epoch().count() <
               shutdown_deadline_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // At shutdown: the waits of every remaining result end together, `patience` from now, so a
  // broker that stays down delays the exit by that much at most, not that much per result.
  void stop_waiting() {
    shutdown_deadline_ = (std::chrono::steady_clock::now() + patience_).time_since_epoch().count();
  }

 private:
  MqttClient& client_;
  std::chrono::milliseconds patience_;
  std::atomic<uint64_t> accepted_ = 0;  // publishes the client took
  std::atomic<std::chrono::steady_clock::rep> shutdown_deadline_ =
      std::numeric_limits<std::chrono::steady_clock::rep>::max();
};

}  // namespace

Status check_options(const EdgeServiceOptions& options) {
  if (options.model_path.empty() && !options.registry) {
    return fail(ErrorCode::kInvalidArgument,
                "a model is required: a file (--model) or a registry model (--registry-model)");
  }
  if (options.watch && options.model_path.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--watch needs a model file (--model)");
  }
  if (auto broker = transport::check_mqtt_options(options.mqtt); !broker) {
    return fail(broker.error());
  }
  if (options.telemetry_filters.empty()) {
    return fail(ErrorCode::kInvalidArgument, "at least one telemetry topic filter is required");
  }
  if (options.qos != 0 && options.qos != 1) {
    return fail(ErrorCode::kInvalidArgument, "telemetry QoS {}: expected 0 or 1", options.qos);
  }
  if (options.workers == 0 || options.workers > 64) {
    return fail(ErrorCode::kInvalidArgument, "workers {}: expected 1 to 64", options.workers);
  }
  if (options.qos == 1 && !options.mqtt.clean_session && options.mqtt.client_id.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "a persistent QoS 1 session needs a stable client id (--client-id)");
  }
  if (options.drift) return check_drift_options(*options.drift);
  return {};
}

struct EdgeService::State {
  EdgeServiceOptions options;
  std::unique_ptr<EdgeMetrics> metrics;
  std::unique_ptr<ModelSlot> models;
  std::unique_ptr<DirectorySource> model_dir;  // download-model references resolve here
  std::unique_ptr<DeviceStages> stages;
  std::unique_ptr<MessageQueue> queue;
  std::unique_ptr<MqttClient> publisher;
  std::unique_ptr<MqttPublisher> publisher_adapter;
  std::unique_ptr<MqttClient> ingest;
  std::unique_ptr<DriftMonitor> drift;          // null without a drift reference
  std::unique_ptr<TelemetryLog> telemetry_log;  // null without a log directory
  std::vector<std::thread> workers;
  std::atomic<size_t> workers_running = 0;
  std::unique_ptr<StatusServer> status;
  bool stopped = false;

  // The loader: model files to load, from control commands and the file watch.
  std::mutex loader_mutex;
  std::condition_variable loader_wake;
  std::deque<ModelRequest> load_requests;  // guarded by loader_mutex
  bool loader_stopping = false;            // guarded by loader_mutex
  std::thread loader;
  std::unique_ptr<FileWatcher> watcher;        // with --watch: reloads model_path when it changes
  std::unique_ptr<RegistryFollower> registry;  // follows a registry alias; null: none

  // Reports a slot load: the new set serving, or why the old one stays.
  void after_load(const Result<std::shared_ptr<const ModelSet>>& loaded) {
    if (!loaded) {
      metrics->model_refusals->inc();
      spdlog::warn("model refused, the serving one stays: {}", loaded.error().message());
      return;
    }
    const ModelInfo& info = (*loaded)->primary->info();
    metrics->model_info->set(
        std::vector<std::string>{info.version, std::string(to_string(info.format)), info.sha256});
    metrics->model_swaps->inc();
    spdlog::info(
        "model {} serving (from {}){}", info.version, info.origin,
        (*loaded)->cascade ? fmt::format(", cascade {}", (*loaded)->cascade->info().version) : "");
  }

  void request_load(ModelRequest request) {
    {
      std::lock_guard lock(loader_mutex);
      load_requests.push_back(std::move(request));
    }
    loader_wake.notify_one();
  }

  // The loader thread: loads the models control commands ask for, so no worker (and not the
  // network thread) ever waits for a load.
  void run_loader() {
    std::unique_lock lock(loader_mutex);
    while (!loader_stopping) {
      loader_wake.wait(lock, [this] { return loader_stopping || !load_requests.empty(); });
      if (loader_stopping) break;
      std::deque<ModelRequest> requests;
      requests.swap(load_requests);
      lock.unlock();
      for (const ModelRequest& request : requests) {
        after_load(models->load_request(request, *model_dir));
      }
      lock.lock();
    }
  }

  void on_control(std::string_view payload) {
    auto request = parse_control_message(payload);
    if (!request) {
      spdlog::warn("control message ignored: {}", request.error().message());
    } else if (*request && !model_dir) {
      spdlog::warn("download-model ignored: no model directory (--model-dir)");
    } else if (*request) {
      request_load(std::move(**request));
    }
  }

  // The network thread's handler: telemetry into the queue (which may block it: backpressure),
  // control messages to the loader.
  void on_message(const transport::IncomingMessage& message, InboundMessage& scratch) {
    if (!options.control_topic.empty() && message.topic == options.control_topic) {
      on_control(message.payload);
      return;
    }
    metrics->received->inc();
    scratch.assign(message.topic, message.payload, wall_clock_ms(), steady_clock_ns());
    const PushResult pushed = queue->push(scratch);
    if (pushed != PushResult::kQueued) metrics->dropped->inc();
  }

  std::string render_metrics() const {
    metrics->queue_depth->set(static_cast<double>(queue->depth()));
    const uint64_t reconnects = ingest->counters().reconnects + publisher->counters().reconnects;
    // Counters only grow: add what the clients counted since the last render.
    if (reconnects > metrics->reconnects->value()) {
      metrics->reconnects->inc(reconnects - metrics->reconnects->value());
    }
    metrics->connected->set(ingest->state() == ConnectionState::kReady ? 1.0 : 0.0);
    std::string text;
    metrics->registry.render(text);
    return text;
  }

  Probe health() const {
    const size_t running = workers_running.load();
    if (running != options.workers) {
      return {false, fmt::format("{} of {} inference workers running", running, options.workers)};
    }
    return {true, "ok"};
  }

  Probe readiness() const {
    if (ingest->state() != ConnectionState::kReady) {
      return {false, fmt::format("telemetry connection {}", to_string(ingest->state()))};
    }
    if (publisher->state() == ConnectionState::kDisconnected ||
        publisher->state() == ConnectionState::kConnecting) {
      return {false, fmt::format("results connection {}", to_string(publisher->state()))};
    }
    const auto serving = models->current();
    if (!serving) return {false, "no model"};
    return {true, fmt::format("ready, model {}", serving->primary->info().version)};
  }

  void run_worker(InferenceWorker worker) {
    worker.run(*queue);
    workers_running.fetch_sub(1);
  }
};

Result<std::unique_ptr<EdgeService>> EdgeService::start(EdgeServiceOptions options) {
  if (Status s = check_options(options); !s) return fail(s.error());
  auto state = std::make_unique<State>();
  State& st = *state;
  st.options = std::move(options);
  auto metrics = EdgeMetrics::create();
  if (!metrics) return fail(metrics.error());
  st.metrics = std::move(*metrics);
  LoadOptions load_options;
  load_options.lanes = st.options.workers;
  st.models = std::make_unique<ModelSlot>(load_options);
  if (st.options.registry) {
    auto follower = RegistryFollower::create(
        *st.options.registry, *st.models, st.metrics->registry,
        [&st](const Result<std::shared_ptr<const ModelSet>>& loaded) { st.after_load(loaded); });
    if (!follower) return fail(follower.error());
    st.registry = std::move(*follower);
  }
  // The registry's model reports itself (after_load) when it is loaded.
  auto first = st.options.model_path.empty()
                   ? st.registry->load_now()
                   : st.models->load_file(ModelRole::kPrimary, st.options.model_path);
  if (!first) return fail(first.error());
  if (!st.options.model_path.empty()) st.after_load(first);
  if (!st.options.cascade_model_path.empty()) {
    auto with_cascade = st.models->load_file(ModelRole::kCascade, st.options.cascade_model_path);
    if (!with_cascade) return fail(with_cascade.error());
    st.after_load(with_cascade);
  }
  const size_t features = (*first)->primary->info().feature_names.size();
  if (!st.options.deadband.epsilon.empty() && st.options.deadband.epsilon.size() != 1 &&
      st.options.deadband.epsilon.size() != features) {
    return fail(ErrorCode::kInvalidArgument,
                "deadband: {} epsilons for a model of {} features (give one, or one per feature)",
                st.options.deadband.epsilon.size(), features);
  }
  if (st.options.drift) {
    if (!st.options.control_topic.empty()) {
      st.options.drift->control_topic = st.options.control_topic;
    }
    auto drift = DriftMonitor::create(*st.options.drift, st.metrics->registry);
    if (!drift) return fail(drift.error());
    if (Status s = (*drift)->check_model((*first)->primary->info()); !s) return fail(s.error());
    st.drift = std::move(*drift);
    st.options.worker.drift = st.drift.get();
  }
  auto stages = DeviceStages::create(st.options.alerts, st.options.deadband);
  if (!stages) return fail(stages.error());
  st.stages = std::move(*stages);
  if (!st.options.model_dir.empty() || !st.options.model_path.empty()) {
    // Absolute: an empty or relative directory would not contain the paths it must refuse.
    std::filesystem::path dir =
        st.options.model_dir.empty() ? st.options.model_path.parent_path() : st.options.model_dir;
    std::error_code ec;
    st.model_dir = std::make_unique<DirectorySource>(
        std::filesystem::absolute(dir.empty() ? std::filesystem::path(".") : dir, ec));
  }

  transport::MqttOptions publisher_options = st.options.mqtt;
  publisher_options.subscriptions.clear();
  publisher_options.clean_session = true;
  if (!publisher_options.client_id.empty()) publisher_options.client_id += "-results";
  auto publisher = MqttClient::create(publisher_options, [](const transport::IncomingMessage&) {});
  if (!publisher) return fail(publisher.error());
  st.publisher = std::move(*publisher);
  st.publisher_adapter =
      std::make_unique<MqttPublisher>(*st.publisher, st.options.publish_patience);

  transport::MqttOptions ingest_options = st.options.mqtt;
  ingest_options.subscriptions.clear();
  for (const auto& filter : st.options.telemetry_filters) {
    ingest_options.subscriptions.push_back({filter, st.options.qos});
  }
  if (!st.options.control_topic.empty()) {
    ingest_options.subscriptions.push_back({st.options.control_topic, 1});
  }
  // Lives on the network thread: the handler's reusable message buffers.
  auto scratch = std::make_shared<InboundMessage>();
  auto ingest = MqttClient::create(
      ingest_options,
      [&st, scratch](const transport::IncomingMessage& message) {
        st.on_message(message, *scratch);
      },
      [](ConnectionState state, std::string_view detail) {
        spdlog::info("telemetry connection {}{}{}", to_string(state), detail.empty() ? "" : ": ",
                     detail);
      });
  if (!ingest) return fail(ingest.error());
  st.ingest = std::move(*ingest);

  st.queue = std::make_unique<MessageQueue>(st.options.queue);
  if (st.options.status_enabled) {
    const State* s = &st;
    auto status = StatusServer::start(
        st.options.status, {[s] { return s->render_metrics(); }, [s] { return s->health(); },
                            [s] { return s->readiness(); }});
    if (!status) return fail(status.error());
    st.status = std::move(*status);
    spdlog::info("status endpoint on http://{}:{}",
                 st.options.status.listen.substr(0, st.options.status.listen.rfind(':')),
                 st.status->port());
  }

  if (!st.options.telemetry_log.dir.empty()) {
    auto log = TelemetryLog::start(st.options.telemetry_log, st.metrics->registry);
    if (!log) return fail(log.error());
    st.telemetry_log = std::move(*log);
    st.options.worker.telemetry_log = st.telemetry_log.get();
    if (st.drift) st.drift->set_before_request([log = st.telemetry_log.get()] { log->flush(); });
  }

  // From here on the service owns running threads: a failure stops them through the destructor.
  std::unique_ptr<EdgeService> service(new EdgeService(std::move(state)));
  st.workers_running = st.options.workers;
  for (size_t lane = 0; lane < st.options.workers; ++lane) {
    auto worker = InferenceWorker::create(lane, *st.models, *st.stages, *st.publisher_adapter,
                                          *st.metrics, st.options.worker);
    if (!worker) {
      st.workers_running -= st.options.workers - lane;
      return fail(worker.error());
    }
    st.workers.emplace_back(
        [&st, worker = std::move(*worker)]() mutable { st.run_worker(std::move(worker)); });
  }
  st.loader = std::thread([&st] { st.run_loader(); });
  if (st.options.watch) {
    auto watcher = FileWatcher::start(
        FileWatch(st.options.model_path, (*first)->primary->info().sha256),
        {.interval = st.options.watch_interval},
        [&st](ModelBytes changed) {
          st.after_load(st.models->load_bytes(ModelRole::kPrimary, changed.bytes, changed.origin));
        },
        [](const Error& error) { spdlog::warn("model watch: {}", error.message()); });
    if (!watcher) return fail(watcher.error());
    st.watcher = std::move(*watcher);
  }
  if (Status s = st.publisher->start(); !s) return fail(s.error());
  if (Status s = st.ingest->start(); !s) return fail(s.error());
  if (st.registry) st.registry->start();
  return service;
}

EdgeService::EdgeService(std::unique_ptr<State> state) : state_(std::move(state)) {}

void EdgeService::stop() {
  State& st = *state_;
  if (st.stopped) return;
  st.stopped = true;
  // Ingest first: once its connection is closed nothing new arrives, and everything handed over
  // is in the queue. The workers drain the queue, the results connection publishes what they
  // produced, and only then does it disconnect.
  st.ingest->stop();
  st.publisher_adapter->stop_waiting();
  st.queue->close();
  for (std::thread& worker : st.workers) worker.join();
  if (st.telemetry_log) st.telemetry_log->stop();
  st.publisher_adapter->flush();
  st.publisher->stop();
  st.watcher.reset();
  if (st.registry) st.registry->stop();
  {
    std::lock_guard lock(st.loader_mutex);
    st.loader_stopping = true;
  }
  st.loader_wake.notify_one();
  if (st.loader.joinable()) st.loader.join();
  st.status.reset();
}

EdgeService::~EdgeService() {
  if (state_) stop();
}

Probe EdgeService::readiness() const { return state_->readiness(); }
Probe EdgeService::health() const { return state_->health(); }
std::string EdgeService::metrics_text() const { return state_->render_metrics(); }
uint16_t EdgeService::status_port() const { return state_->status ? state_->status->port() : 0; }

std::string EdgeService::model_version() const {
  const auto serving = state_->models->current();
  return serving ? serving->primary->info().version : std::string();
}

}  // namespace aiotops::edge
