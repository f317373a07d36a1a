#include "edge/drift_monitor.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace aiotops::edge {
namespace {

constexpr std::string_view kTrainModelCommand = "train-model";

// Unwraps a registration, remembering the first failure.
template <typename T>
T* take(Result<T*> metric, Status& status) {
  if (!metric) {
    if (status) status = fail(metric.error());
    return nullptr;
  }
  return *metric;
}

// JSON has no NaN: a statistic without values is null.
nlohmann::json number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

Status check_drift_options(const DriftMonitorOptions& options) {
  if (options.reference.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "drift: a reference (dataset statistics of the model's training data) is needed");
  }
  if (options.window < 10 || options.window > 1'000'000'000) {
    return fail(ErrorCode::kInvalidArgument, "drift window {}: expected 10 to 10^9 readings",
                options.window);
  }
  if (!(options.psi_threshold > 0) || !std::isfinite(options.psi_threshold)) {
    return fail(ErrorCode::kInvalidArgument, "drift PSI threshold {}: expected a number > 0",
                options.psi_threshold);
  }
  if (!(options.ks_threshold >= 0 && options.ks_threshold <= 1)) {
    return fail(ErrorCode::kInvalidArgument, "drift KS threshold {}: expected 0 (off) to 1",
                options.ks_threshold);
  }
  if (options.control_topic.empty()) {
    return fail(ErrorCode::kInvalidArgument, "drift: train-model needs a control topic");
  }
  if (Status s = drift::check_trigger_options(options.trigger); !s) return s;
  // The bin options are checked with the reference they shape.
  return {};
}

Result<drift::StreamingReference> streaming_reference(
    const telemetry::DatasetStats& stats, const drift::StreamingReferenceOptions& bins) {
  drift::StreamingReference reference;
  reference.content_hash = stats.content_hash;
  for (const telemetry::FeatureStats& feature : stats.features) {
    auto f = drift::streaming_feature_reference(feature.name, feature.histogram.edges,
                                                feature.histogram.counts, bins);
    if (!f) return fail(f.error());
    reference.features.push_back(std::move(*f));
  }
  if (reference.features.empty()) {
    return fail(ErrorCode::kInvalidArgument, "the statistics name no features");
  }
  return reference;
}

std::string encode_train_model(const DriftReport& report) {
  nlohmann::json features = nlohmann::json::object();
  for (const DriftReport::Feature& f : report.features) {
    features[f.name] = {{"psi", number(f.statistics.psi)},
                        {"ks", number(f.statistics.ks)},
                        {"ks_bound", number(f.statistics.ks_bound)},
                        {"drift", f.drift}};
  }
  nlohmann::json payload = {{"reason", "drift"},
                            {"model_version", report.model_version},
                            {"reference", report.reference_hash},
                            {"consecutive_windows", report.consecutive_windows},
                            {"window", report.window},
                            {"features", std::move(features)}};
  if (!report.dataset.empty()) payload["dataset"] = report.dataset;
  const nlohmann::json message = {
      {"command", kTrainModelCommand},
      {"payload", payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}};
  return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::chrono::nanoseconds DriftMonitor::steady_now() {
  return std::chrono::steady_clock::now().time_since_epoch();
}

Result<std::unique_ptr<DriftMonitor>> DriftMonitor::create(DriftMonitorOptions options,
                                                           MetricsRegistry& registry, Clock clock) {
  if (Status s = check_drift_options(options); !s) return fail(s.error());
  auto stats = telemetry::read_stats(options.reference);
  if (!stats) return fail(stats.error());
  auto reference = streaming_reference(*stats, options.bins);
  if (!reference) return fail(reference.error().with_context(options.reference.string()));
  std::unique_ptr<DriftMonitor> monitor(
      new DriftMonitor(std::move(options), std::move(*reference), std::move(clock)));
  MetricsRegistry& r = registry;
  Status status;
  for (const drift::StreamingFeatureReference& f : monitor->reference_.features) {
    monitor->psi_.push_back(
        take(r.gauge("aiotops_edge_drift_psi", "PSI of the latest window against the reference",
                     {{"feature", f.name}}),
             status));
    monitor->ks_.push_back(
        take(r.gauge("aiotops_edge_drift_ks",
                     "Kolmogorov-Smirnov statistic of the latest window against the reference, "
                     "on the reference's bins (a lower bound of the exact one)",
                     {{"feature", f.name}}),
             status));
  }
  monitor->windows_ =
      take(r.counter("aiotops_edge_drift_windows_total", "Drift windows closed"), status);
  monitor->windows_over_ = take(r.counter("aiotops_edge_drift_windows_over_threshold_total",
                                          "Drift windows with a feature over threshold"),
                                status);
  monitor->triggers_ = take(
      r.counter("aiotops_edge_drift_triggers_total", "train-model requests published on drift"),
      status);
  monitor->state_ = take(
      r.gauge("aiotops_edge_drift_state", "1 when the latest window was over threshold, else 0"),
      status);
  monitor->consecutive_ = take(r.gauge("aiotops_edge_drift_consecutive_windows",
                                       "Windows over threshold in a row, up to the latest"),
                               status);
  monitor->monitoring_ =
      take(r.gauge("aiotops_edge_drift_monitoring",
                   "1 while the serving model shares features with the drift reference"),
           status);
  if (!status) return fail(ErrorCode::kInternal, "drift metrics: {}", status.error().message());
  return monitor;
}

Status DriftMonitor::check_model(const ModelInfo& model) const {
  for (const std::string& name : model.feature_names) {
    if (reference_.find(name)) return {};
  }
  std::string names;
  for (const drift::StreamingFeatureReference& f : reference_.features) {
    names += names.empty() ? f.name : ", " + f.name;
  }
  return fail(ErrorCode::kInvalidArgument,
              "drift reference {}: model {} scores none of its features ({})",
              options_.reference.string(), model.version, names);
}

bool DriftMonitor::over(const drift::WindowStatistics& s) const {
  return s.count > 0 && (s.psi >= options_.psi_threshold ||
                         (options_.ks_threshold > 0 && s.ks >= options_.ks_threshold));
}

void DriftMonitor::on_model(const ModelInfo& model, bool monitored) {
  monitoring_->set(monitored ? 1 : 0);
  if (!monitored) {
    spdlog::warn("drift monitor paused: model {} scores none of the reference's features",
                 model.version);
  }
}

void DriftMonitor::on_window(const ModelInfo& model,
                             std::span<const drift::WindowStatistics> statistics,
                             Publisher& publisher) {
  bool any_over = false;
  for (size_t f = 0; f < statistics.size(); ++f) {
    const drift::WindowStatistics& s = statistics[f];
    if (s.count == 0) continue;
    psi_[f]->set(s.psi);
    ks_[f]->set(s.ks);
    any_over = any_over || over(s);
  }
  state_->set(any_over ? 1 : 0);
  const bool fire = trigger_.on_window(any_over, clock_());
  consecutive_->set(trigger_.consecutive());
  if (fire) request_training(model, statistics, publisher);
  // Counted last: whoever sees the window counted also sees its train-model request published.
  if (any_over) windows_over_->inc();
  windows_->inc();
}

void DriftMonitor::request_training(const ModelInfo& model,
                                    std::span<const drift::WindowStatistics> statistics,
                                    Publisher& publisher) {
  DriftReport report;
  report.model_version = model.version;
  report.reference_hash = reference_.content_hash;
  report.dataset = options_.dataset;
  report.consecutive_windows = trigger_.consecutive();
  report.window = options_.window;
  for (size_t f = 0; f < statistics.size(); ++f) {
    if (statistics[f].count == 0) continue;
    report.features.push_back({reference_.features[f].name, statistics[f], over(statistics[f])});
  }
  const std::string message = encode_train_model(report);
  if (Status s = publisher.publish(options_.control_topic, message, 1); !s) {
    spdlog::error("drift persists but train-model could not be published on {}: {}",
                  options_.control_topic, s.error().message());
    return;
  }
  triggers_->inc();
  spdlog::warn("drift persists ({} windows in a row over threshold): train-model published on {}",
               report.consecutive_windows, options_.control_topic);
}

DriftLane::DriftLane(DriftMonitor& monitor) : monitor_(&monitor) {
  for (const drift::StreamingFeatureReference& f : monitor.reference_.features) {
    histograms_.emplace_back(f);
  }
  statistics_.resize(histograms_.size());
}

void DriftLane::clear() {
  for (drift::StreamingHistogram& h : histograms_) h.clear();
  readings_ = 0;
}

void DriftLane::start(const std::shared_ptr<const LoadedModel>& model) {
  model_ = model;
  inputs_.clear();
  clear();
  if (!model) return;
  const ModelInfo& info = model->info();
  for (size_t v = 0; v < info.feature_names.size(); ++v) {
    const auto& features = monitor_->reference_.features;
    for (size_t f = 0; f < features.size(); ++f) {
      if (features[f].name == info.feature_names[v]) inputs_.push_back({v, f});
    }
  }
  monitor_->on_model(info, !inputs_.empty());
}

void DriftLane::close_window(Publisher& publisher) {
  for (size_t f = 0; f < histograms_.size(); ++f) {
    statistics_[f] = drift::window_statistics(histograms_[f].reference(), histograms_[f].counts());
  }
  monitor_->on_window(model_->info(), statistics_, publisher);
  clear();
}

}  // namespace aiotops::edge
