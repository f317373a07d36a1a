#pragma once
// Facts about the TFLite operators and tensor types aiotops writes: names for display and the
// operator versions TFLite (and Arm NN, TFLite Micro) expect for each input type.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tflite/tflite_subset_generated.h"

namespace aiotops::tflite {

// The TFLite schema version written into Model.version.
inline constexpr uint32_t kSchemaVersion = 3;

// The operator version TFLite registers for `op` on `int8` (true) or float32 inputs: 4 for int8
// FULLY_CONNECTED, 2 for int8 QUANTIZE/DEQUANTIZE/LOGISTIC/RELU, else 1. Pure; thread-safe.
int32_t operator_version(::tflite::BuiltinOperator op, bool int8);

// "FULLY_CONNECTED", ...; "UNKNOWN" for codes outside the subset. Thread-safe.
std::string_view operator_name(::tflite::BuiltinOperator op);

// "FLOAT32", "INT8", ...; "UNKNOWN" for values outside the schema's enum. Thread-safe.
std::string_view tensor_type_name(::tflite::TensorType type);

// Size of one element of `type` in bytes, 0 for types outside the subset. Thread-safe.
size_t tensor_type_size(::tflite::TensorType type);

}  // namespace aiotops::tflite
