// aiotops stats: per-feature statistics, label balance and content hash of a dataset, written
// as JSON beside it (the drift reference and lineage key of later steps).

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/aiotops/command.h"
#include "apps/aiotops/dataset_input.h"
#include "common/duration.h"
#include "sim/time_text.h"
#include "telemetry/stats.h"

namespace aiotops::cli {
namespace {

struct StatsFlags {
  std::string data;
  std::vector<std::string> features;
  std::string label;
  bool skip_bad_rows = false;
  size_t bins = telemetry::StatsOptions().histogram_bins;
  std::string out;
  bool json = false;
};

std::string number(double value) { return fmt::format("{:.6g}", value); }

void print_summary(const std::string& data, const telemetry::DatasetStats& stats) {
  std::string text = fmt::format("dataset   {}\nrows      {}\nhash      sha256:{}\n", data,
                                 stats.rows, stats.content_hash);
  if (stats.positive_rate) {
    text += fmt::format("label     {}:", stats.label_name);
    for (const auto& [value, count] : stats.label_counts) {
      text += fmt::format(" {}={}", number(value), count);
    }
    text += fmt::format(" (positive rate {:.2f}%)\n", 100 * *stats.positive_rate);
  } else {
    text += "label     none\n";
  }
  if (stats.devices > 0) text += fmt::format("devices   {}\n", stats.devices);
  if (stats.time_range) {
    auto span = std::chrono::milliseconds(stats.time_range->last_ms - stats.time_range->first_ms);
    text += fmt::format("time      {} .. {} ({})\n", sim::format_utc(stats.time_range->first_ms),
                        sim::format_utc(stats.time_range->last_ms), format_duration(span));
  }
  size_t width = 7;
  for (const auto& feature : stats.features) width = std::max(width, feature.name.size());
  text += fmt::format("{:<{}}  {:>12} {:>12} {:>12} {:>12} {:>12}\n", "feature", width, "min",
                      "mean", "std", "median", "max");
  for (const auto& feature : stats.features) {
    text += fmt::format("{:<{}}  {:>12} {:>12} {:>12} {:>12} {:>12}\n", feature.name, width,
                        number(feature.min), number(feature.mean), number(feature.stddev),
                        number(feature.quantiles[3]), number(feature.max));
  }
  std::fputs(text.c_str(), stdout);
}

int run_stats(const StatsFlags& flags) {
  telemetry::ReadOptions options;
  options.features = flags.features;
  options.label = flags.label;
  options.skip_bad_rows = flags.skip_bad_rows;
  auto data = read_input("stats", flags.data, options);
  if (!data) return report_error(data.error());
  telemetry::StatsOptions stats_options;
  stats_options.histogram_bins = flags.bins;
  telemetry::DatasetStats stats = telemetry::compute_stats(*data, stats_options);
  std::filesystem::path out =
      flags.out.empty() ? telemetry::stats_path_for(flags.data) : std::filesystem::path(flags.out);
  if (auto status = telemetry::write_stats(out, stats); !status) {
    return report_error(status.error());
  }
  if (flags.json) {
    std::fputs(telemetry::format_stats_json(stats).c_str(), stdout);
  } else {
    print_summary(flags.data, stats);
  }
  std::fprintf(stderr, "aiotops stats: wrote %s\n", out.c_str());
  return kExitOk;
}

}  // namespace

void add_stats_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<StatsFlags>();
  CLI::App* cmd = root.add_subcommand(
      "stats",
      "Compute a dataset's statistics (per-feature min/max/mean/std/quantiles/histogram, label "
      "balance, devices, time range) and its content hash, and write them as JSON beside the "
      "data (<data>.stats.json). Formats: docs/formats/telemetry.md, "
      "docs/formats/dataset-stats.md.");
  cmd->add_option("--data", flags->data, "Dataset: .csv, or .jsonl/.json (JSON lines)")->required();
  cmd->add_option("--features", flags->features,
                  "Feature columns, comma-separated (default: every numeric column except the "
                  "label, deviceID, timeStamp and fault_type)")
      ->delimiter(',');
  cmd->add_option("--label", flags->label, "Label column (default: \"label\" if present)");
  cmd->add_flag("--skip-bad-rows", flags->skip_bad_rows,
                "Skip rows with a wrong field count or a bad value and report them on stderr, "
                "instead of failing on the first");
  cmd->add_option("--bins", flags->bins, "Histogram bins per feature (equal width over min..max)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{10000}));
  cmd->add_option("--out", flags->out, "Statistics file (default: <data>.stats.json)");
  cmd->add_flag("--json", flags->json, "Print the statistics JSON on stdout instead of a summary");
  cmd->callback([flags, &run] { run = [flags] { return run_stats(*flags); }; });
}

}  // namespace aiotops::cli
