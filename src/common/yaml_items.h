#pragma once
// Flat YAML config files: a mapping of keys to a scalar or a list of scalars, the shape of a
// service's --config file, where each key names one option of its table (the command's flags
// without the leading dashes). Nesting, anchors to maps and duplicate keys are refused, so a file
// means exactly what its lines say. Readers of richer YAML (workflow files) use yaml-cpp directly.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aiotops {

// One key of a flat config file.
struct YamlItem {
  std::string key;
  // The scalar's text as written (quotes removed; `1s`, `true`, `0.7` kept verbatim); one entry
  // for a scalar, one per element for a list (possibly none: `[]`).
  std::vector<std::string> values;
  bool is_list = false;
  int line = 0;  // 1-based line of the key in the file
};

// Parses `text` (the contents of `file`, which names it in messages) into its items in file
// order. An empty file or one holding only comments has none. Fails with kInvalidArgument
// "FILE:LINE: ..." for a YAML syntax error, a document that is not a mapping, a key that is not
// a plain scalar, a key given twice, a value that is a map or empty (`key:` alone), or a list
// element that is not a scalar; "FILE:LINE: KEY: ..." names the key where there is one.
// Thread-safe.
Result<std::vector<YamlItem>> parse_yaml_items(std::string_view text, std::string_view file);

// Reads `path` and parses it as above. kNotFound/kIo naming the path.
Result<std::vector<YamlItem>> read_yaml_items(const std::string& path);

}  // namespace aiotops
