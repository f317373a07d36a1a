#pragma once
// The metric values the edge service updates on its hot path: counters, gauges and fixed-bucket
// histograms. Updates are relaxed atomics: lock-free, allocation-free, safe from any thread.
// Create them through MetricsRegistry (edge/metrics_registry.h), which names them and renders
// them for /metrics; it owns them and keeps them at a fixed address for its lifetime.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace aiotops::edge {

// A monotonically increasing count. Aligned to a cache line so that counters updated by
// different threads do not slow each other down.
class alignas(64) Counter {
 public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (queue depth, connection state).
class alignas(64) Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts of observations per bucket (upper bounds fixed at construction, plus +Inf) and their
// sum. A scrape may see a sum a few observations apart from the counts; the +Inf bucket and
// the count always agree (the registry derives both from the same bucket reads).
class Histogram {
 public:
  // `upper_bounds` must be finite and strictly increasing (the registry checks).
  explicit Histogram(std::vector<double> upper_bounds);

  // Counts `value` in the first bucket whose upper bound is >= value; NaN is ignored.
  void observe(double value) noexcept;

  std::span<const double> upper_bounds() const { return upper_bounds_; }
  // Observations in bucket i alone (not cumulative); i == upper_bounds().size() is +Inf.
  uint64_t bucket(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::atomic<uint64_t>> counts_;  // upper_bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// An info-style gauge: one series with value 1 whose label values say what is running (e.g.
// the model version). Label names are fixed at registration; set() is for rare changes (a model
// swap): it locks and allocates. Thread-safe.
class InfoGauge {
 public:
  explicit InfoGauge(std::vector<std::string> label_names) : label_names_(std::move(label_names)) {}

  // Replaces the label values, one per label name (extra values are ignored, missing ones are
  // empty). Until the first set() the family renders no series.
  void set(std::span<const std::string> values);
  // The series' rendered labels (`version="v3"`), empty before the first set().
  std::string labels() const;
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  const std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::string labels_;  // guarded by mutex_
};

}  // namespace aiotops::edge
