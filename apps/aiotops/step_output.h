#pragma once
// How a step command (extract, validate, train, quantize, publish) reports its result: one JSON
// object on stdout (`--json`) and, when env AIOTOPS_OUTPUTS_DIR names a directory (a workflow
// node sets it, see pipeline/builtin_images.h), one file per top-level scalar of that object,
// which a workflow template reads as an output parameter (`valueFrom.path`).

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aiotops::cli {

// Writes every top-level string, number and boolean of `result` as the file `dir`/<key>
// (strings as they are, booleans as true/false, numbers as JSON prints them; created
// atomically, `dir` created if missing). Keys that are not safe file names are skipped. kIo.
Status write_step_outputs(const nlohmann::json& result, const std::filesystem::path& dir);

// Prints `result` as one line of JSON on stdout when `print` is set, and writes the output files
// when AIOTOPS_OUTPUTS_DIR is set. kExitOk, or the exit code of a failed write (stderr says why).
int emit_step_result(const nlohmann::json& result, bool print);

}  // namespace aiotops::cli
