#pragma once
// Where the exporter asks Kubernetes to run each built-in step: a nodeSelector and tolerations
// per step name ("train", ...). The defaults put training on GPU nodes (`gpuAccelerator:
// "true"`); a placement file replaces them step by step:
//
//   train:
//     nodeSelector: {gpuAccelerator: "true"}
//     tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
//   quantize: {}            # no placement for this step
//
// Plain values, not synchronised.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace aiotops::pipeline {

// A Kubernetes toleration; empty fields are left out of the exported YAML.
struct Toleration {
  std::string key;
  std::string op;  // "Exists" or "Equal"; empty = Kubernetes's default (Equal)
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute; empty = all
};

struct Placement {
  std::vector<std::pair<std::string, std::string>> node_selector;  // in file order
  std::vector<Toleration> tolerations;
};

using Placements = std::map<std::string, Placement, std::less<>>;

// {"train": nodeSelector gpuAccelerator: "true"}.
Placements default_placements();

// Reads a placement file's text into `placements`, replacing the entries of the steps it names.
// Fails with kInvalidArgument "file:line: path: what" on YAML errors, a step that is not a
// built-in step (builtin_images.h), unknown fields, or non-string values.
Status read_placements(std::string_view text, std::string_view file_name, Placements& placements);

}  // namespace aiotops::pipeline
