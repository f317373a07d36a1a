#pragma once
// Typed, position-aware access to the fields of one YAML mapping, for yaml_reader.cc. Every
// error names "file:line: path: what"; every field must be read, declared ignorable (kept for
// export, see IgnoredField) or declared unsupported, so a misspelt field is an error, not a
// silent no-op. Not thread-safe; one reader per mapping. yaml-cpp exceptions are the caller's
// to catch.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "pipeline/model.h"

namespace aiotops::pipeline::yaml {

// The file being read and where ignored fields are collected.
struct ReadContext {
  std::string file;
  std::vector<IgnoredField>* ignored = nullptr;
};

SourceLocation location_of(const ReadContext& context, const YAML::Node& node);

// kInvalidArgument "file:line: path: message".
Error error_at(const ReadContext& context, const YAML::Node& node, std::string_view path,
               std::string_view message);

// A YAML scalar as text; fails naming the path when the node is a list or a map.
Result<std::string> scalar_text(const ReadContext& context, const YAML::Node& node,
                                std::string_view path);

class MapReader {
 public:
  // Fails unless `node` is a mapping (a null node reads as an empty mapping).
  static Result<MapReader> open(const ReadContext& context, const YAML::Node& node,
                                std::string path);

  const std::string& path() const { return path_; }
  SourceLocation location() const { return location_of(*context_, node_); }
  const ReadContext& context() const { return *context_; }
  std::string child_path(std::string_view key) const;

  // The value under `key`, or an undefined node when absent. Marks the key as read.
  YAML::Node get(std::string_view key);
  Result<std::optional<std::string>> string(std::string_view key);
  Result<std::string> string_or_empty(std::string_view key);
  Result<std::optional<std::int64_t>> integer(std::string_view key);
  Result<std::optional<bool>> boolean(std::string_view key);
  Result<std::optional<double>> number(std::string_view key);
  // A list of scalars; absent = empty.
  Result<std::vector<std::string>> strings(std::string_view key);

  // Ends the read: unread keys in `ignorable` are recorded as IgnoredField, unread keys in
  // `unsupported` fail with "not supported", any other unread key fails with "unknown field".
  Status finish(std::span<const std::string_view> ignorable,
                std::span<const std::string_view> unsupported = {});

 private:
  MapReader(const ReadContext* context, YAML::Node node, std::string path)
      : context_(context), node_(std::move(node)), path_(std::move(path)) {}

  const ReadContext* context_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string> read_;
};

// Reads every element of a YAML sequence with `read(node, path)`; absent = empty; fails naming
// the path when the node is not a sequence.
template <typename T, typename ReadOne>
Result<std::vector<T>> read_list(const ReadContext& context, const YAML::Node& node,
                                 const std::string& path, ReadOne&& read) {
  std::vector<T> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) return std::unexpected(error_at(context, node, path, "expected a list"));
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto item = read(node[i], path + "[" + std::to_string(i) + "]");
    if (!item) return std::unexpected(item.error());
    out.push_back(std::move(*item));
  }
  return out;
}

}  // namespace aiotops::pipeline::yaml
