#include "tflite/ops.h"

namespace aiotops::tflite {

using ::tflite::BuiltinOperator;
using ::tflite::TensorType;

int32_t operator_version(BuiltinOperator op, bool int8) {
  if (!int8) return 1;
  switch (op) {
    case BuiltinOperator::FULLY_CONNECTED:
      return 4;
    case BuiltinOperator::QUANTIZE:
    case BuiltinOperator::DEQUANTIZE:
    case BuiltinOperator::LOGISTIC:
    case BuiltinOperator::RELU:
      return 2;
    default:
      return 1;
  }
}

std::string_view operator_name(BuiltinOperator op) {
  switch (op) {
    case BuiltinOperator::ADD:
      return "ADD";
    case BuiltinOperator::DEQUANTIZE:
      return "DEQUANTIZE";
    case BuiltinOperator::FULLY_CONNECTED:
      return "FULLY_CONNECTED";
    case BuiltinOperator::LOGISTIC:
      return "LOGISTIC";
    case BuiltinOperator::RELU:
      return "RELU";
    case BuiltinOperator::QUANTIZE:
      return "QUANTIZE";
  }
  return "UNKNOWN";
}

std::string_view tensor_type_name(TensorType type) {
  if (type < TensorType::MIN || type > TensorType::MAX) return "UNKNOWN";
  return ::tflite::EnumNameTensorType(type);
}

size_t tensor_type_size(TensorType type) {
  switch (type) {
    case TensorType::FLOAT32:
    case TensorType::INT32:
      return 4;
    case TensorType::INT8:
    case TensorType::UINT8:
      return 1;
    default:
      return 0;
  }
}

}  // namespace aiotops::tflite
