#pragma once
// The container images that stand for aiotops's built-in steps: the reference's module images
// (…/extract_module:…, …/validation_module:…, …/training-module:…, …/quantize-module:…) mean
// `aiotops extract|validate|train|quantize`. Shared by the executor (run `aiotops <step>` as the
// node's process) and the exporter (run it as `aiotops <step>` in the aiotops image). Constant
// data: thread-safe.

#include <optional>
#include <span>
#include <string_view>

namespace aiotops::pipeline {

struct BuiltinImage {
  std::string_view image_name;  // the image's last path component, without tag or digest
  std::string_view step;        // the aiotops subcommand that does the module's work
};

// Where a built-in step writes its output parameters, one file per top-level scalar of its
// `--json` result (the step reads it from env AIOTOPS_OUTPUTS_DIR, which the executor and the
// exporter set to this path), so a template declares them as `valueFrom.path` under it, the same
// on this host (a private /tmp per node) and on a cluster.
inline constexpr std::string_view kBuiltinOutputsDir = "/tmp/aiotops-outputs";

// Every built-in image, in pipeline order.
std::span<const BuiltinImage> builtin_images();

// "registry:5000/team/training-module:latest" -> "training-module": the last path component of
// an image reference, without ":tag" and "@digest". Returns a view into `image`.
std::string_view image_name(std::string_view image);

// The built-in step an image stands for (matched on image_name(), whatever registry and tag),
// or nullopt for any other image.
std::optional<std::string_view> builtin_step_for_image(std::string_view image);

}  // namespace aiotops::pipeline
