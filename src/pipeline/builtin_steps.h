#pragma once
// aiotops's built-in workflow steps (extract, validate, train, quantize, ...): what an image-map
// entry of kind `builtin` runs instead of a container. A step is a function of the node's
// resolved inputs and its attempt directory that returns the node's outcome. The registry maps
// step names to these functions; the executor looks a step up when a node starts and fails the
// node, naming the step, when it is not registered.

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/error.h"
#include "pipeline/node_runner.h"
#include "pipeline/process_cancel.h"
#include "pipeline/run_store.h"

namespace aiotops::pipeline {

// What a built-in step receives.
struct BuiltinStepInputs {
  std::string node_name;   // for messages, e.g. "wf-x7k2p.train"
  NamedValues parameters;  // inputs.parameters after substitution, in template order
  NamedValues artifacts;   // input artifact name -> local file (already copied into node_dir)
  NamedValues env;         // the template's env after substitution
  std::filesystem::path node_dir;       // the attempt directory (exists; `work/` inside it too)
  const CancelToken* cancel = nullptr;  // never null; a long step should poll it
};

// A built-in step: returns the node's outcome (phase, message, output parameters, result); an
// Error return means aiotops itself failed (the node becomes Error with that message). Called
// from executor threads, possibly several at once: must be thread-safe.
using BuiltinStep = std::function<Result<NodeOutcome>(const BuiltinStepInputs& inputs)>;

// Name -> step. Filled before a run, read-only while it runs (then safe to share).
class BuiltinStepRegistry {
 public:
  // Adds or replaces the step `name`.
  void add(std::string name, BuiltinStep step);
  // nullptr when no step has that name.
  const BuiltinStep* find(std::string_view name) const;

 private:
  std::map<std::string, BuiltinStep, std::less<>> steps_;
};

}  // namespace aiotops::pipeline
