#pragma once
// Outcomes of the inference core. Every way a model can be refused has its own code, so a device
// can report why without any string formatting; status_message() gives a fixed English text.

#include <cstdint>

namespace aiotops::micro {

enum class Status : uint8_t {
  kOk = 0,
  kNullArgument,         // a pointer argument was null
  kNotInitialized,       // invoke() or tensor access before a successful init()
  kModelTooSmall,        // fewer bytes than a flatbuffer header
  kModelTooLarge,        // more bytes than a flatbuffer may hold (2 GiB)
  kBadIdentifier,        // file identifier is not "TFL3"
  kCorruptModel,         // the flatbuffers verifier refused the buffer (truncated or corrupt)
  kUnsupportedVersion,   // Model.version is not 3
  kSubgraphCount,        // not exactly one subgraph
  kTooManyTensors,       // more tensors than kMaxTensors
  kTooManyOperators,     // more operators than kMaxOperators (or none)
  kTooManyIo,            // no graph input/output, or more than kMaxIo of them
  kBadTensorIndex,       // a tensor index outside the subgraph's tensors
  kBadBufferIndex,       // a buffer index outside the model's buffers
  kBadOpcodeIndex,       // an operator's opcode index outside the operator codes
  kBadShape,             // a missing, empty or oversized shape
  kUnsupportedType,      // a tensor type other than float32, int8, int32 where it is used
  kUnsupportedOperator,  // an operator other than the supported builtins
  kUnsupportedOptions,   // an activation, weights format or option the core cannot run
  kBadOperatorArity,     // wrong number of inputs or outputs for the operator
  kTypeMismatch,         // operand types that do not go together
  kShapeMismatch,        // operand shapes that do not go together
  kLayerTooWide,         // a FULLY_CONNECTED layer wider than kMaxLayerWidth
  kMissingQuantization,  // an int8/int32 tensor without the scale/zero point it needs
  kBadQuantization,      // non-finite or non-positive scale, zero point out of range, ...
  kBufferSizeMismatch,   // constant data whose size does not match its tensor
  kMisalignedBuffer,     // model buffer, constant data or zero points not aligned for their type
  kMissingConstant,      // weights or bias without data
  kBadDataflow,          // a tensor read before it is written, written twice, or constant
  kArenaTooSmall,        // the arena cannot hold the model's tensors and precomputed data
  kBadIndex,             // input/output index out of range
  kSizeMismatch,         // caller's value count differs from the tensor's element count
  kMetadataNotFound,     // no metadata entry with that name
};

// A fixed, static description of `status` ("ok", "model buffer is truncated or corrupt", ...).
// Never null; thread-safe.
const char* status_message(Status status);

}  // namespace aiotops::micro
