#pragma once
// The quality gate of `aiotops train --baseline`: the trained candidate and a baseline model
// (a file, or a registry model such as registry:motor@production) are scored on the same
// held-out rows — the test part of the split, or --gate-data — each by its own feature names at
// its own threshold, and the candidate is refused when it is worse by more than the margin.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/aiotops/registry_flags.h"
#include "common/error.h"
#include "ml/regression_gate.h"
#include "ml/trainer.h"
#include "telemetry/dataset.h"
#include "telemetry/read_options.h"

namespace aiotops::cli {

struct TrainGateFlags {
  std::string baseline;  // model file or registry:NAME@REF; empty: no gate
  std::string metric = "roc_auc";
  double max_regression = ml::RegressionGateOptions().max_regression;
  std::string gate_data;  // separate held-out dataset; empty: the split's test part
  RegistryClientFlags registry;
};

// Registers --baseline, --gate-metric, --max-regression, --gate-data and the registry flags.
void add_train_gate_flags(CLI::App* cmd, TrainGateFlags& flags);

// The baseline, loaded before training so a bad flag costs no fit. `model` is empty when there
// is no --baseline, or when a registry baseline does not exist yet (the first model of a name):
// `note` then says so and the gate is not checked. kInvalidArgument when --baseline is given
// without held-out rows (--test-fraction, --holdout-devices or --gate-data) or with a bad
// --gate-metric; errors of resolve_input and ml::load_model otherwise.
struct Baseline {
  std::optional<ml::Model> model;
  std::string source;   // as given on the command line
  int64_t version = 0;  // registry version, 0 for a file
  std::string note;     // why the gate is not checked, when it is not
};
Result<Baseline> load_baseline(const TrainGateFlags& flags, const ml::SplitOptions& split);

// The gate's JSON ({"checked": false[, "note"]} without a baseline model; otherwise
// ml::to_json of the verdict plus "baseline_model", "baseline_version" and "data"). `read` is how
// the training data was read (label and bad-row policy); the baseline's columns are read again
// by its own feature names from `data_path` (or --gate-data), which "data" names as `data_name`
// (the user's name of it: a registry:NAME@VERSION is downloaded to a temporary file).
// kInvalidArgument naming the model and the missing column, or when the held-out metric is
// undefined.
Result<nlohmann::json> judge_candidate(const TrainGateFlags& flags, const Baseline& baseline,
                                       const ml::TrainReport& report, const std::string& data_path,
                                       std::string_view data_name,
                                       const telemetry::ReadOptions& read,
                                       const telemetry::Dataset& dataset);

}  // namespace aiotops::cli
