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
  if (options.reference.empty() == !options.reference_from_model) {
    return fail(ErrorCode::kInvalidArgument,
                "drift: one reference is needed: a dataset statistics file of the model's "
                "training data, or the serving model's own");
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
  if (!report.reference_dataset.empty()) payload["reference_dataset"] = report.reference_dataset;
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
  std::shared_ptr<const drift::StreamingReference> file_reference;
  if (!options.reference_from_model) {
    auto stats = telemetry::read_stats(options.reference);
    if (!stats) return fail(stats.error());
    auto reference = streaming_reference(*stats, options.bins);
    if (!reference) return fail(reference.error().with_context(options.reference.string()));
    file_reference = std::make_shared<const drift::StreamingReference>(std::move(*reference));
  }
  std::unique_ptr<DriftMonitor> monitor(
      new DriftMonitor(std::move(options), std::move(file_reference), std::move(clock)));
  MetricsRegistry& r = registry;
  monitor->registry_ = &registry;
  Status status;
  if (monitor->file_reference_) {
    for (const drift::StreamingFeatureReference& f : monitor->file_reference_->features) {
      if (auto gauges = monitor->gauges_for(f.name); !gauges && status)
        status = fail(gauges.error());
    }
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

Result<DriftMonitor::FeatureGauges> DriftMonitor::gauges_for(const std::string& feature) {
  std::lock_guard lock(mutex_);
  if (auto it = gauges_.find(feature); it != gauges_.end()) return it->second;
  Status status;
  FeatureGauges gauges;
  gauges.psi = take(
      registry_->gauge("aiotops_edge_drift_psi", "PSI of the latest window against the reference",
                       {{"feature", feature}}),
      status);
  gauges.ks = take(registry_->gauge("aiotops_edge_drift_ks",
                                    "Kolmogorov-Smirnov statistic of the latest window against the "
                                    "reference, on the reference's bins (a lower bound of the "
                                    "exact one)",
                                    {{"feature", feature}}),
                   status);
  if (!status) return fail(ErrorCode::kInternal, "drift metrics: {}", status.error().message());
  gauges_.emplace(feature, gauges);
  return gauges;
}

std::shared_ptr<const drift::StreamingReference> DriftMonitor::reference_for(
    const ModelInfo& model) {
  if (file_reference_) return file_reference_;
  const telemetry::DatasetStats* stats = model.training.stats.get();
  if (stats == nullptr) return nullptr;
  std::lock_guard lock(mutex_);
  if (stats != cached_stats_) {
    auto reference = streaming_reference(*stats, options_.bins);
    if (!reference) {
      spdlog::error("drift reference of model {} (training dataset {}): {}", model.version,
                    model.training.dataset, reference.error().message());
      cached_reference_.reset();
    } else {
      cached_reference_ = std::make_shared<const drift::StreamingReference>(std::move(*reference));
    }
    cached_stats_ = stats;
  }
  return cached_reference_;
}

Status DriftMonitor::check_model(const ModelInfo& model) {
  const auto reference = reference_for(model);
  if (!reference) {
    return fail(ErrorCode::kInvalidArgument,
                "drift reference: model {} ({}) carries no usable training statistics; a model "
                "served from the registry (--registry-model) brings those of the dataset its "
                "lineage names",
                model.version, model.origin);
  }
  for (const std::string& name : model.feature_names) {
    if (reference->find(name)) return {};
  }
  std::string names;
  for (const drift::StreamingFeatureReference& f : reference->features) {
    names += names.empty() ? f.name : ", " + f.name;
  }
  return fail(ErrorCode::kInvalidArgument,
              "drift reference {}: model {} scores none of its features ({})",
              options_.reference_from_model ? model.training.dataset : options_.reference.string(),
              model.version, names);
}

bool DriftMonitor::over(const drift::WindowStatistics& s) const {
  return s.count > 0 && (s.psi >= options_.psi_threshold ||
                         (options_.ks_threshold > 0 && s.ks >= options_.ks_threshold));
}

void DriftMonitor::on_model(const ModelInfo& model, const drift::StreamingReference* reference,
                            bool monitored) {
  monitoring_->set(monitored ? 1 : 0);
  if (!monitored) {
    spdlog::warn("drift monitor paused: model {} has no reference or scores none of its features",
                 model.version);
  }
  std::lock_guard lock(mutex_);
  if (reference != nullptr && reference != judged_) {
    if (judged_ != nullptr) {
      spdlog::info("drift monitor: model {} is judged against its own training data {}",
                   model.version, model.training.dataset);
      trigger_.restart();
      consecutive_->set(0);
    }
    judged_ = reference;
  }
}

void DriftMonitor::on_window(const ModelInfo& model, const drift::StreamingReference& reference,
                             std::span<const FeatureGauges> gauges,
                             std::span<const drift::WindowStatistics> statistics,
                             Publisher& publisher) {
  bool any_over = false;
  for (size_t f = 0; f < statistics.size(); ++f) {
    const drift::WindowStatistics& s = statistics[f];
    if (s.count == 0) continue;
    gauges[f].psi->set(s.psi);
    gauges[f].ks->set(s.ks);
    any_over = any_over || over(s);
  }
  state_->set(any_over ? 1 : 0);
  const bool fire = trigger_.on_window(any_over, clock_());
  consecutive_->set(trigger_.consecutive());
  if (fire) request_training(model, reference, statistics, publisher);
  // Counted last: whoever sees the window counted also sees its train-model request published.
  if (any_over) windows_over_->inc();
  windows_->inc();
}

void DriftMonitor::request_training(const ModelInfo& model,
                                    const drift::StreamingReference& reference,
                                    std::span<const drift::WindowStatistics> statistics,
                                    Publisher& publisher) {
  DriftReport report;
  report.model_version = model.version;
  report.reference_hash = reference.content_hash;
  report.reference_dataset = model.training.dataset;
  // "NAME:VERSION": retraining takes new data under the same name.
  report.dataset = !options_.dataset.empty()
                       ? options_.dataset
                       : model.training.dataset.substr(0, model.training.dataset.rfind(':'));
  report.consecutive_windows = trigger_.consecutive();
  report.window = options_.window;
  for (size_t f = 0; f < statistics.size(); ++f) {
    if (statistics[f].count == 0) continue;
    report.features.push_back({reference.features[f].name, statistics[f], over(statistics[f])});
  }
  const std::string message = encode_train_model(report);
  if (before_request_) before_request_();
  if (Status s = publisher.publish(options_.control_topic, message, 1); !s) {
    spdlog::error("drift persists but train-model could not be published on {}: {}",
                  options_.control_topic, s.error().message());
    return;
  }
  triggers_->inc();
  spdlog::warn("drift persists ({} windows in a row over threshold): train-model published on {}",
               report.consecutive_windows, options_.control_topic);
}

DriftLane::DriftLane(DriftMonitor& monitor) : monitor_(&monitor) {}

void DriftLane::use(std::shared_ptr<const drift::StreamingReference> reference) {
  if (reference == reference_) return;
  reference_ = std::move(reference);
  histograms_.clear();
  gauges_.clear();
  if (reference_) {
    for (const drift::StreamingFeatureReference& f : reference_->features) {
      auto gauges = monitor_->gauges_for(f.name);
      if (!gauges) {
        // Only a registry refusing a well-formed name gets here; not monitoring beats crashing.
        spdlog::error("drift monitor: {}", gauges.error().message());
        reference_.reset();
        histograms_.clear();
        gauges_.clear();
        break;
      }
      histograms_.emplace_back(f);
      gauges_.push_back(*gauges);
    }
  }
  statistics_.assign(histograms_.size(), {});
}

void DriftLane::clear() {
  for (drift::StreamingHistogram& h : histograms_) h.clear();
  readings_ = 0;
}

void DriftLane::start(const std::shared_ptr<const LoadedModel>& model) {
  model_ = model;
  inputs_.clear();
  use(model ? monitor_->reference_for(model->info()) : nullptr);
  clear();
  if (!model) return;
  const ModelInfo& info = model->info();
  if (reference_) {
    for (size_t v = 0; v < info.feature_names.size(); ++v) {
      const auto& features = reference_->features;
      for (size_t f = 0; f < features.size(); ++f) {
        if (features[f].name == info.feature_names[v]) inputs_.push_back({v, f});
      }
    }
  }
  monitor_->on_model(info, reference_.get(), !inputs_.empty());
}

void DriftLane::close_window(Publisher& publisher) {
  for (size_t f = 0; f < histograms_.size(); ++f) {
    statistics_[f] = drift::window_statistics(histograms_[f].reference(), histograms_[f].counts());
  }
  monitor_->on_window(model_->info(), *reference_, gauges_, statistics_, publisher);
  clear();
}

}  // namespace aiotops::edge
