#include "edge/device_class.h"

#include <algorithm>

#include "edge/loaded_model.h"

namespace aiotops::edge {

Status check_device_classes(std::span<const DeviceClass> classes) {
  for (size_t i = 0; i < classes.size(); ++i) {
    const DeviceClass& c = classes[i];
    if (c.name.empty()) return fail(ErrorCode::kInvalidArgument, "device class {} has no name", i);
    if (c.device_ids.empty() && c.topics.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  "device class '{}' has neither device-id patterns nor topic filters", c.name);
    }
    if (c.threshold && !(*c.threshold >= 0 && *c.threshold <= 1)) {
      return fail(ErrorCode::kInvalidArgument, "device class '{}': threshold {} is not in [0, 1]",
                  c.name, *c.threshold);
    }
    if (!c.levels.empty()) {
      if (auto status = check_alert_levels(c.levels); !status) {
        return fail(status.error().with_context(fmt::format("device class '{}'", c.name)));
      }
    }
  }
  return {};
}

const DeviceClass* classify(std::span<const DeviceClass> classes, std::string_view device_id,
                            std::string_view topic) {
  for (const DeviceClass& c : classes) {
    const auto id_matches = [&](const std::string& p) { return glob_matches(p, device_id); };
    const auto topic_match = [&](const std::string& f) { return topic_matches(f, topic); };
    if (std::any_of(c.device_ids.begin(), c.device_ids.end(), id_matches) ||
        std::any_of(c.topics.begin(), c.topics.end(), topic_match)) {
      return &c;
    }
  }
  return nullptr;
}

bool glob_matches(std::string_view pattern, std::string_view text) {
  // Iterative matching with one backtrack point (the latest '*'): linear in practice, no
  // recursion on hostile ids.
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#'))) return false;
  while (true) {
    const size_t filter_end = std::min(filter.find('/'), filter.size());
    const size_t topic_end = std::min(topic.find('/'), topic.size());
    const std::string_view level = filter.substr(0, filter_end);
    if (level == "#") return true;
    if (level != "+" && level != topic.substr(0, topic_end)) return false;
    const bool filter_done = filter_end == filter.size();
    const bool topic_done = topic_end == topic.size();
    if (topic_done) {
      // "a/#" also matches "a" itself.
      return filter_done || filter.substr(filter_end + 1) == "#";
    }
    if (filter_done) return false;
    filter.remove_prefix(filter_end + 1);
    topic.remove_prefix(topic_end + 1);
  }
}

}  // namespace aiotops::edge
