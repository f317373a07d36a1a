#include "registry/names.h"

#include <algorithm>
#include <charconv>

namespace aiotops::registry {
namespace {

bool is_name_byte(unsigned char c, bool lower_only) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= '0' && c <= '9') return true;
  if (!lower_only && c >= 'A' && c <= 'Z') return true;
  return c == '.' || c == '_' || c == '-';
}

// Shared rules: length, allowed bytes, no leading dot. `extra` is one more allowed byte.
Status validate_identifier(std::string_view text, std::string_view what, bool lower_only,
                           char extra) {
  if (text.empty()) return fail(ErrorCode::kInvalidArgument, "{} is empty", what);
  if (text.size() > kMaxNameLength) {
    return fail(ErrorCode::kInvalidArgument, "{} is {} bytes long (at most {})", what, text.size(),
                kMaxNameLength);
  }
  if (text.front() == '.') {
    return fail(ErrorCode::kInvalidArgument, "{} '{}' starts with '.'", what, text);
  }
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_name_byte(c, lower_only) || (extra != '\0' && c == static_cast<unsigned char>(extra))) {
      continue;
    }
    // Never echo control bytes or broken UTF-8 into a message; show the byte's code.
    return fail(ErrorCode::kInvalidArgument, "{}: byte {} is 0x{:02x}; allowed are {}{}", what, i,
                c, lower_only ? "[a-z0-9._-]" : "[A-Za-z0-9._-]",
                extra != '\0' ? fmt::format(" and '{}'", extra) : "");
  }
  return {};
}

}  // namespace

Status validate_name(std::string_view name, std::string_view what) {
  return validate_identifier(name, what, false, '\0');
}

Status validate_alias(std::string_view alias) {
  if (auto s = validate_identifier(alias, "alias", true, '\0'); !s) return s;
  if (std::ranges::all_of(alias, [](char c) { return c >= '0' && c <= '9'; })) {
    return fail(ErrorCode::kInvalidArgument, "alias '{}' is a number (numbers are versions)",
                alias);
  }
  if (alias == "latest") {
    return fail(ErrorCode::kInvalidArgument, "alias 'latest' is reserved (the newest version)");
  }
  return {};
}

Status validate_device_id(std::string_view id) {
  return validate_identifier(id, "device id", false, ':');
}

Status validate_text(std::string_view text, std::string_view what) {
  if (text.size() > kMaxNameLength * 4) {
    return fail(ErrorCode::kInvalidArgument, "{} is {} bytes long (at most {})", what, text.size(),
                kMaxNameLength * 4);
  }
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      return fail(ErrorCode::kInvalidArgument, "{}: byte {} is control character 0x{:02x}", what, i,
                  c);
    }
  }
  return {};
}

Result<int64_t> parse_version_number(std::string_view text, std::string_view what) {
  int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || version < 1) {
    return fail(ErrorCode::kInvalidArgument, "{} '{}': expected a version number (1, 2, ...)", what,
                text);
  }
  return version;
}

}  // namespace aiotops::registry
