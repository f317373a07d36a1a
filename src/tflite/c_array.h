#pragma once
// `aiotops export --format c-array`: a model's .tflite bytes as a C header for firmware, with the
// metadata a device checks as macros. The header is valid C (C99 and later) and C++, and defines
// the array `static`, so include it in one translation unit.

#include <string>
#include <string_view>

#include "common/error.h"
#include "tflite/graph.h"

namespace aiotops::tflite {

struct CArrayOptions {
  // C identifier of the byte array; macros are its upper-case form plus a suffix
  // (<SYMBOL>_LEN, <SYMBOL>_FEATURE_COUNT, ...), and <SYMBOL>_H_ guards the header.
  std::string symbol = "aiotops_model";
};

// The header text: the bytes as `static const unsigned char <symbol>[]` aligned to 16 bytes,
// `static const unsigned int <symbol>_len`, and macros for the length, the feature count and
// names (in input order), the threshold, the alert levels, the model name and version and the
// dataset hash; with metadata.device_standardize (a file with raw int8 input), the per-feature
// means and scales the device standardizes its readings with, as <SYMBOL>_INPUT_MEAN and
// <SYMBOL>_INPUT_SCALE initializer lists. Fails with kInvalidArgument when the symbol is not a C
// identifier. Thread-safe.
Result<std::string> to_c_array(std::string_view bytes, const CArrayOptions& options,
                               const GraphMetadata& metadata);

}  // namespace aiotops::tflite
