#include "pipeline/run_store_codec.h"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>

namespace aiotops::pipeline {
namespace {

constexpr std::array<std::string_view, 7> kPhaseNames{"Pending", "Running", "Succeeded", "Failed",
                                                      "Error",   "Skipped", "Omitted"};

}  // namespace

std::string_view to_string(NodePhase phase) { return kPhaseNames[static_cast<size_t>(phase)]; }

Result<NodePhase> parse_node_phase(std::string_view text) {
  for (size_t i = 0; i < kPhaseNames.size(); ++i) {
    if (kPhaseNames[i] == text) return static_cast<NodePhase>(i);
  }
  return fail(ErrorCode::kInvalidArgument, "unknown phase '{}'", text);
}

bool is_finished(NodePhase phase) {
  return phase != NodePhase::kPending && phase != NodePhase::kRunning;
}

std::string encode_named_values(const NamedValues& values) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& [name, value] : values) array.push_back({{"name", name}, {"value", value}});
  return array.dump();
}

Result<NamedValues> decode_named_values(std::string_view text, std::string_view field) {
  const nlohmann::json array = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return fail(ErrorCode::kCorrupt, "{}: not a JSON array", field);
  NamedValues values;
  for (const nlohmann::json& item : array) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() ||
        !item.contains("value") || !item["value"].is_string()) {
      return fail(ErrorCode::kCorrupt, "{}: an entry is not {{\"name\", \"value\"}}", field);
    }
    values.emplace_back(item["name"].get<std::string>(), item["value"].get<std::string>());
  }
  return values;
}

std::optional<int64_t> process_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // The command name (field 2) may contain spaces and parentheses: fields resume after the
  // last ')'. Field 3 (state) is the first after it, so starttime (22) is the 20th.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 0; i < 20 && fields >> field; ++i) {
  }
  int64_t ticks = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), ticks);
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return ticks;
}

}  // namespace aiotops::pipeline
