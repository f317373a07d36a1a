#include "edge/scorer.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

namespace aiotops::edge {
namespace {

class NativeScorer final : public Scorer {
 public:
  explicit NativeScorer(std::shared_ptr<const ml::Model> model) : model_(std::move(model)) {}

  Result<double> score(std::span<const double> row) override {
    if (row.size() != input_size()) {
      return fail(ErrorCode::kInvalidArgument, "{} values for {} model inputs", row.size(),
                  input_size());
    }
    return model_->score(row);
  }
  size_t input_size() const override { return model_->metadata().feature_names.size(); }

 private:
  std::shared_ptr<const ml::Model> model_;
};

class TfliteScorer final : public Scorer {
 public:
  explicit TfliteScorer(micro::HostModel model)
      : model_(std::move(model)), row_(model_.input_size()) {}

  Result<double> score(std::span<const double> row) override {
    if (row.size() != row_.size()) {
      return fail(ErrorCode::kInvalidArgument, "{} values for {} model inputs", row.size(),
                  row_.size());
    }
    constexpr double kMax = std::numeric_limits<float>::max();
    for (size_t i = 0; i < row.size(); ++i) {
      row_[i] = static_cast<float>(std::clamp(row[i], -kMax, kMax));
    }
    auto score = model_.score(row_);
    if (!score) return fail(score.error());
    return static_cast<double>(*score);
  }
  size_t input_size() const override { return row_.size(); }

 private:
  micro::HostModel model_;
  std::vector<float> row_;  // the row narrowed to float32, reused
};

}  // namespace

std::unique_ptr<Scorer> make_native_scorer(std::shared_ptr<const ml::Model> model) {
  return std::make_unique<NativeScorer>(std::move(model));
}

std::unique_ptr<Scorer> make_tflite_scorer(micro::HostModel model) {
  return std::make_unique<TfliteScorer>(std::move(model));
}

}  // namespace aiotops::edge
