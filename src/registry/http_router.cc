#include "registry/http_router.h"

namespace aiotops::registry {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Calls `visit` with each '/'-separated piece of `path` after the leading '/'.
template <typename Visit>
void for_each_segment(std::string_view path, Visit visit) {
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  if (path.empty()) return;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    visit(path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    if (slash == std::string_view::npos) return;
    start = slash + 1;
  }
}

}  // namespace

std::vector<std::string> split_target(std::string_view target) {
  const size_t query = target.find_first_of("?#");
  std::vector<std::string> segments;
  for_each_segment(target.substr(0, query), [&segments](std::string_view piece) {
    segments.push_back(percent_decode(piece));
  });
  return segments;
}

bool match_route(std::string_view pattern, const std::vector<std::string>& segments,
                 std::vector<std::string>& captures) {
  const size_t first_capture = captures.size();
  size_t index = 0;
  bool matched = true;
  for_each_segment(pattern, [&](std::string_view piece) {
    if (!matched) return;
    if (index >= segments.size()) {
      matched = false;
    } else if (piece == "{}") {
      captures.push_back(segments[index]);
    } else if (piece != segments[index]) {
      matched = false;
    }
    ++index;
  });
  if (!matched || index != segments.size()) {
    captures.resize(first_capture);
    return false;
  }
  return true;
}

}  // namespace aiotops::registry
