#include "fuzz/fuzz_checks.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "telemetry/stats.h"

namespace aiotops::fuzz {

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

void check_dataset(const telemetry::Dataset& dataset, const telemetry::BadRowReport& report,
                   const telemetry::ReadOptions& options) {
  const size_t rows = dataset.rows();
  require(!dataset.feature_names.empty(), "a dataset has features");
  require(dataset.features.size() == rows * dataset.cols(), "features hold rows * cols values");
  for (double value : dataset.features) require(std::isfinite(value), "feature values are finite");
  for (double label : dataset.labels) require(std::isfinite(label), "labels are finite");
  auto sized = [rows](size_t size) { return size == 0 || size == rows; };
  require(sized(dataset.labels.size()) && sized(dataset.device_ids.size()) &&
              sized(dataset.timestamps_ms.size()) && sized(dataset.fault_types.size()),
          "optional columns are empty or hold one value per row");
  require(dataset.label_name.empty() == dataset.labels.empty() || rows == 0,
          "labels exactly when there is a label column");
  require(report.rows_read == rows + report.rows_skipped, "rows read = kept + skipped");
  require(options.skip_bad_rows || report.rows_skipped == 0, "nothing skipped unless asked");
  size_t by_reason = 0;
  for (const auto& [reason, count] : report.skipped_by_reason) by_reason += count;
  require(by_reason == report.rows_skipped, "reasons add up to the skipped rows");
  require(report.examples.size() <= options.max_error_examples, "examples are capped");

  telemetry::StatsOptions stats_options;
  stats_options.histogram_bins = 1 + rows % 7;
  telemetry::DatasetStats stats = telemetry::compute_stats(dataset, stats_options);
  auto text = telemetry::to_json(stats).dump();
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  require(!parsed.is_discarded(), "statistics JSON parses");
  auto back = telemetry::stats_from_json(parsed);
  if (!back) std::fprintf(stderr, "%s\n", back.error().message().c_str());
  require(back.has_value(), "statistics JSON validates");
  require(telemetry::to_json(*back).dump() == text, "statistics JSON round-trips");
}

}  // namespace aiotops::fuzz
