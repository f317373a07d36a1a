#include "pipeline/image_map.h"

#include <fnmatch.h>

#include <string>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/files.h"
#include "pipeline/builtin_images.h"

namespace aiotops::pipeline {
namespace {

Error entry_error(const std::filesystem::path& file, const YAML::Node& node,
                  std::string_view what) {
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("{}:{}: image map: {}", file.string(), node.Mark().line + 1, what));
}

Result<std::string> string_field(const std::filesystem::path& file, const YAML::Node& node,
                                 std::string_view name) {
  if (!node.IsScalar()) {
    return fail(entry_error(file, node, fmt::format("'{}' must be a string", name)));
  }
  return node.Scalar();
}

Result<std::vector<std::string>> string_list(const std::filesystem::path& file,
                                             const YAML::Node& node, std::string_view name) {
  if (!node.IsSequence()) {
    return fail(entry_error(file, node, fmt::format("'{}' must be a list", name)));
  }
  std::vector<std::string> items;
  for (const auto& part : node) {
    auto text = string_field(file, part, fmt::format("{}[]", name));
    if (!text) return fail(text.error());
    items.push_back(std::move(*text));
  }
  return items;
}

Result<ImageMapping> read_entry(const std::filesystem::path& file, const YAML::Node& node) {
  if (!node.IsMap()) return fail(entry_error(file, node, "an entry must be a mapping"));
  ImageMapping mapping;
  mapping.location = {file.string(), node.Mark().line + 1, node.Mark().column + 1};
  for (const auto& field : node) {
    const auto key = field.first.as<std::string>();
    if (key == "image" || key == "builtin") {
      auto text = string_field(file, field.second, key);
      if (!text) return fail(text.error());
      (key == "image" ? mapping.pattern : mapping.builtin) = std::move(*text);
    } else if (key == "command" || key == "args") {
      auto items = string_list(file, field.second, key);
      if (!items) return fail(items.error());
      (key == "command" ? mapping.command : mapping.args) = std::move(*items);
    } else {
      return fail(entry_error(file, field.first, fmt::format("unknown field '{}'", key)));
    }
  }
  if (mapping.pattern.empty()) return fail(entry_error(file, node, "entry without 'image'"));
  if (mapping.builtin.empty() == mapping.command.empty()) {
    return fail(entry_error(
        file, node,
        fmt::format("image '{}': give exactly one of 'builtin' and 'command'", mapping.pattern)));
  }
  if (!mapping.args.empty() && mapping.builtin.empty()) {
    return fail(entry_error(
        file, node,
        fmt::format("image '{}': 'args' belong to a 'builtin' entry (a 'command' holds its own)",
                    mapping.pattern)));
  }
  return mapping;
}

}  // namespace

Result<ImageMap> ImageMap::load(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return fail(text.error());
  ImageMap map;
  std::vector<ImageMapping> entries;
  try {
    const YAML::Node root = YAML::Load(*text);
    if (!root.IsMap() || !root["images"] || !root["images"].IsSequence()) {
      return fail(entry_error(file, root.IsMap() && root["images"] ? root["images"] : root,
                              "expected a list 'images:'"));
    }
    for (const auto& field : root) {
      if (field.first.as<std::string>() != "images") {
        return fail(entry_error(file, field.first,
                                fmt::format("unknown field '{}'", field.first.as<std::string>())));
      }
    }
    for (const auto& node : root["images"]) {
      auto entry = read_entry(file, node);
      if (!entry) return fail(entry.error());
      for (const auto& earlier : entries) {
        if (earlier.pattern == entry->pattern) {
          return fail(entry_error(file, node,
                                  fmt::format("image '{}' is mapped twice (first at line {})",
                                              entry->pattern, earlier.location.line)));
        }
      }
      entries.push_back(std::move(*entry));
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}: image map: {}", file.string(), e.mark.line + 1,
                e.msg);
  }
  map.entries_ = std::move(entries);
  return map;
}

std::optional<ImageMapping> ImageMap::find(std::string_view image) const {
  const std::string name(image);
  for (const auto& entry : entries_) {
    if (fnmatch(entry.pattern.c_str(), name.c_str(), 0) == 0) return entry;
  }
  if (auto step = builtin_step_for_image(image)) {
    return ImageMapping{std::string(image), std::string(*step), {}, {}, {}};
  }
  return std::nullopt;
}

std::optional<ImageMapping> ImageMap::find(const Container& container) const {
  if (auto mapping = find(container.image)) return mapping;
  const auto& command = container.command;
  if (image_name(container.image) != "aiotops" || command.size() < 2 || command[0] != "aiotops") {
    return std::nullopt;
  }
  return ImageMapping{container.image, command[1], {}, {command.begin() + 2, command.end()}, {}};
}

}  // namespace aiotops::pipeline
