#include "edge/prometheus_text.h"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace aiotops::edge {
namespace {

bool is_name_char(char c, bool allow_colon, bool allow_digit) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (allow_colon && c == ':') || (allow_digit && c >= '0' && c <= '9');
}

bool is_name(std::string_view name, bool allow_colon) {
  if (name.empty() || !is_name_char(name[0], allow_colon, false)) return false;
  for (char c : name.substr(1)) {
    if (!is_name_char(c, allow_colon, true)) return false;
  }
  return true;
}

// Appends `text` with backslash and line feed escaped, and double quotes too when `quote`.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

bool is_metric_name(std::string_view name) { return is_name(name, true); }

bool is_label_name(std::string_view name) {
  return is_name(name, false) && !name.starts_with("__");
}

void append_label(std::string& labels, std::string_view name, std::string_view value) {
  if (!labels.empty()) labels += ',';
  labels += name;
  labels += "=\"";
  append_escaped(labels, value, true);
  labels += '"';
}

void append_help(std::string& out, std::string_view help) { append_escaped(out, help, false); }

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

}  // namespace aiotops::edge
