// aiotops validate: data-quality checks and per-feature drift of a dataset against a reference
// (by default the training set of the production model, found through the registry's lineage),
// with a JSON and an HTML report. Exit 0 when the data quality passes (drift or not), 3 when a
// data-quality check fails, 2 for bad input.

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/aiotops/command.h"
#include "apps/aiotops/dataset_input.h"
#include "apps/aiotops/registry_flags.h"
#include "apps/aiotops/step_output.h"
#include "common/files.h"
#include "common/temp_dir.h"
#include "validate/report.h"

namespace aiotops::cli {
namespace {

struct ValidateFlags {
  std::string data;
  std::string reference;  // empty: the production model's training set
  std::string model_name = "fault-model";
  std::string model_alias = "production";
  std::string reference_fallback;  // the reference while the model has no such version yet
  std::vector<std::string> features;
  std::vector<std::string> categorical;
  std::string label;
  std::string ks_mode = "auto";
  std::string drift_rule = "effect";
  std::string correction = "holm";
  double alpha = 0.05;
  double min_psi = 0.1;
  double psi_threshold = 0.2;
  int psi_bins = 10;
  double drift_share = 0.5;
  double decisive_psi = 1.0;
  std::vector<std::string> feature_thresholds;  // NAME=PSI
  std::vector<std::string> feature_min_psis;    // NAME=PSI
  std::vector<std::string> feature_alphas;      // NAME=ALPHA
  validate::QualityOptions quality;
  std::vector<std::string> physical_limits;  // NAME=MIN:MAX
  std::vector<std::string> fail_on;          // check names, or "none"
  bool fail_on_set = false;
  bool json = false;
  std::string report_json;
  std::string report_html;
  RegistryClientFlags registry;
};

Result<double> parse_number(std::string_view text, std::string_view flag) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: '{}' is not a number", flag, text);
  }
  return value;
}

// "NAME=VALUE" split at the last '='.
Result<std::pair<std::string, std::string>> split_pair(std::string_view text,
                                                       std::string_view flag) {
  const size_t at = text.rfind('=');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) {
    return fail(ErrorCode::kInvalidArgument, "{}: expected NAME=VALUE, got '{}'", flag, text);
  }
  return std::pair<std::string, std::string>(text.substr(0, at), text.substr(at + 1));
}

// Adds NAME=VALUE overrides to `overrides`, storing VALUE in the member `field` chooses.
template <typename Field>
Status add_overrides(const std::vector<std::string>& items, std::string_view flag,
                     std::map<std::string, drift::FeatureThresholds>& overrides, Field field) {
  for (const auto& item : items) {
    auto pair = split_pair(item, flag);
    if (!pair) return fail(pair.error());
    auto value = parse_number(pair->second, flag);
    if (!value) return fail(value.error());
    overrides[pair->first].*field = *value;
  }
  return {};
}

Status build_options(ValidateFlags& flags, validate::DriftOptions& drift_options) {
  auto mode = drift::parse_ks_mode(flags.ks_mode);
  if (!mode) return fail(mode.error().with_context("--ks-mode"));
  drift_options.ks.mode = *mode;
  auto correction = drift::parse_correction(flags.correction);
  if (!correction) return fail(correction.error().with_context("--correction"));
  drift_options.verdict.correction = *correction;
  auto rule = drift::parse_drift_rule(flags.drift_rule);
  if (!rule) return fail(rule.error().with_context("--drift-rule"));
  drift_options.verdict.rule = *rule;
  drift_options.verdict.alpha = flags.alpha;
  drift_options.verdict.min_psi = flags.min_psi;
  drift_options.verdict.psi_threshold = flags.psi_threshold;
  drift_options.verdict.drift_share = flags.drift_share;
  drift_options.verdict.decisive_psi = flags.decisive_psi;
  drift_options.psi.bins = flags.psi_bins;
  drift_options.categorical.insert(flags.categorical.begin(), flags.categorical.end());
  auto& overrides = drift_options.verdict.overrides;
  if (auto s = add_overrides(flags.feature_thresholds, "--feature-threshold", overrides,
                             &drift::FeatureThresholds::psi_threshold);
      !s) {
    return s;
  }
  if (auto s = add_overrides(flags.feature_min_psis, "--feature-min-psi", overrides,
                             &drift::FeatureThresholds::min_psi);
      !s) {
    return s;
  }
  if (auto s = add_overrides(flags.feature_alphas, "--feature-alpha", overrides,
                             &drift::FeatureThresholds::alpha);
      !s) {
    return s;
  }
  for (const auto& item : flags.physical_limits) {
    auto pair = split_pair(item, "--physical-limit");
    if (!pair) return fail(pair.error());
    const size_t colon = pair->second.find(':');
    if (colon == std::string::npos) {
      return fail(ErrorCode::kInvalidArgument, "--physical-limit: expected NAME=MIN:MAX, got '{}'",
                  item);
    }
    auto low = parse_number(std::string_view(pair->second).substr(0, colon), "--physical-limit");
    auto high = parse_number(std::string_view(pair->second).substr(colon + 1), "--physical-limit");
    if (!low) return fail(low.error());
    if (!high) return fail(high.error());
    flags.quality.physical_limits[pair->first] = {*low, *high};
  }
  if (flags.fail_on_set) {
    flags.quality.failing.clear();
    for (const auto& name : flags.fail_on) {
      if (name == "none") continue;
      auto check = validate::parse_quality_check(name);
      if (!check) return fail(check.error().with_context("--fail-on"));
      flags.quality.failing.insert(*check);
    }
  }
  return validate::check_options(flags.quality);
}

// How a resolved input is named in the report: the local path, or registry:NAME@VERSION.
std::string input_name(const ResolvedInput& input) {
  return input.name.empty() ? input.file.string()
                            : fmt::format("registry:{}@{}", input.name, input.version);
}

// The reference named by --reference, or the training dataset recorded in the lineage of the
// model version the alias points at.
Result<ResolvedInput> resolve_reference(const ValidateFlags& flags,
                                        const std::filesystem::path& dir) {
  if (!flags.reference.empty()) {
    return resolve_input(flags.reference, registry::ArtifactPath::kDatasets, flags.registry, dir);
  }
  if (flags.registry.url.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "no --reference and no registry (--registry or AIOTOPS_REGISTRY_URL) to find the "
                "training set of model '{}' ({})",
                flags.model_name, flags.model_alias);
  }
  auto client = connect_registry(flags.registry);
  if (!client) return fail(client.error());
  const std::string what = fmt::format("model {}@{}", flags.model_name, flags.model_alias);
  auto lineage = (*client)->model_dataset(flags.model_name, flags.model_alias);
  if (!lineage && lineage.error().code() == ErrorCode::kNotFound &&
      !flags.reference_fallback.empty()) {
    // The first model of a name: nothing is in production yet to drift from.
    std::fprintf(stderr, "aiotops validate: no %s yet; the reference is %s\n", what.c_str(),
                 flags.reference_fallback.c_str());
    return resolve_input(flags.reference_fallback, registry::ArtifactPath::kDatasets,
                         flags.registry, dir);
  }
  if (!lineage) return fail(lineage.error());
  if (!lineage->dataset) {
    return fail(ErrorCode::kNotFound, "{} (version {}) records no training dataset", what,
                lineage->model_version);
  }
  const std::string ref =
      fmt::format("registry:{}@{}", lineage->dataset->name, lineage->dataset->version);
  return resolve_input(ref, registry::ArtifactPath::kDatasets, flags.registry, dir);
}

void print_summary(const validate::ValidationReport& report) {
  std::printf("%s vs %s: %s (%zu of %zu features drifted)\n", report.data.c_str(),
              report.reference.c_str(), report.drift.drift ? "drift" : "no drift",
              report.drift.drifted, report.drift.features.size());
  for (const auto& f : report.drift.features) {
    std::printf("  %-16s p=%-10.4g adjusted=%-10.4g psi=%-8s %s\n", f.name.c_str(),
                f.verdict.pvalue, f.verdict.adjusted_pvalue,
                f.psi ? fmt::format("{:.4f}", f.psi->psi).c_str() : "-",
                f.verdict.drift ? "drift" : "ok");
  }
  std::printf("data quality: %s, %zu finding(s)\n", report.quality.ok ? "passed" : "failed",
              report.quality.findings.size());
}

int run_validate(ValidateFlags& flags) {
  validate::DriftOptions drift_options;
  if (auto s = build_options(flags, drift_options); !s) return report_error(s.error());
  auto dir = TempDir::create("aiotops-validate");
  if (!dir) return report_error(dir.error());
  auto data_input =
      resolve_input(flags.data, registry::ArtifactPath::kDatasets, flags.registry, dir->path());
  if (!data_input) return report_error(data_input.error());
  auto reference_input = resolve_reference(flags, dir->path());
  if (!reference_input) return report_error(reference_input.error());

  // The reference fixes the features (unless named); categorical columns are read as features.
  // The label is read where present (new telemetry is often unlabelled).
  telemetry::ReadOptions read_options;
  read_options.features = flags.features;
  for (const auto& name : flags.categorical) {
    if (!read_options.features.empty() &&
        std::find(read_options.features.begin(), read_options.features.end(), name) ==
            read_options.features.end()) {
      read_options.features.push_back(name);
    }
  }
  read_options.label = flags.label;
  read_options.missing_as_nan = true;
  auto reference = read_input("validate", reference_input->file.string(), read_options);
  if (!reference) return report_error(reference.error());
  read_options.features = reference->feature_names;
  auto data = read_input("validate", data_input->file.string(), read_options);
  if (!data) return report_error(data.error());

  validate::ValidationReport report;
  report.data = input_name(*data_input);
  report.reference = input_name(*reference_input);
  report.reference_rows = reference->rows();
  auto quality =
      validate::check_quality(*data, validate::reference_ranges(*reference), flags.quality);
  if (!quality) return report_error(quality.error());
  report.quality = std::move(*quality);
  auto drift =
      validate::compare_features(*reference, *data, reference->feature_names, drift_options);
  if (!drift) return report_error(drift.error());
  report.drift = std::move(*drift);
  report.settings = validate::settings_json(flags.quality, drift_options);

  const nlohmann::json json = validate::to_json(report);
  if (!flags.report_json.empty()) {
    if (auto s = write_file_atomic(flags.report_json, json.dump(2) + "\n"); !s) {
      return report_error(s.error());
    }
  }
  if (!flags.report_html.empty()) {
    if (auto s = write_file_atomic(flags.report_html, validate::to_html(report)); !s) {
      return report_error(s.error());
    }
  }
  if (!flags.json) print_summary(report);
  // One JSON line on stdout with --json, and the output files a workflow node reads.
  if (int code = emit_step_result(json, flags.json); code != kExitOk) return code;
  if (report.quality.ok) return kExitOk;
  for (const auto& finding : report.quality.findings) {
    if (finding.fails) {
      std::fprintf(stderr, "aiotops validate: data quality: %s: %s\n",
                   std::string(validate::to_string(finding.check)).c_str(),
                   finding.message.c_str());
    }
  }
  return kExitGateRefused;
}

}  // namespace

void add_validate_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<ValidateFlags>();
  CLI::App* cmd = root.add_subcommand(
      "validate",
      "Check a dataset's quality and its drift against a reference (by default the training set "
      "of the production model in the registry); exit 3 when a data-quality check fails");
  cmd->add_option("--data", flags->data, "Dataset to check: CSV, JSON lines or registry:NAME@REF")
      ->required();
  cmd->add_option("--reference", flags->reference,
                  "Reference dataset (CSV, JSON lines or registry:NAME@REF); default: the "
                  "training set of --model-name's --model-alias version");
  cmd->add_option("--model-name", flags->model_name, "Model whose training set is the reference")
      ->capture_default_str();
  cmd->add_option("--model-alias", flags->model_alias, "Alias of that model")
      ->capture_default_str();
  cmd->add_option("--reference-fallback", flags->reference_fallback,
                  "Without --reference: the reference while the model has no --model-alias "
                  "version yet (its first training), e.g. registry:NAME@1");
  cmd->add_option("--features", flags->features, "Features to compare (default: the reference's)")
      ->delimiter(',');
  cmd->add_option("--categorical", flags->categorical,
                  "Features tested with chi-squared on their distinct values")
      ->delimiter(',');
  cmd->add_option("--label", flags->label, "Label column (default: 'label' when present)");
  cmd->add_option("--ks-mode", flags->ks_mode, "KS p-value: auto, exact or asymp")
      ->capture_default_str();
  cmd->add_option("--correction", flags->correction,
                  "Multiple-testing correction: none, bonferroni or holm")
      ->capture_default_str();
  cmd->add_option("--drift-rule", flags->drift_rule,
                  "effect: a feature drifts when significant with PSI >= --min-psi, or when PSI "
                  ">= --psi-threshold; either: when significant or PSI >= --psi-threshold")
      ->capture_default_str();
  cmd->add_option("--alpha", flags->alpha, "Significance level of the adjusted p-values")
      ->capture_default_str();
  cmd->add_option("--min-psi", flags->min_psi,
                  "Rule effect: PSI a significant feature must reach to drift")
      ->capture_default_str();
  cmd->add_option("--psi-threshold", flags->psi_threshold, "PSI at or above this is drift")
      ->capture_default_str();
  cmd->add_option("--psi-bins", flags->psi_bins, "PSI bins (reference quantiles)")
      ->capture_default_str();
  cmd->add_option("--drift-share", flags->drift_share,
                  "Dataset drift when this share of features drifts")
      ->capture_default_str();
  cmd->add_option("--decisive-psi", flags->decisive_psi,
                  "Dataset drift when one drifted feature's PSI reaches this, whatever the share "
                  "(inf: never)")
      ->capture_default_str();
  cmd->add_option("--feature-threshold", flags->feature_thresholds,
                  "NAME=PSI: a feature's own PSI threshold (repeatable)");
  cmd->add_option("--feature-min-psi", flags->feature_min_psis,
                  "NAME=PSI: a feature's own --min-psi (repeatable)");
  cmd->add_option("--feature-alpha", flags->feature_alphas,
                  "NAME=ALPHA: a feature's own significance level (repeatable)");
  cmd->add_option("--max-missing-share", flags->quality.max_missing_share,
                  "A feature's missing share above this is a finding")
      ->capture_default_str();
  cmd->add_option("--range-widening", flags->quality.range_widening,
                  "Reference range widened by this many widths on each side")
      ->capture_default_str();
  cmd->add_option("--physical-limit", flags->physical_limits,
                  "NAME=MIN:MAX: values outside are impossible (repeatable; replaces the "
                  "default of that feature)");
  cmd->add_option("--stuck-readings", flags->quality.stuck_readings,
                  "Unchanged readings of one device that make a stuck sensor")
      ->capture_default_str();
  cmd->add_option("--min-minority-share", flags->quality.min_minority_share,
                  "Label balance: a smaller minority class share is a finding")
      ->capture_default_str();
  cmd->add_option("--max-examples", flags->quality.max_examples, "Examples kept per finding")
      ->capture_default_str();
  cmd->add_option("--fail-on", flags->fail_on,
                  "Checks whose findings fail the step (comma-separated, or none); default "
                  "missing_values,impossible_values,stuck_sensor,duplicate_timestamps")
      ->delimiter(',')
      ->each([flags](const std::string&) { flags->fail_on_set = true; });
  cmd->add_flag("--json", flags->json, "Print the report as one JSON object");
  cmd->add_option("--report-json", flags->report_json, "Write the JSON report to this file");
  cmd->add_option("--report-html", flags->report_html, "Write the HTML report to this file");
  add_registry_client_flags(cmd, flags->registry);
  cmd->callback([flags, &run] { run = [flags] { return run_validate(*flags); }; });
}

}  // namespace aiotops::cli
