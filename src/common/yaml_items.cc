#include "common/yaml_items.h"

#include <map>

#include <yaml-cpp/yaml.h>

#include "common/files.h"

namespace aiotops {
namespace {

// yaml-cpp counts lines from 0.
int line_of(const YAML::Mark& mark) { return mark.line + 1; }

std::string_view kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "empty";
    default:
      return "a scalar";
  }
}

Result<YamlItem> to_item(const YAML::Node& key, const YAML::Node& value, std::string_view file) {
  YamlItem item;
  item.key = key.Scalar();
  item.line = line_of(key.Mark());
  const auto refuse = [&](int line, std::string_view what) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: {}: {}", file, line, item.key, what);
  };
  switch (value.Type()) {
    case YAML::NodeType::Scalar:
      item.values.push_back(value.Scalar());
      return item;
    case YAML::NodeType::Sequence:
      item.is_list = true;
      for (const YAML::Node& element : value) {
        if (!element.IsScalar()) {
          return refuse(
              line_of(element.Mark()),
              fmt::format("list elements must be values, this one is {}", kind_name(element)));
        }
        item.values.push_back(element.Scalar());
      }
      return item;
    case YAML::NodeType::Map:
      return refuse(item.line, "expected a value or a list of values, not a map");
    default:
      return refuse(item.line, "no value (write \"\" for an empty one)");
  }
}

}  // namespace

Result<std::vector<YamlItem>> parse_yaml_items(std::string_view text, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // e.msg is the bare reason; e.what() repeats the position in yaml-cpp's own words.
    return fail(ErrorCode::kInvalidArgument, "{}:{}: YAML syntax: {}", file, line_of(e.mark),
                e.msg);
  }
  std::vector<YamlItem> items;
  if (root.IsNull()) return items;
  if (!root.IsMap()) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: expected a mapping of option: value, not {}",
                file, line_of(root.Mark()), kind_name(root));
  }
  std::map<std::string, int> seen;  // key -> line
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) {
      return fail(ErrorCode::kInvalidArgument, "{}:{}: a key must be a name, this one is {}", file,
                  line_of(entry.first.Mark()), kind_name(entry.first));
    }
    auto item = to_item(entry.first, entry.second, file);
    if (!item) return fail(item.error());
    const auto [at, fresh] = seen.emplace(item->key, item->line);
    if (!fresh) {
      return fail(ErrorCode::kInvalidArgument, "{}:{}: {}: given twice (first on line {})", file,
                  item->line, item->key, at->second);
    }
    items.push_back(std::move(*item));
  }
  return items;
}

Result<std::vector<YamlItem>> read_yaml_items(const std::string& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error());
  return parse_yaml_items(*text, path);
}

}  // namespace aiotops
