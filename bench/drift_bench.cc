// The streaming drift monitor's cost per value (Google Benchmark), against batch PSI over the same
// values in the same run. Each iteration handles one window of values of one feature, drawn from
// a normal distribution shifted against the reference (so values land in every bin):
//   streaming/update      StreamingHistogram::add per value (the edge worker's hot path)
//   streaming/window      the same plus window_statistics (PSI and binned KS) at the window's end
//   batch/same_bins       the plain batch way on the same bins: a counts vector per window,
//                         std::upper_bound per value, then the PSI formula
//   batch/sorted_sample   drift::psi (aiotops validate's PSI): sort the window, reference-decile
//                         bins, shares, PSI
// The counter per_value is the CPU time of one value.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "drift/psi.h"
#include "drift/sorted_sample.h"
#include "drift/streaming_histogram.h"
#include "drift/streaming_reference.h"
#include "drift/streaming_statistics.h"

namespace aiotops::bench {
namespace {

constexpr size_t kReferenceValues = 100'000;
constexpr size_t kValues = 1 << 20;  // cycled through, window after window
constexpr size_t kBins = 20;         // aiotops stats' default histogram

std::vector<double> normal(size_t n, double mean, double sd, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> draw(mean, sd);
  std::vector<double> values(n);
  for (double& v : values) v = draw(rng);
  return values;
}

struct Data {
  std::vector<double> reference_values = normal(kReferenceValues, 60, 5, 1);
  std::vector<double> values = normal(kValues, 62, 6, 2);
  drift::StreamingFeatureReference reference;
  std::vector<double> reference_sorted;

  Data() {
    const auto [lo, hi] = std::ranges::minmax(reference_values);
    std::vector<double> edges;
    for (size_t i = 0; i <= kBins; ++i) edges.push_back(lo + (hi - lo) * i / kBins);
    edges.back() = hi;
    std::vector<size_t> counts(kBins);
    for (double v : reference_values) {
      const size_t above =
          static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), v) - edges.begin());
      ++counts[std::min(above, kBins) - 1];
    }
    auto built = drift::streaming_feature_reference("x", edges, counts);
    if (!built) {
      std::fprintf(stderr, "drift_bench: %s\n", built.error().message().c_str());
      std::exit(1);
    }
    reference = std::move(*built);
    reference_sorted = reference_values;
    std::ranges::sort(reference_sorted);
  }
};

const Data& data() {
  static const Data d;
  return d;
}

void set_counters(benchmark::State& state, size_t window) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * window));
  // Seconds per value (printed with an SI prefix: 2.5n is 2.5 ns).
  state.counters["per_value"] = benchmark::Counter(
      static_cast<double>(window),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void streaming_update(benchmark::State& state) {
  const Data& d = data();
  const size_t window = static_cast<size_t>(state.range(0));
  drift::StreamingHistogram histogram(d.reference);
  size_t at = 0;
  for (auto _ : state) {
    histogram.clear();
    for (size_t i = 0; i < window; ++i) histogram.add(d.values[(at + i) % kValues]);
    at = (at + window) % kValues;
    benchmark::DoNotOptimize(histogram.counts().data());
    benchmark::ClobberMemory();
  }
  set_counters(state, window);
}

void streaming_window(benchmark::State& state) {
  const Data& d = data();
  const size_t window = static_cast<size_t>(state.range(0));
  drift::StreamingHistogram histogram(d.reference);
  size_t at = 0;
  for (auto _ : state) {
    histogram.clear();
    for (size_t i = 0; i < window; ++i) histogram.add(d.values[(at + i) % kValues]);
    at = (at + window) % kValues;
    benchmark::DoNotOptimize(drift::window_statistics(d.reference, histogram.counts()));
  }
  set_counters(state, window);
}

void batch_same_bins(benchmark::State& state) {
  const Data& d = data();
  const size_t window = static_cast<size_t>(state.range(0));
  const drift::StreamingFeatureReference& r = d.reference;
  size_t at = 0;
  for (auto _ : state) {
    std::vector<size_t> counts(r.psi_bin_end.size());
    for (size_t i = 0; i < window; ++i) {
      const double v = d.values[(at + i) % kValues];
      const size_t fine = static_cast<size_t>(std::upper_bound(r.edges.begin(), r.edges.end(), v) -
                                              r.edges.begin());
      ++counts[static_cast<size_t>(
          std::upper_bound(r.psi_bin_end.begin(), r.psi_bin_end.end(), fine) -
          r.psi_bin_end.begin())];
    }
    at = (at + window) % kValues;
    double psi = 0;
    size_t begin = 0;
    for (size_t g = 0; g < counts.size(); ++g) {
      uint64_t held = 0;
      for (size_t i = begin; i < r.psi_bin_end[g]; ++i) held += r.counts[i];
      begin = r.psi_bin_end[g];
      const double e = std::max(static_cast<double>(held) / r.total, 1e-4);
      const double a = std::max(static_cast<double>(counts[g]) / window, 1e-4);
      psi += (a - e) * std::log(a / e);
    }
    benchmark::DoNotOptimize(psi);
  }
  set_counters(state, window);
}

void batch_sorted_sample(benchmark::State& state) {
  const Data& d = data();
  const size_t window = static_cast<size_t>(state.range(0));
  auto reference = drift::SortedSample::from_sorted(d.reference_sorted, "reference");
  if (!reference) {
    state.SkipWithError(reference.error().message().c_str());
    return;
  }
  std::vector<double> current(window);
  size_t at = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < window; ++i) current[i] = d.values[(at + i) % kValues];
    at = (at + window) % kValues;
    auto sample = drift::SortedSample::from_values(current, "window");
    auto psi = drift::psi(*reference, *sample);
    benchmark::DoNotOptimize(psi);
  }
  set_counters(state, window);
}

BENCHMARK(streaming_update)->Name("streaming/update")->Arg(1000)->Arg(10000);
BENCHMARK(streaming_window)->Name("streaming/window")->Arg(1000)->Arg(10000);
BENCHMARK(batch_same_bins)->Name("batch/same_bins")->Arg(1000)->Arg(10000);
BENCHMARK(batch_sorted_sample)->Name("batch/sorted_sample")->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace aiotops::bench

BENCHMARK_MAIN();
