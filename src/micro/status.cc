#include "micro/status.h"

namespace aiotops::micro {

const char* status_message(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kNullArgument:
      return "null argument";
    case Status::kNotInitialized:
      return "interpreter not initialized";
    case Status::kModelTooSmall:
      return "model buffer too small for a flatbuffer";
    case Status::kModelTooLarge:
      return "model buffer larger than a flatbuffer may be";
    case Status::kBadIdentifier:
      return "file identifier is not TFL3";
    case Status::kCorruptModel:
      return "model buffer is truncated or corrupt (flatbuffer verification failed)";
    case Status::kUnsupportedVersion:
      return "unsupported TFLite schema version (expected 3)";
    case Status::kSubgraphCount:
      return "model must have exactly one subgraph";
    case Status::kTooManyTensors:
      return "too many tensors for this build";
    case Status::kTooManyOperators:
      return "no operators, or too many for this build";
    case Status::kTooManyIo:
      return "no graph inputs/outputs, or too many for this build";
    case Status::kBadTensorIndex:
      return "tensor index out of range";
    case Status::kBadBufferIndex:
      return "buffer index out of range";
    case Status::kBadOpcodeIndex:
      return "operator code index out of range";
    case Status::kBadShape:
      return "missing, empty or oversized tensor shape";
    case Status::kUnsupportedType:
      return "unsupported tensor type";
    case Status::kUnsupportedOperator:
      return "unsupported operator";
    case Status::kUnsupportedOptions:
      return "unsupported operator options or fused activation";
    case Status::kBadOperatorArity:
      return "wrong number of operator inputs or outputs";
    case Status::kTypeMismatch:
      return "operand types do not match";
    case Status::kShapeMismatch:
      return "operand shapes do not match";
    case Status::kLayerTooWide:
      return "fully connected layer wider than this build allows";
    case Status::kMissingQuantization:
      return "quantized tensor without quantization parameters";
    case Status::kBadQuantization:
      return "invalid quantization parameters";
    case Status::kBufferSizeMismatch:
      return "constant buffer size does not match its tensor";
    case Status::kMisalignedBuffer:
      return "model buffer or constant data not aligned for its element type";
    case Status::kMissingConstant:
      return "weights or bias tensor without constant data";
    case Status::kBadDataflow:
      return "tensor read before written, written twice, or constant written";
    case Status::kArenaTooSmall:
      return "arena too small for this model";
    case Status::kBadIndex:
      return "input or output index out of range";
    case Status::kSizeMismatch:
      return "value count does not match the tensor";
    case Status::kMetadataNotFound:
      return "metadata entry not found";
  }
  return "unknown status";
}

}  // namespace aiotops::micro
