#include "ml/json_fields.h"

#include <cmath>
#include <set>

namespace aiotops::ml {
namespace {

// The member `name` of `object`, or a kCorrupt error naming it.
Result<const nlohmann::json*> member(const nlohmann::json& object, std::string_view path,
                                     std::string_view name) {
  if (auto status = expect_object(object, path); !status) return fail(status.error());
  auto it = object.find(name);
  if (it == object.end()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is missing", field_path(path, name));
  }
  return &*it;
}

}  // namespace

std::string field_path(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return fmt::format("{}.{}", path, name);
}

Status expect_object(const nlohmann::json& json, std::string_view path) {
  if (!json.is_object()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not an object",
                path.empty() ? std::string("(root)") : std::string(path));
  }
  return {};
}

Result<double> number_field(const nlohmann::json& object, std::string_view path,
                            std::string_view name) {
  auto value = member(object, path, name);
  if (!value) return fail(value.error());
  if (!(*value)->is_number() || !std::isfinite((*value)->get<double>())) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not a finite number", field_path(path, name));
  }
  return (*value)->get<double>();
}

Result<uint64_t> count_field(const nlohmann::json& object, std::string_view path,
                             std::string_view name) {
  auto value = member(object, path, name);
  if (!value) return fail(value.error());
  if (!(*value)->is_number_unsigned()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not a non-negative integer",
                field_path(path, name));
  }
  return (*value)->get<uint64_t>();
}

Result<std::string> string_field(const nlohmann::json& object, std::string_view path,
                                 std::string_view name) {
  auto value = member(object, path, name);
  if (!value) return fail(value.error());
  if (!(*value)->is_string()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not a string", field_path(path, name));
  }
  return (*value)->get<std::string>();
}

Result<std::vector<double>> number_array(const nlohmann::json& value, std::string_view path,
                                         std::optional<size_t> size) {
  if (!value.is_array()) return fail(ErrorCode::kCorrupt, "field '{}' is not an array", path);
  if (size && value.size() != *size) {
    return fail(ErrorCode::kCorrupt, "field '{}' has {} entries, expected {}", path, value.size(),
                *size);
  }
  std::vector<double> numbers;
  numbers.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_number() || !std::isfinite(value[i].get<double>())) {
      return fail(ErrorCode::kCorrupt, "field '{}[{}]' is not a finite number", path, i);
    }
    numbers.push_back(value[i].get<double>());
  }
  return numbers;
}

Result<std::vector<double>> number_array_field(const nlohmann::json& object, std::string_view path,
                                               std::string_view name, std::optional<size_t> size) {
  auto value = member(object, path, name);
  if (!value) return fail(value.error());
  return number_array(**value, field_path(path, name), size);
}

Result<std::vector<std::string>> name_array_field(const nlohmann::json& object,
                                                  std::string_view path, std::string_view name) {
  auto value = member(object, path, name);
  if (!value) return fail(value.error());
  const nlohmann::json& array = **value;
  if (!array.is_array() || array.empty()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not a non-empty array", field_path(path, name));
  }
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string() || array[i].get<std::string>().empty()) {
      return fail(ErrorCode::kCorrupt, "field '{}[{}]' is not a non-empty string",
                  field_path(path, name), i);
    }
    names.push_back(array[i].get<std::string>());
    if (!seen.insert(names.back()).second) {
      return fail(ErrorCode::kCorrupt, "field '{}[{}]' repeats the name '{}'",
                  field_path(path, name), i, names.back());
    }
  }
  return names;
}

Result<const nlohmann::json*> object_field(const nlohmann::json& object, std::string_view path,
                                           std::string_view name) {
  auto value = member(object, path, name);
  if (!value) return fail(value.error());
  if (!(*value)->is_object()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not an object", field_path(path, name));
  }
  return *value;
}

}  // namespace aiotops::ml
