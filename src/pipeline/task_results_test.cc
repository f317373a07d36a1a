#include "pipeline/task_results.h"

#include <vector>

#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

using P = NodePhase;

TEST(TaskResults, FanOutPhaseAsArgo) {
  EXPECT_EQ(fan_out_phase(std::vector<P>{}), P::kSkipped);
  EXPECT_EQ(fan_out_phase(std::vector<P>{P::kSucceeded, P::kSkipped}), P::kSucceeded);
  EXPECT_EQ(fan_out_phase(std::vector<P>{P::kSkipped, P::kSkipped}), P::kSucceeded);
  EXPECT_EQ(fan_out_phase(std::vector<P>{P::kFailed, P::kSucceeded, P::kError}), P::kError);
  EXPECT_EQ(fan_out_phase(std::vector<P>{P::kError, P::kFailed}), P::kFailed);
}

TEST(TaskResults, OnlyFinishedTasksHaveResults) {
  EXPECT_FALSE(task_results(P::kPending));
  EXPECT_FALSE(task_results(P::kRunning));
  auto omitted = task_results(P::kOmitted);
  ASSERT_TRUE(omitted);
  EXPECT_TRUE(omitted->omitted);
  EXPECT_FALSE(omitted->succeeded || omitted->skipped || omitted->any_succeeded);
}

TEST(TaskResults, AnySucceededAndAllFailed) {
  const std::vector<P> mixed = {P::kFailed, P::kSucceeded};
  auto r = task_results(fan_out_phase(mixed), mixed);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->failed);
  EXPECT_TRUE(r->any_succeeded);
  EXPECT_FALSE(r->all_failed);
  const std::vector<P> failed = {P::kFailed, P::kFailed};
  EXPECT_TRUE(task_results(fan_out_phase(failed), failed)->all_failed);
  const std::vector<P> with_error = {P::kFailed, P::kError};  // an Error is not a Failure
  EXPECT_FALSE(task_results(fan_out_phase(with_error), with_error)->all_failed);
  EXPECT_FALSE(task_results(P::kSkipped, std::vector<P>{})->all_failed);
  // Through `depends`:
  auto expression = DependsExpression::parse("A.AllFailed", nullptr);
  ASSERT_TRUE(expression);
  EXPECT_EQ(expression->evaluate(
                [&](std::string_view) { return task_results(fan_out_phase(failed), failed); }),
            true);
}

TEST(TaskResults, DagOutcomeAsNodePhase) {
  EXPECT_EQ(to_node_phase(TaskResult::kSucceeded), P::kSucceeded);
  EXPECT_EQ(to_node_phase(TaskResult::kFailed), P::kFailed);
  EXPECT_EQ(to_node_phase(TaskResult::kErrored), P::kError);
}

}  // namespace
}  // namespace aiotops::pipeline
