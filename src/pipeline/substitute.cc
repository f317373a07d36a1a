#include "pipeline/substitute.h"

#include <fmt/format.h>

namespace aiotops::pipeline {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls on_text(piece) for literal text and on_variable(name) for each {{name}}, in order.
template <typename OnText, typename OnVariable>
Status scan(std::string_view text, OnText&& on_text, OnVariable&& on_variable) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      on_text(text.substr(pos));
      break;
    }
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument, "unterminated '{{{{' in '{}'", text);
    }
    on_text(text.substr(pos, open - pos));
    Status status = on_variable(trim(text.substr(open + 2, close - open - 2)));
    if (!status) return status;
    pos = close + 2;
  }
  return {};
}

}  // namespace

void Scope::set(std::string_view name, std::string value) {
  values_.insert_or_assign(std::string(name), std::move(value));
}

void Scope::set_item(const nlohmann::json& item) {
  set("item", item_text(item));
  if (!item.is_object()) return;
  for (const auto& [key, value] : item.items()) set("item." + key, item_text(value));
}

const std::string* Scope::find(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

std::string item_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

Result<std::string> substitute(std::string_view text, const Scope& scope) {
  std::string out;
  out.reserve(text.size());
  Status status = scan(
      text, [&](std::string_view piece) { out.append(piece); },
      [&](std::string_view name) -> Status {
        const std::string* value = scope.find(name);
        if (value == nullptr) {
          return fail(ErrorCode::kInvalidArgument, "unresolved variable '{{{{{}}}}}'", name);
        }
        out.append(*value);
        return {};
      });
  if (!status) return fail(status.error());
  return out;
}

Result<std::vector<std::string>> variables_in(std::string_view text) {
  std::vector<std::string> names;
  Status status = scan(
      text, [](std::string_view) {},
      [&](std::string_view name) -> Status {
        names.emplace_back(name);
        return {};
      });
  if (!status) return fail(status.error());
  return names;
}

}  // namespace aiotops::pipeline
