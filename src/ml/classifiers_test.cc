// Behaviour every linear-family classifier shares: it separates separable data, is sensible on
// noisy data, scores batches like single rows, and survives a JSON round trip bit for bit.

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "ml/linear_svm.h"
#include "ml/logistic.h"
#include "ml/metrics.h"
#include "ml/naive_bayes.h"
#include "ml/test_data.h"

namespace aiotops::ml {
namespace {

using testing::LabeledData;
using testing::make_linear_data;

struct KindCase {
  std::string name;
  ModelKind kind;
  std::function<Result<std::unique_ptr<Classifier>>(const LabeledData&)> train;
};

template <typename T>
Result<std::unique_ptr<Classifier>> upcast(Result<std::unique_ptr<T>> trained) {
  if (!trained) return std::unexpected(trained.error());
  return std::unique_ptr<Classifier>(std::move(*trained));
}

std::vector<KindCase> kind_cases() {
  return {
      {"logistic", ModelKind::kLogistic,
       [](const LabeledData& d) { return upcast(train_logistic(d.x, d.labels, d.weights)); }},
      {"svm", ModelKind::kLinearSvm,
       [](const LabeledData& d) { return upcast(train_linear_svm(d.x, d.labels, d.weights)); }},
      {"naive_bayes", ModelKind::kNaiveBayes,
       [](const LabeledData& d) { return upcast(train_naive_bayes(d.x, d.labels, d.weights)); }},
  };
}

class ClassifierKindTest : public ::testing::TestWithParam<KindCase> {};

double auc_on(const Classifier& model, const LabeledData& data) {
  const Vector scores = model.predict_proba_batch(data.x);
  auto auc = roc_auc({scores.data(), static_cast<size_t>(scores.size())}, data.labels);
  EXPECT_TRUE(auc.has_value());
  return auc.value_or(0);
}

TEST_P(ClassifierKindTest, SeparatesLinearlySeparableData) {
  const std::vector<double> w{2.0, -1.0, 0.5};
  auto model = GetParam().train(make_linear_data(2000, w, 0.3, true, 1));
  ASSERT_TRUE(model.has_value()) << model.error().message();
  EXPECT_EQ((*model)->kind(), GetParam().kind);
  EXPECT_EQ((*model)->num_features(), 3u);
  EXPECT_GT(auc_on(**model, make_linear_data(2000, w, 0.3, true, 2)), 0.99);
}

TEST_P(ClassifierKindTest, IsSensibleButNotPerfectOnNoisyData) {
  const std::vector<double> w{1.5, -1.0, 0.5};
  auto model = GetParam().train(make_linear_data(20000, w, -1.0, false, 3));
  ASSERT_TRUE(model.has_value()) << model.error().message();
  const LabeledData test = make_linear_data(20000, w, -1.0, false, 4);
  // The best any model can do: rank by the true probabilities.
  const Vector z = (test.x * Eigen::Map<const Vector>(w.data(), 3)).array() - 1.0;
  const Vector truth = (1.0 / (1.0 + (-z.array()).exp())).matrix();
  const double oracle = roc_auc({truth.data(), 20000}, test.labels).value();
  const double auc = auc_on(**model, test);
  EXPECT_LT(auc, 0.95);
  EXPECT_GT(auc, oracle - 0.02);
  EXPECT_LE(auc, oracle + 0.005);
}

TEST_P(ClassifierKindTest, BatchScoresEqualRowScores) {
  const LabeledData data = make_linear_data(300, {1.0, 1.0}, 0.0, false, 5);
  auto model = GetParam().train(data);
  ASSERT_TRUE(model.has_value()) << model.error().message();
  const Vector batch = (*model)->predict_proba_batch(data.x);
  for (Eigen::Index r = 0; r < data.x.rows(); ++r) {
    const double single = (*model)->predict_proba({data.x.row(r).data(), 2});
    EXPECT_NEAR(batch(r), single, 1e-15) << "row " << r;
    EXPECT_GE(single, 0.0);
    EXPECT_LE(single, 1.0);
  }
}

TEST_P(ClassifierKindTest, JsonRoundTripGivesIdenticalScores) {
  const LabeledData data = make_linear_data(500, {0.7, -0.3, 1.1, 0.2}, 0.4, false, 6);
  auto model = GetParam().train(data);
  ASSERT_TRUE(model.has_value()) << model.error().message();
  // Through text, as in a model file.
  const auto text = (*model)->parameters_to_json().dump();
  auto loaded = classifier_from_json(GetParam().kind, nlohmann::json::parse(text));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ((*loaded)->parameters_to_json(), (*model)->parameters_to_json());
  EXPECT_EQ((*loaded)->parameter_count(), (*model)->parameter_count());
  const Vector before = (*model)->predict_proba_batch(data.x);
  const Vector after = (*loaded)->predict_proba_batch(data.x);
  for (Eigen::Index r = 0; r < before.size(); ++r) EXPECT_EQ(before(r), after(r)) << "row " << r;
}

TEST_P(ClassifierKindTest, RejectsMismatchedSizes) {
  LabeledData data = make_linear_data(50, {1.0}, 0.0, false, 7);
  data.labels.pop_back();
  auto model = GetParam().train(data);
  ASSERT_FALSE(model.has_value());
  EXPECT_EQ(model.error().code(), ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Kinds, ClassifierKindTest, ::testing::ValuesIn(kind_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(ModelKindTest, NamesRoundTrip) {
  for (ModelKind kind :
       {ModelKind::kLogistic, ModelKind::kLinearSvm, ModelKind::kNaiveBayes, ModelKind::kMlp}) {
    EXPECT_EQ(parse_model_kind(to_string(kind)).value(), kind);
  }
  auto bad = parse_model_kind("forest");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("forest"), std::string::npos);
}

TEST(ClassifierFromJsonTest, RejectsNonObjectParameters) {
  auto loaded = classifier_from_json(ModelKind::kLogistic, nlohmann::json::array());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(loaded.error().message().find("parameters"), std::string::npos);
}

}  // namespace
}  // namespace aiotops::ml
