#pragma once
// Human-readable tables of metrics for `aiotops train` and `aiotops evaluate`.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiotops::cli {

// One column per (title, metrics object as written by ml::to_json(BinaryMetrics)); one row per
// metric (rows, positives, roc_auc, pr_auc, f1, precision, recall, accuracy, log_loss, and the
// confusion counts). Missing or null values print as "-".
std::string format_metrics_table(const std::vector<std::pair<std::string, nlohmann::json>>& parts);

}  // namespace aiotops::cli
