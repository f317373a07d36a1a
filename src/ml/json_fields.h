#pragma once
// Typed, validated access to fields of a JSON object read from an untrusted file (model files).
// Every failure is kCorrupt and names the field by its dotted path, e.g. "parameters.weights".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aiotops::ml {

// The object at `path` (the root of the lookups below); fails unless `json` is an object.
Status expect_object(const nlohmann::json& json, std::string_view path);

// `object[name]` as a finite number. `path` is the dotted path of `object` ("" for the root).
Result<double> number_field(const nlohmann::json& object, std::string_view path,
                            std::string_view name);
// `object[name]` as a non-negative integer.
Result<uint64_t> count_field(const nlohmann::json& object, std::string_view path,
                             std::string_view name);
Result<std::string> string_field(const nlohmann::json& object, std::string_view path,
                                 std::string_view name);
// `object[name]` as an array of finite numbers; with `size`, of exactly that many.
Result<std::vector<double>> number_array_field(const nlohmann::json& object, std::string_view path,
                                               std::string_view name,
                                               std::optional<size_t> size = std::nullopt);
// `value` itself (found at dotted `path`) as an array of finite numbers, optionally of `size`.
Result<std::vector<double>> number_array(const nlohmann::json& value, std::string_view path,
                                         std::optional<size_t> size = std::nullopt);
// `object[name]` as a non-empty array of distinct, non-empty strings.
Result<std::vector<std::string>> name_array_field(const nlohmann::json& object,
                                                  std::string_view path, std::string_view name);
// `object[name]` as an object (returned by pointer into `object`, which must outlive it).
Result<const nlohmann::json*> object_field(const nlohmann::json& object, std::string_view path,
                                           std::string_view name);

// "path.name", or "name" at the root.
std::string field_path(std::string_view path, std::string_view name);

}  // namespace aiotops::ml
