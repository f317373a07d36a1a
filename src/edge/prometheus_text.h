#pragma once
// Pieces of the Prometheus text exposition format 0.0.4: names, label pairs, escaping and
// sample values. All thread-safe; none fail.

#include <string>
#include <string_view>

namespace aiotops::edge {

// The Content-Type of the text the registry renders.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// True for a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool is_metric_name(std::string_view name);
// True for a valid label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved).
bool is_label_name(std::string_view name);

// Appends `name="value"` to `labels` (a comma first when it is not empty), escaping `\`, `"`
// and line feeds in the value as \\, \" and \n.
void append_label(std::string& labels, std::string_view name, std::string_view value);

// Appends help text with `\` and line feeds escaped as \\ and \n (the HELP line's rules).
void append_help(std::string& out, std::string_view help);

// Appends a sample value: shortest round-trip decimal, or NaN, +Inf, -Inf.
void append_value(std::string& out, double value);

}  // namespace aiotops::edge
