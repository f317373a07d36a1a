#pragma once
// The model metadata a .tflite file carries for devices (Model.metadata entry "aiotops"): a small
// JSON document with the feature names in input order, the decision threshold, the alert levels,
// the model name and version and the training dataset's hash, and, in files with raw int8 input
// that expect standardized values, that standardization. Specified in docs/formats/tflite.md.

#include <string>
#include <string_view>

#include "common/error.h"
#include "tflite/graph.h"

namespace aiotops::tflite {

// The name of the Model.metadata entry that holds the document.
inline constexpr std::string_view kMetadataName = "aiotops";
inline constexpr std::string_view kMetadataFormat = "aiotops-tflite-metadata";
inline constexpr int kMetadataFormatVersion = 1;

// Compact JSON, floats written with the fewest digits that read back to the same float.
// Never fails; thread-safe.
std::string metadata_to_json(const GraphMetadata& metadata);

// Parses metadata_to_json() output. Untrusted input: fails with kCorrupt naming the field that
// is missing or mistyped, or the JSON syntax error. Thread-safe.
Result<GraphMetadata> metadata_from_json(std::string_view json);

}  // namespace aiotops::tflite
