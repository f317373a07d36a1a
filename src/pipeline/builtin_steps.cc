#include "pipeline/builtin_steps.h"

#include <utility>

namespace aiotops::pipeline {

void BuiltinStepRegistry::add(std::string name, BuiltinStep step) {
  steps_.insert_or_assign(std::move(name), std::move(step));
}

const BuiltinStep* BuiltinStepRegistry::find(std::string_view name) const {
  auto it = steps_.find(name);
  return it == steps_.end() ? nullptr : &it->second;
}

}  // namespace aiotops::pipeline
