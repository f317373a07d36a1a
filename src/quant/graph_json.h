#pragma once
// The JSON form of an int8 tflite::Graph, as the QMODEL file stores it (docs/formats/qmodel.md).
// Float parameters are written as the exact decimal of their float32 value, so a round trip is
// bit-exact.

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "tflite/graph.h"

namespace aiotops::quant {

// {"type": "int8", "inputs", "standardize": {"mean": [...], "scale": [...]} (empty arrays when
// the first layer takes raw values), "input": {"scale", "zero_point"}, "output": {...}, "layers":
// [{ "inputs", "outputs", "activation": "none"|"relu", "weights": [int8...], "weight_scales":
// [...], "bias": [int32...], "output": {...}}], "metadata": tflite::metadata_to_json()'s document}.
// `graph` must be an int8 graph.
// Never fails; thread-safe.
nlohmann::json int8_graph_to_json(const tflite::Graph& graph);

// Reads int8_graph_to_json() output found at dotted `path` (untrusted: every field is checked,
// and the graph must pass tflite::check_graph). Fails with kCorrupt naming the field, e.g.
// "graph.layers[1].bias[3]". Thread-safe.
Result<tflite::Graph> int8_graph_from_json(const nlohmann::json& json, std::string_view path);

}  // namespace aiotops::quant
