#pragma once
// A small Prometheus registry: metrics are registered once (name, help, a fixed label set) and
// rendered in the text exposition format 0.0.4 for /metrics. Families and their series appear
// in registration order.
//
//   MetricsRegistry registry;
//   auto dead = registry.counter("aiotops_edge_dead_letters_total", "Messages refused.",
//                                {{"reason", "invalid_json"}});
//   (*dead)->inc();                 // hot path: one relaxed atomic add
//   std::string text; registry.render(text);

#include <array>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error.h"
#include "edge/metrics.h"

namespace aiotops::edge {

struct Label {
  std::string name;
  std::string value;
};

// Latency buckets in seconds, 5 µs to 1 s: inference on a gateway takes microseconds, a stalled
// worker milliseconds or more.
inline constexpr std::array<double, 14> kLatencyBucketsSeconds{
    5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1, 1.0};

// Registration and render() lock a mutex; the returned metrics are updated lock-free from any
// thread and live (at a fixed address) as long as the registry.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each registers one series of a family. Fails with kInvalidArgument for an invalid metric or
  // label name, a label named twice, or (histograms) a label named "le" or bounds that are not
  // finite and strictly increasing; with kAlreadyExists when the name is registered with another
  // type or help, or the same label set is registered twice.
  Result<Counter*> counter(std::string_view name, std::string_view help,
                           std::vector<Label> labels = {});
  Result<Gauge*> gauge(std::string_view name, std::string_view help,
                       std::vector<Label> labels = {});
  Result<Histogram*> histogram(std::string_view name, std::string_view help,
                               std::span<const double> upper_bounds,
                               std::vector<Label> labels = {});
  // An info-style gauge (value 1, label values set later); label_names must not be empty.
  Result<InfoGauge*> info(std::string_view name, std::string_view help,
                          std::vector<std::string> label_names);

  // Writes every family into `out` (cleared first): `# HELP`, `# TYPE`, then its samples
  // (histograms as _bucket{le=...} cumulative counts up to le="+Inf", _sum and _count).
  // Thread-safe; allocates (not for the hot path).
  void render(std::string& out) const;

 private:
  using Metric = std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>,
                              std::unique_ptr<Histogram>, std::unique_ptr<InfoGauge>>;
  struct Series {
    std::string labels;  // rendered `a="x",b="y"`; empty without labels
    Metric metric;
  };
  struct Family {
    std::string name;
    std::string help;
    std::string_view type;  // "counter", "gauge", "histogram"
    std::vector<Series> series;
  };

  // Validates and adds one series; `reserved_label` is a label name the type writes itself.
  template <typename T>
  Result<T*> add(std::string_view name, std::string_view help, std::string_view type,
                 const std::vector<Label>& labels, std::string_view reserved_label,
                 std::unique_ptr<T> metric);
  static void render_series(std::string& out, const Family& family, const Series& series);

  mutable std::mutex mutex_;
  std::vector<Family> families_;  // guarded by mutex_
};

}  // namespace aiotops::edge
