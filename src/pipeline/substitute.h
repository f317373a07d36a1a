#pragma once
// Argo template variables: `{{name}}` in a text is replaced by the value the scope holds for
// `name` (spaces inside the braces are ignored). Names are dotted paths such as
// inputs.parameters.x, workflow.parameters.x, workflow.name, workflow.status, workflow.failures,
// tasks.X.outputs.parameters.y, tasks.X.outputs.result, steps.X.outputs..., item, item.field,
// inputs.artifacts.x.path. The executor fills a Scope per node; validate.h checks statically
// that every name can be filled. Not synchronised; a Scope is built and read by one thread.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aiotops::pipeline {

class Scope {
 public:
  // Adds or replaces one variable.
  void set(std::string_view name, std::string value);
  // Adds `item` and, when the item is a map, `item.<key>` for each key. Strings are used as
  // they are, numbers and booleans as JSON text, lists and maps as compact JSON (as Argo).
  void set_item(const nlohmann::json& item);
  // nullptr when the scope has no such variable.
  const std::string* find(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// A JSON value as Argo prints it into a template: strings unquoted, everything else as JSON.
std::string item_text(const nlohmann::json& value);

// Replaces every {{name}} in `text`. Fails with kInvalidArgument "unresolved variable
// '{{name}}'" for the first name the scope lacks, or "unterminated '{{'" when braces do not
// close.
Result<std::string> substitute(std::string_view text, const Scope& scope);

// The names referenced by `text`, trimmed, in order (duplicates kept). Fails as substitute()
// does for unterminated braces.
Result<std::vector<std::string>> variables_in(std::string_view text);

}  // namespace aiotops::pipeline
