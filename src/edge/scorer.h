#pragma once
// One interface to score a reading, whatever the model file: a native model file (ml::Model,
// scored in double precision) or a .tflite file (float or int8, float or int8 I/O) run by the
// shared inference core through micro::HostModel, the same core and bits as on the MCU.

#include <memory>
#include <span>

#include "common/error.h"
#include "micro/host/host_model.h"
#include "ml/model_file.h"

namespace aiotops::edge {

// Scores rows of raw feature values in the model's feature order. Not thread-safe: one Scorer
// per thread (LoadedModel keeps one per worker lane).
class Scorer {
 public:
  virtual ~Scorer() = default;
  // P(fault) for one row of input_size() raw values. kInvalidArgument for a wrong size,
  // kInternal when the inference core fails. Allocation-free once the thread has scored once.
  virtual Result<double> score(std::span<const double> row) = 0;
  virtual size_t input_size() const = 0;
};

// A scorer over a native model, shared with other scorers (ml::Model::score is thread-safe).
std::unique_ptr<Scorer> make_native_scorer(std::shared_ptr<const ml::Model> model);

// A scorer that owns `model` (its interpreter and arena). Rows are narrowed to float32 (values
// beyond float32 are clamped to its largest magnitude) before the core quantizes them.
std::unique_ptr<Scorer> make_tflite_scorer(micro::HostModel model);

}  // namespace aiotops::edge
