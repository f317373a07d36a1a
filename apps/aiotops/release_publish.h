#pragma once
// Publishing one release to the registry: the native model file (NAME), the float .tflite
// (NAME-float), the int8 .tflite (NAME-int8, with a QMODEL) and the C header of the device model
// (NAME-c), each with its lineage, then the staging alias of every name (and production when
// promoting). Shared by `aiotops publish` and `aiotops quantize --publish`. Mapping and lineage:
// docs/pipeline-steps.md.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/aiotops/registry_flags.h"
#include "common/error.h"

namespace aiotops::cli {

struct Release {
  std::filesystem::path model;   // native model file written by aiotops train
  std::filesystem::path qmodel;  // QMODEL quantized from `model`; empty: no NAME-int8
  std::string name;              // registry model name
  // {"name", "version"} of the training dataset, or null; `dataset_text` is how it was named
  // (reported back as "dataset").
  nlohmann::json dataset;
  std::string dataset_text;
  std::string run_id;                // pipeline run id; empty: none
  nlohmann::json train_gate;         // the train report's "gate", or null
  nlohmann::json quantize_gate;      // the quantize report's "gate", or null
  std::vector<std::string> targets;  // hardware classes
  bool promote = false;              // also move production
};

// Uploads the release and moves the aliases; returns the result object `aiotops publish --json`
// prints (model, model_version, float_model, ..., versions). kInvalidArgument when the QMODEL
// was not quantized from the model; errors of the model files, the device export and the
// registry otherwise (an upload failure moves no alias). Gates are not judged here: the caller
// refuses a release whose gate refused. Not thread-safe (one registry client).
Result<nlohmann::json> publish_release(const Release& release, const RegistryClientFlags& registry);

// The dataset lineage {"name", "version"} from "NAME:VERSION" or "registry:NAME@VERSION" (null
// for an empty text); kInvalidArgument for anything else, naming `flag`. Thread-safe.
Result<nlohmann::json> dataset_lineage(const std::string& text, std::string_view flag);

}  // namespace aiotops::cli
