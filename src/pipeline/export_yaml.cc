#include "pipeline/export_yaml.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

namespace aiotops::pipeline {
namespace {

nlohmann::ordered_json plain_scalar(const std::string& text) {
  constexpr std::array<std::string_view, 5> kNull = {"", "~", "null", "Null", "NULL"};
  if (std::ranges::find(kNull, text) != kNull.end()) return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  auto number = nlohmann::ordered_json::parse(text, nullptr, false);
  if (!number.is_discarded() && number.is_number()) return number;
  return text;
}

// Strings some YAML reader would take for another type: booleans and nulls of YAML 1.1 and
// 1.2 in any case, and anything that starts like a number.
bool needs_quotes(const std::string& text) {
  if (text.empty()) return true;
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::array<std::string_view, 12> kWords = {
      "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan"};
  if (std::ranges::find(kWords, lower) != kWords.end()) return true;
  const char first = text.front();
  return std::isdigit(static_cast<unsigned char>(first)) != 0 || first == '+' || first == '-' ||
         first == '.';
}

// Multi-line text a literal block writes back unchanged: one final newline (a block's default
// chomping), no leading space or blank first line, no control characters but tab and newline.
bool fits_literal_block(const std::string& text) {
  if (text.size() < 2 || text.back() != '\n' || text[text.size() - 2] == '\n') return false;
  if (text.front() == ' ' || text.front() == '\n') return false;
  return std::ranges::none_of(text, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f;
  });
}

// YAML allows an implicit key ("key: value") of at most 1024 characters, and escaping can make
// a key's text four times longer than its bytes (a NUL byte is written "\x00"), so longer keys
// are written as explicit keys ("? key"). yaml-cpp's emitter does not do this by itself.
constexpr std::size_t kLongestImplicitKey = 1024 / 4 - 2;

// A literal block only where `block` allows it: never as a key.
void emit_string(YAML::Emitter& out, const std::string& text, bool block) {
  const bool multi_line = text.find('\n') != std::string::npos;
  if (multi_line && block && fits_literal_block(text)) {
    out << YAML::Literal << text;
  } else if (multi_line || needs_quotes(text)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << text;
  }
}

void emit(YAML::Emitter& out, const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, element] : value.items()) {
        if (key.size() > kLongestImplicitKey) out << YAML::LongKey;
        out << YAML::Key;
        emit_string(out, key, false);
        out << YAML::Value;
        emit(out, element);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& element : value) emit(out, element);
      out << YAML::EndSeq;
      return;
    case nlohmann::json::value_t::string:
      emit_string(out, value.get_ref<const std::string&>(), true);
      return;
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      return;
    default:  // booleans and numbers: their JSON text is their YAML text
      out << value.dump();
      return;
  }
}

}  // namespace

nlohmann::ordered_json yaml_to_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsScalar()) {
    return node.Tag() == "?" ? plain_scalar(node.Scalar()) : nlohmann::ordered_json(node.Scalar());
  }
  if (node.IsSequence()) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& element : node) array.push_back(yaml_to_json(element));
    return array;
  }
  auto object = nlohmann::ordered_json::object();
  // A repeated key keeps its first value: the one yaml-cpp's lookup, and so the reader, sees.
  for (const auto& entry : node) {
    if (!object.contains(entry.first.Scalar())) {
      object[entry.first.Scalar()] = yaml_to_json(entry.second);
    }
  }
  return object;
}

std::string json_to_yaml(const nlohmann::ordered_json& value) {
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace aiotops::pipeline
