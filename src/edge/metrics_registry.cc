#include "edge/metrics_registry.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "edge/prometheus_text.h"

namespace aiotops::edge {
namespace {

// Appends `name{labels} ` (no braces without labels).
void append_sample_name(std::string& out, std::string_view name, std::string_view suffix,
                        std::string_view labels) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}

void append_count(std::string& out, uint64_t value) {
  fmt::format_to(std::back_inserter(out), "{}\n", value);
}

void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const Histogram& histogram) {
  std::span<const double> bounds = histogram.upper_bounds();
  uint64_t cumulative = 0;
  std::string bucket_labels;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += histogram.bucket(i);
    bucket_labels.assign(labels);
    std::string le;
    append_value(le, i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity());
    append_label(bucket_labels, "le", le);
    append_sample_name(out, name, "_bucket", bucket_labels);
    append_count(out, cumulative);
  }
  append_sample_name(out, name, "_sum", labels);
  append_value(out, histogram.sum());
  out += '\n';
  append_sample_name(out, name, "_count", labels);
  append_count(out, cumulative);
}

}  // namespace

template <typename T>
Result<T*> MetricsRegistry::add(std::string_view name, std::string_view help, std::string_view type,
                                const std::vector<Label>& labels, std::string_view reserved_label,
                                std::unique_ptr<T> metric) {
  if (!is_metric_name(name)) {
    return fail(ErrorCode::kInvalidArgument, "metric \"{}\": not a valid metric name", name);
  }
  std::string rendered;
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i].name;
    if (!is_label_name(label) || label == reserved_label) {
      return fail(ErrorCode::kInvalidArgument, "metric \"{}\": label \"{}\" not allowed", name,
                  label);
    }
    for (size_t j = 0; j < i; ++j) {
      if (labels[j].name == label) {
        return fail(ErrorCode::kInvalidArgument, "metric \"{}\": label \"{}\" given twice", name,
                    label);
      }
    }
    append_label(rendered, label, labels[i].value);
  }
  std::lock_guard lock(mutex_);
  auto family = std::find_if(families_.begin(), families_.end(),
                             [&](const Family& f) { return f.name == name; });
  if (family == families_.end()) {
    families_.push_back(Family{std::string(name), std::string(help), type, {}});
    family = families_.end() - 1;
  } else if (family->type != type || family->help != help) {
    return fail(ErrorCode::kAlreadyExists, "metric \"{}\": already registered as a {} ({})", name,
                family->type, family->help);
  } else if (std::any_of(family->series.begin(), family->series.end(),
                         [&](const Series& s) { return s.labels == rendered; })) {
    return fail(ErrorCode::kAlreadyExists, "metric \"{}\": series {{{}}} already registered", name,
                rendered);
  }
  T* added = metric.get();
  family->series.push_back(Series{std::move(rendered), std::move(metric)});
  return added;
}

Result<Counter*> MetricsRegistry::counter(std::string_view name, std::string_view help,
                                          std::vector<Label> labels) {
  return add(name, help, "counter", labels, {}, std::make_unique<Counter>());
}

Result<Gauge*> MetricsRegistry::gauge(std::string_view name, std::string_view help,
                                      std::vector<Label> labels) {
  return add(name, help, "gauge", labels, {}, std::make_unique<Gauge>());
}

Result<Histogram*> MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                              std::span<const double> upper_bounds,
                                              std::vector<Label> labels) {
  for (size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && upper_bounds[i] <= upper_bounds[i - 1])) {
      return fail(ErrorCode::kInvalidArgument,
                  "histogram \"{}\": bucket bounds must be finite and strictly increasing", name);
    }
  }
  std::vector<double> bounds(upper_bounds.begin(), upper_bounds.end());
  return add(name, help, "histogram", labels, "le", std::make_unique<Histogram>(std::move(bounds)));
}

Result<InfoGauge*> MetricsRegistry::info(std::string_view name, std::string_view help,
                                         std::vector<std::string> label_names) {
  if (label_names.empty()) {
    return fail(ErrorCode::kInvalidArgument, "info metric \"{}\": no label names", name);
  }
  // The label names identify the series; their values come later, by InfoGauge::set().
  std::vector<Label> labels;
  for (const std::string& label : label_names) labels.push_back({label, ""});
  return add(name, help, "gauge", labels, {}, std::make_unique<InfoGauge>(std::move(label_names)));
}

void MetricsRegistry::render_series(std::string& out, const Family& family, const Series& series) {
  if (auto* counter = std::get_if<std::unique_ptr<Counter>>(&series.metric)) {
    append_sample_name(out, family.name, "", series.labels);
    append_count(out, (*counter)->value());
  } else if (auto* gauge = std::get_if<std::unique_ptr<Gauge>>(&series.metric)) {
    append_sample_name(out, family.name, "", series.labels);
    append_value(out, (*gauge)->value());
    out += '\n';
  } else if (auto* histogram = std::get_if<std::unique_ptr<Histogram>>(&series.metric)) {
    append_histogram(out, family.name, series.labels, **histogram);
  } else if (auto* info = std::get_if<std::unique_ptr<InfoGauge>>(&series.metric)) {
    std::string labels = (*info)->labels();
    if (labels.empty()) return;
    append_sample_name(out, family.name, "", labels);
    out += "1\n";
  }
}

void MetricsRegistry::render(std::string& out) const {
  out.clear();
  std::lock_guard lock(mutex_);
  for (const Family& family : families_) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    append_help(out, family.help);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += family.type;
    out += '\n';
    for (const Series& series : family.series) render_series(out, family, series);
  }
}

}  // namespace aiotops::edge
