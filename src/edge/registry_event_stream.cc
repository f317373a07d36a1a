#include "edge/registry_event_stream.h"

namespace aiotops::edge {

bool EventStreamParser::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t end = bytes.find('\n');
    if (end == std::string_view::npos) {
      partial_.append(bytes);
      return partial_.size() <= max_line_bytes_;
    }
    partial_.append(bytes.substr(0, end));
    bytes.remove_prefix(end + 1);
    if (partial_.size() > max_line_bytes_) return false;
    if (partial_.ends_with('\r')) partial_.pop_back();
    line(partial_);
    partial_.clear();
  }
  return true;
}

void EventStreamParser::line(std::string_view text) {
  if (text.empty()) {
    if (has_data_) handler_(event_);
    event_ = {};
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;  // a comment
  const size_t colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) event_.data.push_back('\n');
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.type = value;
  } else if (field == "id") {
    event_.id = value;
  }
}

}  // namespace aiotops::edge
