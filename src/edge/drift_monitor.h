#pragma once
// The edge service's streaming drift monitor (docs/edge.md, "Drift monitor"). Every accepted
// reading's features are counted, per inference worker, in fixed bins of the reference: the
// histograms of the serving model's training data, either from a dataset statistics file
// (`aiotops stats`) or, following the model, from the statistics its registry lineage names
// (ModelInfo::training), so a retrained model brings its own reference when it is swapped in.
// Every `window` readings a worker closes its window: PSI and the binned KS statistic per
// feature go to /metrics, and a window with a feature over threshold counts towards the trigger,
// which after `persist_windows` such windows in a row publishes
//   {"command":"train-model","payload":"<JSON text, see encode_train_model>"}
// on the control topic, at most once per cool-down. A new reference starts the count over.
//
// Windows are fleet-wide (every device's readings together): retraining is fleet-wide too, and a
// window per device class or device would take that many times longer to fill. With several
// workers each fills its own windows from its share of the stream.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "drift/streaming_histogram.h"
#include "drift/streaming_reference.h"
#include "drift/streaming_statistics.h"
#include "drift/streaming_trigger.h"
#include "edge/loaded_model.h"
#include "edge/metrics_registry.h"
#include "edge/publisher.h"
#include "telemetry/stats.h"

namespace aiotops::edge {

struct DriftMonitorOptions {
  // Dataset statistics (docs/formats/dataset-stats.md) of the serving model's training data.
  std::filesystem::path reference{};
  // Instead of `reference`: each serving model's own training statistics (ModelInfo::training).
  bool reference_from_model = false;
  uint32_t window = 1000;      // readings per window, per worker; 10 to 10^9
  double psi_threshold = 0.2;  // a feature's PSI at or above it puts the window over; > 0
  double ks_threshold = 0;     // ... or its binned KS at or above it, in (0, 1]; 0: not used
  drift::DriftTriggerOptions trigger{};     // windows in a row, cool-down
  drift::StreamingReferenceOptions bins{};  // PSI bins
  std::string dataset{};  // named in the train-model payload as "dataset"; empty: left out
  std::string control_topic = "control-message";  // where train-model goes
};

// kInvalidArgument naming the bad option. Thread-safe.
Status check_drift_options(const DriftMonitorOptions& options);

// The streaming reference of every feature in `stats` (its content hash kept). kInvalidArgument
// naming the feature whose histogram is empty or malformed. Thread-safe.
Result<drift::StreamingReference> streaming_reference(const telemetry::DatasetStats& stats,
                                                      const drift::StreamingReferenceOptions& bins);

// What a train-model request says about the drift that fired it.
struct DriftReport {
  std::string model_version;   // the serving model's
  std::string reference_hash;  // content hash of the reference dataset
  // DriftMonitorOptions::dataset, else the name of the model's training dataset; empty: left out
  std::string dataset;
  std::string reference_dataset;  // the model's training dataset "NAME:VERSION"; empty: left out
  uint32_t consecutive_windows = 0;
  uint32_t window = 0;  // readings per window
  struct Feature {
    std::string name;
    drift::WindowStatistics statistics;
    bool drift = false;  // over a threshold
  };
  std::vector<Feature> features;  // the features of the window that fired, reference order
};

// {"command":"train-model","payload":P} with P the JSON text (a string, as the reference's
// payloads are) of {"reason":"drift","model_version","reference","dataset"(when set),
// "reference_dataset"(when known),
// "consecutive_windows","window","features":{NAME:{"psi","ks","ks_bound","drift"}}}.
// Never fails; allocates (a trigger is rare).
std::string encode_train_model(const DriftReport& report);

// Shared by the workers: the references, the trigger and the metrics. Thread-safe.
class DriftMonitor {
 public:
  using Clock = std::function<std::chrono::nanoseconds()>;  // monotonic

  // Reads the reference file, when one is named (kNotFound, kIo, kInvalidArgument naming the
  // file and field), and registers the drift metrics in `registry` (which must outlive the
  // monitor).
  static Result<std::unique_ptr<DriftMonitor>> create(DriftMonitorOptions options,
                                                      MetricsRegistry& registry,
                                                      Clock clock = steady_now);
  // kInvalidArgument when `model` has no reference (following the model: it carries no training
  // statistics) or scores none of the reference's features.
  Status check_model(const ModelInfo& model);

  // The reference `model` is judged against: the file's, or the model's own (built once per
  // statistics). Null when the model carries none or they are malformed (logged).
  std::shared_ptr<const drift::StreamingReference> reference_for(const ModelInfo& model);
  const DriftMonitorOptions& options() const { return options_; }

  // Called on the worker that fires the trigger, just before train-model is published: the
  // service flushes its telemetry log there, so the retraining pipeline's extract finds every
  // reading logged so far. Set before the workers start.
  void set_before_request(std::function<void()> hook) { before_request_ = std::move(hook); }

  static std::chrono::nanoseconds steady_now();

 private:
  friend class DriftLane;
  struct FeatureGauges {
    Gauge* psi = nullptr;
    Gauge* ks = nullptr;
  };
  DriftMonitor(DriftMonitorOptions options,
               std::shared_ptr<const drift::StreamingReference> file_reference, Clock clock)
      : options_(std::move(options)),
        file_reference_(std::move(file_reference)),
        trigger_(options_.trigger),
        clock_(std::move(clock)) {}
  // The /metrics gauges of a feature, registered the first time it is named (kInternal when
  // the registry refuses them).
  Result<FeatureGauges> gauges_for(const std::string& feature);
  // True when the feature's statistics put a window over threshold.
  bool over(const drift::WindowStatistics& s) const;
  // A lane closed a window: `statistics` per feature of `reference` (count 0: not scored).
  void on_window(const ModelInfo& model, const drift::StreamingReference& reference,
                 std::span<const FeatureGauges> gauges,
                 std::span<const drift::WindowStatistics> statistics, Publisher& publisher);
  // Publishes train-model for the window that fired the trigger (allocates; rare).
  void request_training(const ModelInfo& model, const drift::StreamingReference& reference,
                        std::span<const drift::WindowStatistics> statistics, Publisher& publisher);
  // A lane started counting for a model against `reference` (null: none): monitored or not
  // (logged); a reference other than the last one starts the trigger's count over.
  void on_model(const ModelInfo& model, const drift::StreamingReference* reference, bool monitored);
  // `monitor->` reads in the lanes stay lock-free: everything below the mutex is touched only
  // when a model changes.
  const DriftMonitorOptions options_;
  const std::shared_ptr<const drift::StreamingReference> file_reference_;  // null: from models
  drift::DriftTrigger trigger_;
  const Clock clock_;
  std::function<void()> before_request_;
  MetricsRegistry* registry_ = nullptr;
  Counter* windows_ = nullptr;
  Counter* windows_over_ = nullptr;
  Counter* triggers_ = nullptr;
  Gauge* state_ = nullptr;
  Gauge* consecutive_ = nullptr;
  Gauge* monitoring_ = nullptr;

  std::mutex mutex_;
  std::map<std::string, FeatureGauges> gauges_;  // by feature name
  // The reference built for the latest model statistics seen, keyed by their address.
  const telemetry::DatasetStats* cached_stats_ = nullptr;
  std::shared_ptr<const drift::StreamingReference> cached_reference_;
  const drift::StreamingReference* judged_ = nullptr;  // the reference windows last counted on
};

// One worker's windows. Not thread-safe: one per worker thread.
class DriftLane {
 public:
  // `monitor` must outlive the lane.
  explicit DriftLane(DriftMonitor& monitor);

  // Counts one accepted reading, `values` in `model`'s feature order; when the window is full,
  // judges it and, when the trigger fires, publishes train-model through `publisher`. No
  // allocation and no lock, except when the model changed (the window starts over) and when the
  // trigger fires.
  void observe(const std::shared_ptr<const LoadedModel>& model, std::span<const double> values,
               Publisher& publisher) {
    if (model != model_) start(model);
    if (inputs_.empty()) return;
    for (const Input& input : inputs_) histograms_[input.feature].add(values[input.value]);
    if (++readings_ >= monitor_->options_.window) close_window(publisher);
  }

 private:
  struct Input {
    size_t value;    // index in the model's feature order
    size_t feature;  // index in the reference
  };
  void start(const std::shared_ptr<const LoadedModel>& model);
  // Histograms, statistics and gauges for `reference` (allocates; on a model change only).
  void use(std::shared_ptr<const drift::StreamingReference> reference);
  void clear();
  void close_window(Publisher& publisher);

  DriftMonitor* monitor_;
  std::shared_ptr<const LoadedModel> model_;                    // the model inputs_ map
  std::shared_ptr<const drift::StreamingReference> reference_;  // null: none for the model
  std::vector<Input> inputs_;                                   // empty: the model is not monitored
  std::vector<drift::StreamingHistogram> histograms_;           // per reference feature
  std::vector<drift::WindowStatistics> statistics_;             // per reference feature
  std::vector<DriftMonitor::FeatureGauges> gauges_;             // per reference feature
  uint32_t readings_ = 0;
};

}  // namespace aiotops::edge
