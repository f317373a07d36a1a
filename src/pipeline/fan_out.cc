#include "pipeline/fan_out.h"

#include <fmt/format.h>

#include "pipeline/substitute.h"

namespace aiotops::pipeline {

Result<std::vector<nlohmann::json>> fan_out_items(const TaskCall& call,
                                                  std::string_view with_param_value) {
  if (!call.with_items.empty()) return call.with_items;
  auto parsed = nlohmann::json::parse(with_param_value, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: task '{}': withParam value '{}' is not a JSON list", to_string(call.location),
                call.name, with_param_value);
  }
  return std::vector<nlohmann::json>(parsed.begin(), parsed.end());
}

std::string item_node_name(std::string_view name, std::size_t index, const nlohmann::json& item) {
  if (!item.is_object()) return fmt::format("{}({}:{})", name, index, item_text(item));
  std::vector<std::string> pairs;
  for (const auto& [key, value] : item.items()) {  // nlohmann's objects iterate sorted by key
    pairs.push_back(fmt::format("{}:{}", key, item_text(value)));
  }
  return fmt::format("{}({}:{})", name, index, fmt::join(pairs, ","));
}

}  // namespace aiotops::pipeline
