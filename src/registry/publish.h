#pragma once
// Publishing a set of model versions that belong together (a trained model and the files made
// from it) through a RegistryClient: every file is uploaded first, each with its lineage, and
// only then are the aliases moved, so a failed upload never leaves an alias pointing at half a
// release.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "registry/client.h"

namespace aiotops::registry {

struct PublishItem {
  std::string name;  // registry model name
  std::filesystem::path file;
  // Upload metadata (docs/registry.md: format, version, metrics, dataset, pipeline_run_id,
  // target_classes, arena_bytes); "parent" is set from the fields below.
  nlohmann::json metadata = nlohmann::json::object();
  std::optional<size_t> parent_item;  // parent: the version of items[i] (i < this index)
  std::optional<VersionRef> parent;   // otherwise this existing version, or none
};

struct PublishedItem {
  std::string name;
  int64_t version = 0;
  std::string sha256;
  uint64_t size = 0;  // bytes
};

// Uploads `items` in order, then points each alias of `aliases` of every item's name at its new
// version. Errors as RegistryClient documents them, naming the item; kInvalidArgument for a
// parent_item that does not precede its item. Aliases are moved only after every upload
// succeeded (an upload that fails leaves the earlier new versions without aliases). One client,
// so not thread-safe.
Result<std::vector<PublishedItem>> publish(RegistryClient& client,
                                           const std::vector<PublishItem>& items,
                                           const std::vector<std::string>& aliases);

// The version `alias` of model `name` points at; nullopt when the model or the alias does not
// exist. Other errors as RegistryClient's.
Result<std::optional<int64_t>> alias_version(RegistryClient& client, std::string_view name,
                                             std::string_view alias);

// The version the next upload of model `name` gets when nobody else uploads first: its latest
// version + 1, or 1 for a new name. Errors as RegistryClient's.
Result<int64_t> next_version(RegistryClient& client, std::string_view name);

}  // namespace aiotops::registry
