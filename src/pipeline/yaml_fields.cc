#include "pipeline/yaml_fields.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace aiotops::pipeline::yaml {

SourceLocation location_of(const ReadContext& context, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {context.file, 0, 0};
  return {context.file, mark.line + 1, mark.column + 1};
}

Error error_at(const ReadContext& context, const YAML::Node& node, std::string_view path,
               std::string_view message) {
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("{}: {}: {}", to_string(location_of(context, node)), path, message));
}

Result<std::string> scalar_text(const ReadContext& context, const YAML::Node& node,
                                std::string_view path) {
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) return std::unexpected(error_at(context, node, path, "expected a scalar"));
  return node.Scalar();
}

Result<MapReader> MapReader::open(const ReadContext& context, const YAML::Node& node,
                                  std::string path) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    return std::unexpected(error_at(context, node, path, "expected a mapping"));
  }
  return MapReader(&context, node, std::move(path));
}

std::string MapReader::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

YAML::Node MapReader::get(std::string_view key) {
  read_.emplace_back(key);
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const std::string name(key);
  const YAML::Node& map = node_;  // const lookup never inserts the key
  const YAML::Node child = map[name];
  // An absent key gives an "invalid" node that throws on most calls; hand out a plain
  // undefined node instead.
  if (!child.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  return child;
}

Result<std::optional<std::string>> MapReader::string(std::string_view key) {
  YAML::Node value = get(key);
  if (!value.IsDefined()) return std::optional<std::string>();
  auto text = scalar_text(*context_, value, child_path(key));
  if (!text) return std::unexpected(text.error());
  return std::optional<std::string>(std::move(*text));
}

Result<std::string> MapReader::string_or_empty(std::string_view key) {
  auto text = string(key);
  if (!text) return std::unexpected(text.error());
  return text->value_or(std::string());
}

Result<std::optional<std::int64_t>> MapReader::integer(std::string_view key) {
  const YAML::Node value = get(key);
  auto text = string(key);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<std::int64_t>();
  std::int64_t parsed = 0;
  const std::string& s = **text;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::unexpected(error_at(*context_, value, child_path(key),
                                    fmt::format("expected an integer, got '{}'", s)));
  }
  return std::optional<std::int64_t>(parsed);
}

Result<std::optional<bool>> MapReader::boolean(std::string_view key) {
  YAML::Node value = get(key);
  auto text = string(key);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<bool>();
  if (**text == "true") return std::optional<bool>(true);
  if (**text == "false") return std::optional<bool>(false);
  return std::unexpected(error_at(*context_, value, child_path(key),
                                  fmt::format("expected true or false, got '{}'", **text)));
}

Result<std::optional<double>> MapReader::number(std::string_view key) {
  YAML::Node value = get(key);
  auto text = string(key);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<double>();
  double parsed = 0;
  const std::string& s = **text;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::unexpected(
        error_at(*context_, value, child_path(key), fmt::format("expected a number, got '{}'", s)));
  }
  return std::optional<double>(parsed);
}

Result<std::vector<std::string>> MapReader::strings(std::string_view key) {
  const std::string path = child_path(key);
  return read_list<std::string>(*context_, get(key), path,
                                [&](const YAML::Node& item, const std::string& item_path) {
                                  return scalar_text(*context_, item, item_path);
                                });
}

Status MapReader::finish(std::span<const std::string_view> ignorable,
                         std::span<const std::string_view> unsupported) {
  if (!node_.IsMap()) return {};
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (std::ranges::find(read_, key) != read_.end()) continue;
    const std::string path = child_path(key);
    if (std::ranges::find(ignorable, key) != ignorable.end()) {
      if (context_->ignored != nullptr) {
        context_->ignored->push_back(
            {path, YAML::Dump(entry.second), location_of(*context_, entry.first)});
      }
      continue;
    }
    const bool known = std::ranges::find(unsupported, key) != unsupported.end();
    return std::unexpected(
        error_at(*context_, entry.first, path,
                 known ? "not supported by aiotops (runs locally)" : "unknown field"));
  }
  return {};
}

}  // namespace aiotops::pipeline::yaml
