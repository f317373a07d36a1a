#include "apps/aiotops/metrics_text.h"

#include <fmt/format.h>

namespace aiotops::cli {
namespace {

std::string cell(const nlohmann::json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) {
    return fmt::format("{}", value.get<int64_t>());
  }
  if (value.is_number()) return fmt::format("{:.4f}", value.get<double>());
  return "-";
}

const nlohmann::json& lookup(const nlohmann::json& metrics, const char* key, const char* sub) {
  static const nlohmann::json kMissing;
  if (!metrics.is_object() || !metrics.contains(key)) return kMissing;
  const nlohmann::json& value = metrics[key];
  if (sub == nullptr) return value;
  return value.is_object() && value.contains(sub) ? value[sub] : kMissing;
}

}  // namespace

std::string format_metrics_table(const std::vector<std::pair<std::string, nlohmann::json>>& parts) {
  const std::pair<const char*, const char*> rows[] = {
      {"rows", nullptr},     {"positives", nullptr}, {"roc_auc", nullptr}, {"pr_auc", nullptr},
      {"f1", nullptr},       {"precision", nullptr}, {"recall", nullptr},  {"accuracy", nullptr},
      {"log_loss", nullptr}, {"confusion", "tp"},    {"confusion", "fp"},  {"confusion", "tn"},
      {"confusion", "fn"},
  };
  std::string text = fmt::format("{:<12}", "");
  for (const auto& [title, metrics] : parts) text += fmt::format(" {:>12}", title);
  text += "\n";
  for (const auto& [key, sub] : rows) {
    text += fmt::format("{:<12}", sub == nullptr ? key : sub);
    for (const auto& [title, metrics] : parts) {
      text += fmt::format(" {:>12}", cell(lookup(metrics, key, sub)));
    }
    text += "\n";
  }
  return text;
}

}  // namespace aiotops::cli
