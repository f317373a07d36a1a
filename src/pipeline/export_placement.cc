#include "pipeline/export_placement.h"

#include <algorithm>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "pipeline/builtin_images.h"
#include "pipeline/yaml_fields.h"

namespace aiotops::pipeline {
namespace {

using yaml::MapReader;
using yaml::ReadContext;

Result<Toleration> read_toleration(const ReadContext& context, const YAML::Node& node,
                                   const std::string& path) {
  auto reader = MapReader::open(context, node, path);
  if (!reader) return fail(reader.error());
  Toleration toleration;
  for (auto [field, key] :
       {std::pair{&toleration.key, "key"}, std::pair{&toleration.op, "operator"},
        std::pair{&toleration.value, "value"}, std::pair{&toleration.effect, "effect"}}) {
    auto text = reader->string_or_empty(key);
    if (!text) return fail(text.error());
    *field = std::move(*text);
  }
  if (auto status = reader->finish({}); !status) return fail(status.error());
  return toleration;
}

Result<Placement> read_placement(const ReadContext& context, const YAML::Node& node,
                                 const std::string& path) {
  auto reader = MapReader::open(context, node, path);
  if (!reader) return fail(reader.error());
  Placement placement;
  const YAML::Node selector = reader->get("nodeSelector");
  const std::string selector_path = reader->child_path("nodeSelector");
  if (selector.IsDefined() && !selector.IsNull() && !selector.IsMap()) {
    return fail(yaml::error_at(context, selector, selector_path, "expected a mapping"));
  }
  if (selector.IsMap()) {
    for (const auto& entry : selector) {
      const std::string key = entry.first.Scalar();
      auto value = yaml::scalar_text(context, entry.second, selector_path + "." + key);
      if (!value) return fail(value.error());
      placement.node_selector.emplace_back(key, std::move(*value));
    }
  }
  auto tolerations = yaml::read_list<Toleration>(
      context, reader->get("tolerations"), reader->child_path("tolerations"),
      [&](const YAML::Node& n, const std::string& p) { return read_toleration(context, n, p); });
  if (!tolerations) return fail(tolerations.error());
  placement.tolerations = std::move(*tolerations);
  if (auto status = reader->finish({}); !status) return fail(status.error());
  return placement;
}

}  // namespace

Placements default_placements() {
  Placements placements;
  placements["train"].node_selector.emplace_back("gpuAccelerator", "true");
  return placements;
}

Status read_placements(std::string_view text, std::string_view file_name, Placements& placements) {
  ReadContext context{std::string(file_name), nullptr};
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return {};
    if (!root.IsMap())
      return fail(yaml::error_at(context, root, "", "expected a mapping of steps"));
    Placements read;
    for (const auto& entry : root) {
      const std::string step = entry.first.Scalar();
      const auto builtin = builtin_images();
      if (std::ranges::none_of(builtin, [&](const BuiltinImage& b) { return b.step == step; })) {
        return fail(yaml::error_at(context, entry.first, step,
                                   "not a built-in step (extract, validate, train, quantize)"));
      }
      auto placement = read_placement(context, entry.second, step);
      if (!placement) return fail(placement.error());
      read[step] = std::move(*placement);
    }
    for (auto& [step, placement] : read) placements[step] = std::move(placement);
    return {};
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument, "{}:{}:{}: YAML error: {}", file_name, e.mark.line + 1,
                e.mark.column + 1, e.msg);
  }
}

}  // namespace aiotops::pipeline
