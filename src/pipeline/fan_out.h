#pragma once
// withItems / withParam: the items a task or step fans out over and the names of its nodes, as
// Argo names them ("task(0:a)", "task(1:x:1,y:2)"). Thread-safe (no shared state).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "pipeline/model.h"

namespace aiotops::pipeline {

// The items of a call that fans_out(): withItems as written, else `with_param_value` (the
// call's withParam after substitution) parsed as a JSON list. An empty list is valid (Argo then
// marks the task Skipped). Fails with kInvalidArgument "file:line: task 'x': withParam ... is
// not a JSON list" naming the value.
Result<std::vector<nlohmann::json>> fan_out_items(const TaskCall& call,
                                                  std::string_view with_param_value);

// "name(index:item)": strings as they are, maps as key:value pairs joined by ',' (keys sorted),
// other values as JSON.
std::string item_node_name(std::string_view name, std::size_t index, const nlohmann::json& item);

}  // namespace aiotops::pipeline
