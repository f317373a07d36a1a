// aiotops extract: the first step of continuous training. Reads telemetry over a time window
// from files, the edge service's telemetry log or an MQTT topic, joins labels, deduplicates and
// writes a dataset version (CSV, statistics, lineage) to a local path or to the registry.
// docs/pipeline-steps.md#extract.

#include <stdlib.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/registry_flags.h"
#include "apps/aiotops/step_output.h"
#include "common/duration.h"
#include "common/files.h"
#include "extract/extract.h"
#include "telemetry/reading_writer.h"
#include "telemetry/stats.h"

namespace aiotops::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ExtractFlags {
  std::vector<std::string> sources;
  std::string from, to, last;
  std::string log_slack = "0s";
  std::string mqtt_url;
  std::vector<std::string> topics;
  std::string duration = "30s";
  size_t max_messages = 0;
  int qos = 1;
  std::string mqtt_username;
  std::string mqtt_password_file;
  std::string mqtt_ca;
  std::vector<std::string> features;
  std::string annotations;
  std::string outside_label = "0";
  bool skip_bad_rows = false;
  bool allow_empty = false;
  int precision = 6;
  std::string out;
  std::string run_id;
  RegistryClientFlags registry;
  bool json = false;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status apply_mqtt_flags(const ExtractFlags& flags, extract::ExtractOptions& options) {
  if (flags.mqtt_url.empty()) {
    if (!flags.topics.empty()) return fail(ErrorCode::kInvalidArgument, "--topic needs --mqtt");
    return {};
  }
  extract::MqttCaptureOptions& m = options.mqtt.emplace();
  m.mqtt.broker_url = flags.mqtt_url;
  m.mqtt.username = flags.mqtt_username;
  m.mqtt.tls.ca_file = flags.mqtt_ca;
  if (!flags.mqtt_password_file.empty()) {
    auto password = read_file(flags.mqtt_password_file);
    if (!password) return fail(password.error().with_context("--mqtt-password-file"));
    while (!password->empty() && (password->back() == '\n' || password->back() == '\r')) {
      password->pop_back();
    }
    m.mqtt.password = std::move(*password);
  }
  m.topics = flags.topics;
  m.qos = flags.qos;
  m.max_messages = flags.max_messages;
  auto duration = parse_duration(flags.duration);
  if (!duration) return fail(duration.error().with_context("--duration"));
  m.duration = *duration;
  return {};
}

Result<extract::ExtractOptions> make_options(const ExtractFlags& flags) {
  extract::ExtractOptions options;
  for (const std::string& source : flags.sources) options.sources.emplace_back(source);
  auto window = extract::make_window(flags.from, flags.to, flags.last, now_ms());
  if (!window) return fail(window.error());
  options.window = *window;
  auto slack = parse_duration(flags.log_slack);
  if (!slack) return fail(slack.error().with_context("--log-slack"));
  options.log_slack = *slack;
  if (Status s = apply_mqtt_flags(flags, options); !s) return fail(s.error());
  if (!flags.features.empty()) options.features = flags.features;
  options.skip_bad_rows = flags.skip_bad_rows;
  options.annotations = flags.annotations;
  if (flags.outside_label == "drop") {
    options.labels.outside_label.reset();
  } else {
    double label = 0;
    const char* end = flags.outside_label.data() + flags.outside_label.size();
    auto [ptr, ec] = std::from_chars(flags.outside_label.data(), end, label);
    if (ec != std::errc() || ptr != end || !std::isfinite(label)) {
      return fail(ErrorCode::kInvalidArgument, "--outside-label '{}': expected a number or drop",
                  flags.outside_label);
    }
    options.labels.outside_label = label;
  }
  return options;
}

// Where a local output goes: DIR/dataset.csv with stats.json and lineage.json beside it, or
// FILE.csv with FILE.csv.stats.json and FILE.csv.lineage.json.
struct LocalPaths {
  fs::path data, stats, lineage;
};

LocalPaths local_paths(const fs::path& out) {
  if (out.extension() == ".csv") {
    return {out, telemetry::stats_path_for(out), fs::path(out.string() + ".lineage.json")};
  }
  return {out / "dataset.csv", out / "stats.json", out / "lineage.json"};
}

Status write_csv(const telemetry::Dataset& d, const fs::path& path, int precision) {
  telemetry::ReadingFormatOptions format;
  format.precision = precision;
  format.labels = d.has_labels();
  auto writer =
      telemetry::ReadingWriter::open(path, d.feature_names, telemetry::ReadingFormat::kCsv, format);
  if (!writer) return fail(writer.error());
  telemetry::Reading reading;
  for (size_t r = 0; r < d.rows(); ++r) {
    reading.device_id = d.device_ids[r];
    reading.timestamp_ms = d.timestamps_ms[r];
    auto values = d.row(r);
    reading.values.assign(values.begin(), values.end());
    if (d.has_labels()) reading.label = d.labels[r];
    reading.fault_type = d.fault_types.empty() ? std::string() : d.fault_types[r];
    if (Status s = writer->write(reading); !s) return s;
  }
  return writer->commit();
}

// What the output step produced, for the summary.
struct Written {
  std::string dataset;  // registry name, or the local CSV path
  int64_t version = 0;  // registry version; 0 for a local path
  std::string ref;      // registry:NAME@VERSION, or the local CSV path
};

Result<Written> write_local(const fs::path& out, const telemetry::Dataset& d,
                            const telemetry::DatasetStats& stats, const json& lineage,
                            int precision) {
  const LocalPaths paths = local_paths(out);
  std::error_code ec;
  if (!paths.data.parent_path().empty()) fs::create_directories(paths.data.parent_path(), ec);
  if (ec) {
    return fail(ErrorCode::kIo, "{}: cannot create the directory: {}",
                paths.data.parent_path().string(), ec.message());
  }
  if (Status s = write_csv(d, paths.data, precision); !s) return fail(s.error());
  if (Status s = telemetry::write_stats(paths.stats, stats); !s) return fail(s.error());
  if (Status s = write_file_atomic(paths.lineage, lineage.dump(2) + "\n"); !s) {
    return fail(s.error());
  }
  return Written{paths.data.string(), 0, paths.data.string()};
}

// A temporary directory for the CSV uploaded to the registry, removed on every path.
class UploadDir {
 public:
  static Result<UploadDir> create() {
    std::string pattern = (fs::temp_directory_path() / "aiotops-extract-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return fail(ErrorCode::kIo, "cannot create a temporary directory in {}",
                  fs::temp_directory_path().string());
    }
    return UploadDir(pattern);
  }
  UploadDir(UploadDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ~UploadDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit UploadDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

Result<Written> push_to_registry(const std::string& name, const ExtractFlags& flags,
                                 const extract::ExtractReport& report, const telemetry::Dataset& d,
                                 const json& lineage) {
  auto client = connect_registry(flags.registry);
  if (!client) return fail(client.error());
  auto dir = UploadDir::create();
  if (!dir) return fail(dir.error());
  const fs::path csv = dir->path() / (name + ".csv");
  if (Status s = write_csv(d, csv, flags.precision); !s) return fail(s.error());
  json metadata{{"source", extract::describe_sources(report)}, {"metadata", lineage}};
  if (!flags.run_id.empty()) metadata["pipeline_run_id"] = flags.run_id;
  auto record = (*client)->push(registry::ArtifactPath::kDatasets, name, csv, metadata);
  if (!record) return fail(record.error().with_context(fmt::format("registry dataset {}", name)));
  const int64_t version = record->value("version", int64_t{0});
  return Written{name, version, fmt::format("registry:{}@{}", name, version)};
}

void report_problems(const extract::ExtractReport& report) {
  for (const extract::SourceReport& s : report.sources) {
    if (s.rows_skipped == 0) continue;
    spdlog::warn("{}: skipped {} malformed rows (--skip-bad-rows)", s.location, s.rows_skipped);
    for (const std::string& example : s.bad_row_examples) spdlog::warn("  e.g. {}", example);
  }
  if (report.dedup.conflicts > 0) {
    spdlog::warn("{} conflicting duplicates (same device and time, different values)",
                 report.dedup.conflicts);
    for (const std::string& example : report.dedup.conflict_examples) {
      spdlog::warn("  {}", example);
    }
  }
}

int run_extract_command(const ExtractFlags& flags) {
  auto options = make_options(flags);
  if (!options) return report_error(options.error());
  auto name = parse_registry_name(flags.out);
  if (!name) return report_error(name.error());
  if (*name && flags.out.find('@') != std::string::npos) {
    return report_error(Error(ErrorCode::kInvalidArgument,
                              fmt::format("--out {}: an output is a new version; name it "
                                          "registry:NAME without @VERSION",
                                          flags.out)));
  }
  auto result = extract::run_extract(*options, [&flags] {
    spdlog::info("extract: subscribed to {} on {}; listening for {}", fmt::join(flags.topics, ","),
                 flags.mqtt_url, flags.duration);
  });
  if (!result) return report_error(result.error());
  const telemetry::Dataset& d = result->dataset;
  const extract::ExtractReport& report = result->report;
  report_problems(report);
  Written written;
  if (d.rows() == 0 && !flags.allow_empty) {
    return report_error(Error(ErrorCode::kInvalidArgument,
                              fmt::format("no readings in the window ({} read, {} outside it); "
                                          "--allow-empty accepts an empty result",
                                          report.rows_read, report.rows_outside_window)));
  }
  const telemetry::DatasetStats stats = telemetry::compute_stats(d);
  json lineage = extract::lineage_json(*options, report, d.rows());
  lineage["content_hash"] = stats.content_hash;
  if (!flags.run_id.empty()) lineage["pipeline_run_id"] = flags.run_id;
  if (d.rows() > 0) {
    auto out = *name ? push_to_registry((*name)->name, flags, report, d, lineage)
                     : write_local(flags.out, d, stats, lineage, flags.precision);
    if (!out) return report_error(out.error());
    written = std::move(*out);
  }
  json summary{{"rows", d.rows()},
               {"devices", report.devices.size()},
               {"duplicates", report.dedup.duplicates},
               {"conflicting_duplicates", report.dedup.conflicts},
               {"rows_read", report.rows_read},
               {"rows_skipped", report.rows_skipped},
               {"rows_outside_window", report.rows_outside_window},
               {"labelled", d.has_labels()},
               {"content_hash", stats.content_hash},
               {"dataset", written.dataset},
               {"dataset_version", written.version},
               {"dataset_ref", written.ref},
               {"lineage", lineage}};
  if (stats.positive_rate) summary["positive_rate"] = *stats.positive_rate;
  if (!flags.json) {
    std::printf(
        "%zu readings of %zu devices (%zu read, %zu outside the window, %zu duplicates, "
        "%zu conflicting) -> %s\n",
        d.rows(), report.devices.size(), report.rows_read, report.rows_outside_window,
        report.dedup.duplicates, report.dedup.conflicts,
        written.ref.empty() ? "nothing written" : written.ref.c_str());
  }
  return emit_step_result(summary, flags.json);
}

}  // namespace

void add_extract_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<ExtractFlags>();
  CLI::App* cmd = root.add_subcommand(
      "extract",
      "Read telemetry over a time window (files, the edge telemetry log, an MQTT topic), join "
      "labels, deduplicate, and write a dataset version locally or to the registry");
  cmd->add_option("--source", flags->sources,
                  "CSV or JSON-lines file, a directory of them, or an edge --telemetry-log "
                  "directory (repeatable)");
  cmd->add_option("--from", flags->from,
                  "Window start, inclusive: Unix ms or ISO-8601 (2026-11-26T14:00:00Z)");
  cmd->add_option("--to", flags->to, "Window end, exclusive: Unix ms or ISO-8601");
  cmd->add_option("--last", flags->last, "Window of this length ending now, e.g. 24h");
  cmd->add_option("--log-slack", flags->log_slack,
                  "Also open telemetry log hours this close to the window (readings whose own "
                  "timestamp is in another hour than their receipt)")
      ->capture_default_str();
  cmd->add_option("--mqtt", flags->mqtt_url, "Also listen to telemetry: mqtt://host[:port]");
  cmd->add_option("--topic", flags->topics, "Topic filter to listen to (repeatable)");
  cmd->add_option("--duration", flags->duration, "How long to listen to --mqtt")
      ->capture_default_str();
  cmd->add_option("--max-messages", flags->max_messages,
                  "Stop listening after this many messages (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--qos", flags->qos, "QoS of the --mqtt subscription")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("--mqtt-username", flags->mqtt_username, "MQTT user name");
  cmd->add_option("--mqtt-password-file", flags->mqtt_password_file,
                  "File holding the MQTT password (first line)");
  cmd->add_option("--mqtt-ca", flags->mqtt_ca, "PEM CA file for mqtts://");
  cmd->add_option("--features", flags->features,
                  "Feature columns, comma-separated (default: current,temperature,vibration,sound)")
      ->delimiter(',');
  cmd->add_option("--annotations", flags->annotations,
                  "Labels from maintenance records: CSV of device,from,to,label[,fault_type]; "
                  "from inclusive, to exclusive");
  cmd->add_option("--outside-label", flags->outside_label,
                  "Label of readings no annotation covers, or 'drop' to leave them out")
      ->capture_default_str();
  cmd->add_flag("--skip-bad-rows", flags->skip_bad_rows,
                "Leave malformed rows and messages out (counted and reported) instead of failing");
  cmd->add_flag("--allow-empty", flags->allow_empty,
                "An empty window exits 0 and writes nothing (rows 0, dataset_ref empty)");
  cmd->add_option("--precision", flags->precision, "Decimals of feature values in the CSV")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_option("--out", flags->out,
                  "registry:NAME (a new version), a directory (dataset.csv, stats.json, "
                  "lineage.json) or FILE.csv (FILE.csv.stats.json, FILE.csv.lineage.json)")
      ->required();
  cmd->add_option("--run-id", flags->run_id, "Pipeline run id recorded in the lineage")
      ->envname("AIOTOPS_RUN_ID");
  add_registry_client_flags(cmd, flags->registry);
  cmd->add_flag("--json", flags->json,
                "Print one JSON object (rows, devices, duplicates, "
                "dataset, dataset_version, dataset_ref, ...)");
  cmd->callback([&run, flags] { run = [flags] { return run_extract_command(*flags); }; });
}

}  // namespace aiotops::cli
