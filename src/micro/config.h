#pragma once
// Compile-time capacities of the inference core. Each can be overridden with a -D of the same
// name when a device needs a larger model (or a smaller interpreter object): the interpreter's
// own size grows with kMaxTensors and kMaxOperators; models beyond them are refused at init.

#include <cstddef>

#ifndef AIOTOPS_MICRO_MAX_TENSORS
#define AIOTOPS_MICRO_MAX_TENSORS 32
#endif
#ifndef AIOTOPS_MICRO_MAX_OPERATORS
#define AIOTOPS_MICRO_MAX_OPERATORS 16
#endif
#ifndef AIOTOPS_MICRO_MAX_IO
#define AIOTOPS_MICRO_MAX_IO 4
#endif
#ifndef AIOTOPS_MICRO_MAX_LAYER_WIDTH
#define AIOTOPS_MICRO_MAX_LAYER_WIDTH 1024
#endif
#ifndef AIOTOPS_MICRO_MAX_ACTIVATION_ELEMENTS
#define AIOTOPS_MICRO_MAX_ACTIVATION_ELEMENTS 65536
#endif

namespace aiotops::micro {

// Tensors in the model's one subgraph (weights and biases included).
inline constexpr size_t kMaxTensors = AIOTOPS_MICRO_MAX_TENSORS;
// Operators in the subgraph.
inline constexpr size_t kMaxOperators = AIOTOPS_MICRO_MAX_OPERATORS;
// Graph inputs, and separately graph outputs.
inline constexpr size_t kMaxIo = AIOTOPS_MICRO_MAX_IO;
// Inputs or outputs of one FULLY_CONNECTED layer. With int8 operands the dot product of a layer
// of this width cannot overflow int32 (1024 * 255 * 128 < 2^31).
inline constexpr size_t kMaxLayerWidth = AIOTOPS_MICRO_MAX_LAYER_WIDTH;
// Elements of any one tensor (bounds every size computation well inside 32 bits).
inline constexpr size_t kMaxTensorElements = AIOTOPS_MICRO_MAX_ACTIVATION_ELEMENTS;
// Alignment of everything the core places in the arena, and of the arena start it wants.
inline constexpr size_t kArenaAlignment = 16;

static_assert(kMaxTensors <= 65535 && kMaxOperators <= 65535, "indices are 16-bit");
static_assert(kMaxLayerWidth * 255 * 128 < (size_t{1} << 31), "int8 dot products must fit int32");

}  // namespace aiotops::micro
