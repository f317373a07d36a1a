#include "ml/classifier.h"

#include "ml/linear_svm.h"
#include "ml/logistic.h"
#include "ml/mlp.h"
#include "ml/naive_bayes.h"

namespace aiotops::ml {

std::string_view to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::kLogistic:
      return "logistic";
    case ModelKind::kLinearSvm:
      return "svm";
    case ModelKind::kNaiveBayes:
      return "naive-bayes";
    case ModelKind::kMlp:
      return "mlp";
  }
  return "unknown";
}

Result<ModelKind> parse_model_kind(std::string_view name) {
  for (ModelKind kind :
       {ModelKind::kLogistic, ModelKind::kLinearSvm, ModelKind::kNaiveBayes, ModelKind::kMlp}) {
    if (name == to_string(kind)) return kind;
  }
  return fail(ErrorCode::kInvalidArgument,
              "unknown model kind '{}' (expected logistic, svm, naive-bayes or mlp)", name);
}

Vector Classifier::predict_proba_batch(const Matrix& x) const {
  Vector scores(x.rows());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    scores(r) = predict_proba({x.row(r).data(), static_cast<size_t>(x.cols())});
  }
  return scores;
}

Result<std::unique_ptr<Classifier>> classifier_from_json(ModelKind kind,
                                                         const nlohmann::json& parameters) {
  if (!parameters.is_object()) {
    return fail(ErrorCode::kCorrupt, "field 'parameters' is not an object");
  }
  switch (kind) {
    case ModelKind::kLogistic:
      return logistic_from_json(parameters);
    case ModelKind::kLinearSvm:
      return linear_svm_from_json(parameters);
    case ModelKind::kNaiveBayes:
      return naive_bayes_from_json(parameters);
    case ModelKind::kMlp:
      return mlp_from_json(parameters);
  }
  return fail(ErrorCode::kInternal, "classifier_from_json: unknown kind");
}

}  // namespace aiotops::ml
