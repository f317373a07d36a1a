// aiotops sim: simulate a motor fleet with injected faults and write labelled telemetry.

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "apps/aiotops/command.h"
#include "common/duration.h"
#include "sim/fault_spec.h"
#include "sim/simulate.h"
#include "sim/time_text.h"
#include "telemetry/reading_writer.h"

namespace aiotops::cli {
namespace {

// Faults listed on stderr; the manifest has them all.
constexpr size_t kMaxFaultLines = 20;

struct SimFlags {
  size_t devices = 10;
  std::string duration = "2h";
  std::string seed = "1";
  std::string format;  // empty: from the --out extension
  std::string out;
  std::string interval = "1s";
  std::string rate;
  std::vector<std::string> faults;
  std::string fault_rate;
  std::string fault_modes;
  bool esp32_fft = false;
  std::string start;
  int precision = 2;
  double mains_hz = 60.0;
  double ambient_c = 24.0;
  double bearing_age = 0.0;
};

Result<telemetry::ReadingFormat> output_format(const SimFlags& flags) {
  if (!flags.format.empty()) return telemetry::parse_reading_format(flags.format);
  std::string extension = std::filesystem::path(flags.out).extension().string();
  if (extension == ".jsonl" || extension == ".ndjson") return telemetry::ReadingFormat::kJsonLines;
  return telemetry::ReadingFormat::kCsv;
}

Result<sim::FleetOptions> fleet_options(const SimFlags& flags) {
  sim::FleetOptions options;
  options.devices = flags.devices;
  auto [end, ec] =
      std::from_chars(flags.seed.data(), flags.seed.data() + flags.seed.size(), options.seed);
  if (ec != std::errc() || end != flags.seed.data() + flags.seed.size()) {
    return fail(ErrorCode::kInvalidArgument, "--seed: '{}' is not an integer in 0..2^64-1",
                flags.seed);
  }
  options.esp32_fft = flags.esp32_fft;
  options.mains_hz = flags.mains_hz;
  options.ambient_c = flags.ambient_c;
  options.bearing_age = flags.bearing_age;
  auto duration = parse_duration(flags.duration);
  if (!duration) return fail(duration.error().with_context("--duration"));
  options.duration = *duration;
  bool by_rate = !flags.rate.empty();
  auto interval = sim::parse_interval(by_rate ? flags.rate : flags.interval);
  if (!interval) return fail(interval.error().with_context(by_rate ? "--rate" : "--interval"));
  options.interval = *interval;
  if (!flags.start.empty()) {
    auto start = sim::parse_start_time(flags.start);
    if (!start) return fail(start.error().with_context("--start"));
    options.start_ms = *start;
  }
  for (const std::string& text : flags.faults) {
    auto spec = sim::parse_fault_spec(text);
    if (!spec) return fail(spec.error().with_context("--fault"));
    options.faults.push_back(std::move(*spec));
  }
  if (!flags.fault_rate.empty()) {
    auto rate = sim::parse_rate_per_hour(flags.fault_rate);
    if (!rate) return fail(rate.error().with_context("--fault-rate"));
    options.fault_rate_per_hour = *rate;
  }
  if (!flags.fault_modes.empty()) {
    auto modes = sim::parse_fault_modes(flags.fault_modes);
    if (!modes) return fail(modes.error().with_context("--fault-modes"));
    options.random_modes = std::move(*modes);
  }
  return options;
}

void print_summary(const sim::FleetOptions& options, const sim::SimOutputOptions& output,
                   const sim::SimSummary& summary) {
  std::fprintf(stderr, "aiotops sim: %llu rows (%zu devices, every %s for %s from %s) -> %s (%s)\n",
               static_cast<unsigned long long>(summary.rows), summary.devices,
               format_duration(options.interval).c_str(), format_duration(options.duration).c_str(),
               sim::format_utc(options.start_ms).c_str(), output.out.c_str(),
               std::string(telemetry::to_string(output.format)).c_str());
  std::fprintf(stderr, "aiotops sim: %zu fault%s -> %s\n", summary.faults.size(),
               summary.faults.size() == 1 ? "" : "s", summary.manifest.c_str());
  size_t shown = std::min(summary.faults.size(), kMaxFaultLines);
  for (const sim::FaultEvent& event : std::span(summary.faults).first(shown)) {
    std::string onset =
        format_duration(std::chrono::milliseconds(event.onset_ms - options.start_ms));
    std::string label = event.label_ms ? "label at +" + format_duration(std::chrono::milliseconds(
                                                            *event.label_ms - options.start_ms))
                                       : "data quality, label stays 0";
    std::string sensor = event.sensor_name.empty() ? "" : " (" + event.sensor_name + ")";
    std::fprintf(stderr, "  %-10s %s%s %s: onset +%s (%s), %s\n", event.device_id.c_str(),
                 std::string(sim::to_string(event.mode)).c_str(), sensor.c_str(),
                 event.scheduled ? "scheduled" : "random", onset.c_str(),
                 sim::format_utc(event.onset_ms).c_str(), label.c_str());
  }
  if (shown < summary.faults.size()) {
    std::fprintf(stderr, "  ... and %zu more in the manifest\n", summary.faults.size() - shown);
  }
}

// A missing output directory is the caller's mistake, not an I/O failure.
Status check_output_directory(const std::filesystem::path& out) {
  std::filesystem::path dir = out.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::kInvalidArgument, "--out: directory {} does not exist", dir.string());
  }
  return {};
}

int run_sim(const SimFlags& flags) {
  if (auto status = check_output_directory(flags.out); !status) {
    return report_error(status.error());
  }
  auto options = fleet_options(flags);
  if (!options) return report_error(options.error());
  auto format = output_format(flags);
  if (!format) return report_error(format.error().with_context("--format"));
  sim::SimOutputOptions output;
  output.out = flags.out;
  output.format = *format;
  output.precision = flags.precision;
  auto summary = sim::simulate_to_file(*options, output);
  if (!summary) return report_error(summary.error());
  print_summary(*options, output, *summary);
  return kExitOk;
}

}  // namespace

void add_sim_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* cmd = root.add_subcommand(
      "sim",
      "Simulate a motor fleet (current, temperature, vibration, sound) with injected faults and "
      "write labelled telemetry as CSV or JSON lines, plus a fault manifest <out>.faults.json. "
      "The same options and seed give byte-identical output. Model and formats: "
      "docs/formats/sim.md.");
  cmd->add_option("--devices", flags->devices, "Number of motors, named motor-1 .. motor-N")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, sim::kMaxDevices));
  cmd->add_option("--duration", flags->duration, "Simulated time, e.g. 30m, 2h, 1d")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "Seed of every random draw, 0..2^64-1")
      ->capture_default_str();
  cmd->add_option("--format", flags->format,
                  "csv or jsonl (reference JSON messages, one per line); default: jsonl when "
                  "--out ends in .jsonl or .ndjson, else csv")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  cmd->add_option("--out", flags->out, "Output file (replaced atomically)")->required();
  auto* interval = cmd->add_option("--interval", flags->interval,
                                   "Time between two readings of a motor, e.g. 1s, 250ms")
                       ->capture_default_str();
  auto* rate = cmd->add_option("--rate", flags->rate,
                               "Readings per motor as a rate (10/s, 2/m) or a period (1s); "
                               "alternative to --interval");
  rate->excludes(interval);
  cmd->add_option("--fault", flags->faults,
                  "Schedule a fault: <device>:<mode>@<onset>[:<sensor>], e.g. "
                  "motor-3:bearing-wear@2h or motor-2:sensor-stuck@30m:temperature. Modes: "
                  "bearing-wear, cooling-failure, rotor-imbalance, electrical-fault, sensor-stuck, "
                  "sensor-dropout. Repeatable");
  auto* fault_rate = cmd->add_option(
      "--fault-rate", flags->fault_rate,
      "Random fault onsets per motor, e.g. 0.5/h (at most one random fault per motor)");
  auto* fault_modes =
      cmd->add_option("--fault-modes", flags->fault_modes,
                      "Comma-separated modes random faults choose from (default: bearing-wear, "
                      "cooling-failure, rotor-imbalance, electrical-fault)");
  fault_modes->needs(fault_rate);
  cmd->add_flag("--esp32-fft", flags->esp32_fft,
                "Emit the reference firmware's features: FFT peak frequency (Hz) of 64 samples "
                "at 13 kHz for current, vibration and sound; temperature in degC");
  cmd->add_option("--start", flags->start,
                  "Time of the first readings: Unix ms or ISO-8601 UTC such as "
                  "2024-03-01T08:00:00Z (default 2023-11-14T22:13:20Z)");
  cmd->add_option("--precision", flags->precision, "Decimals of feature values")
      ->capture_default_str()
      ->check(CLI::Range(0, 9));
  cmd->add_option("--mains-hz", flags->mains_hz, "Supply frequency, Hz")
      ->capture_default_str()
      ->check(CLI::Range(40.0, 70.0));
  cmd->add_option("--ambient", flags->ambient_c, "Mean ambient temperature of the site, degC")
      ->capture_default_str()
      ->check(CLI::Range(-40.0, 60.0));
  cmd->add_option("--bearing-age", flags->bearing_age,
                  "Largest defect index added to a motor's healthy bearings, each motor its own "
                  "from 0..D (aged bearings: more vibration and sound, no fault, no label)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, sim::kMaxBearingAge));
  cmd->callback([flags, &run]() { run = [flags]() { return run_sim(*flags); }; });
}

}  // namespace aiotops::cli
