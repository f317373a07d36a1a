#include "registry/publish.h"

#include <fmt/format.h>

namespace aiotops::registry {

Result<std::vector<PublishedItem>> publish(RegistryClient& client,
                                           const std::vector<PublishItem>& items,
                                           const std::vector<std::string>& aliases) {
  std::vector<PublishedItem> published;
  for (size_t i = 0; i < items.size(); ++i) {
    const PublishItem& item = items[i];
    nlohmann::json metadata = item.metadata;
    if (item.parent_item) {
      if (*item.parent_item >= i) {
        return fail(ErrorCode::kInvalidArgument,
                    "publish {}: its parent (item {}) must be uploaded before it", item.name,
                    *item.parent_item);
      }
      const PublishedItem& parent = published[*item.parent_item];
      metadata["parent"] = {{"name", parent.name}, {"version", parent.version}};
    } else if (item.parent) {
      metadata["parent"] = {{"name", item.parent->name}, {"version", item.parent->version}};
    }
    auto record = client.push(ArtifactPath::kModels, item.name, item.file, metadata);
    if (!record) return fail(record.error().with_context("publish " + item.name));
    published.push_back({.name = item.name,
                         .version = record->value("version", int64_t{0}),
                         .sha256 = record->value("sha256", ""),
                         .size = record->value("size", uint64_t{0})});
  }
  for (const std::string& alias : aliases) {
    for (const PublishedItem& item : published) {
      auto moved = client.set_alias(item.name, alias, item.version);
      if (!moved) {
        return fail(moved.error().with_context(
            fmt::format("move alias {} of {} to version {}", alias, item.name, item.version)));
      }
    }
  }
  return published;
}

Result<std::optional<int64_t>> alias_version(RegistryClient& client, std::string_view name,
                                             std::string_view alias) {
  auto answer = client.get_json(
      artifact_path(ArtifactPath::kModels, name, {}, "aliases/" + std::string(alias)));
  if (!answer && answer.error().code() == ErrorCode::kNotFound) {
    return std::optional<int64_t>();
  }
  if (!answer) return fail(answer.error());
  return std::optional<int64_t>(answer->value("version", int64_t{0}));
}

Result<int64_t> next_version(RegistryClient& client, std::string_view name) {
  auto latest = client.get_json(artifact_path(ArtifactPath::kModels, name, "latest"));
  if (!latest && latest.error().code() == ErrorCode::kNotFound) return int64_t{1};
  if (!latest) return fail(latest.error());
  return latest->value("version", int64_t{0}) + 1;
}

}  // namespace aiotops::registry
