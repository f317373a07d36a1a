#include "pipeline/depends.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ContinueOnLookup no_continue_on() {
  return [](std::string_view) -> const ContinueOn* { return nullptr; };
}

DependsExpression parse(std::string_view text) {
  auto expression = DependsExpression::parse(text, no_continue_on());
  EXPECT_TRUE(expression) << expression.error().message();
  return expression ? *expression : *DependsExpression::parse("", no_continue_on());
}

TaskResults phase(std::string_view name) {
  TaskResults r;
  r.succeeded = name == "Succeeded";
  r.failed = name == "Failed";
  r.errored = name == "Error";
  r.skipped = name == "Skipped";
  r.omitted = name == "Omitted";
  return r;
}

// Results of finished tasks; tasks not in the map are still running.
TaskResultsLookup results(std::map<std::string, TaskResults, std::less<>> finished) {
  return [finished = std::move(finished)](std::string_view task) -> std::optional<TaskResults> {
    auto it = finished.find(task);
    if (it == finished.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Depends, BareNameMeansSucceededSkippedOrDaemoned) {
  const DependsExpression e = parse("A");
  EXPECT_EQ(e.to_string(), "A.Succeeded || A.Skipped || A.Daemoned");
  EXPECT_EQ(e.evaluate(results({{"A", phase("Succeeded")}})), true);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Skipped")}})), true);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Failed")}})), false);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Error")}})), false);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Omitted")}})), false);  // omission propagates
}

TEST(Depends, PrecedenceAndParentheses) {
  const DependsExpression e = parse("(A.Failed || B.Succeeded) && !C.Skipped");
  EXPECT_EQ(e.to_string(), "(A.Failed || B.Succeeded) && !C.Skipped");
  EXPECT_THAT(e.tasks(), ElementsAre("A", "B", "C"));
  EXPECT_EQ(e.evaluate(results(
                {{"A", phase("Failed")}, {"B", phase("Failed")}, {"C", phase("Succeeded")}})),
            true);
  EXPECT_EQ(e.evaluate(
                results({{"A", phase("Failed")}, {"B", phase("Failed")}, {"C", phase("Skipped")}})),
            false);
  // && binds tighter than ||.
  const DependsExpression f = parse("A.Failed || B.Failed && C.Failed");
  EXPECT_EQ(f.to_string(), "A.Failed || B.Failed && C.Failed");
  EXPECT_EQ(f.evaluate(results(
                {{"A", phase("Failed")}, {"B", phase("Succeeded")}, {"C", phase("Succeeded")}})),
            true);
}

TEST(Depends, WaitsUntilEveryNamedTaskIsFulfilled) {
  // Even when the finished operand already decides, Argo waits for all named tasks.
  const DependsExpression e = parse("A.Succeeded || B.Succeeded");
  EXPECT_EQ(e.evaluate(results({{"A", phase("Succeeded")}})), std::nullopt);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Succeeded")}, {"B", phase("Failed")}})), true);
}

TEST(Depends, CompletedIsSucceededFailedOrErrored) {
  const DependsExpression e = parse("A.Completed");
  EXPECT_EQ(e.evaluate(results({{"A", phase("Succeeded")}})), true);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Failed")}})), true);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Error")}})), true);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Skipped")}})), false);
  EXPECT_EQ(e.evaluate(results({{"A", phase("Omitted")}})), false);
}

TEST(Depends, FanOutResults) {
  const DependsExpression any = parse("A.AnySucceeded");
  const DependsExpression all = parse("A.AllFailed");
  TaskResults mixed = phase("Failed");  // the group fails when any node fails
  mixed.any_succeeded = true;
  EXPECT_EQ(any.evaluate(results({{"A", mixed}})), true);
  EXPECT_EQ(all.evaluate(results({{"A", mixed}})), false);
  TaskResults failed = phase("Failed");
  failed.all_failed = true;
  EXPECT_EQ(any.evaluate(results({{"A", failed}})), false);
  EXPECT_EQ(all.evaluate(results({{"A", failed}})), true);
}

TEST(Depends, DependenciesListIsAConjunctionWithContinueOn) {
  Template dag;
  dag.kind = TemplateKind::kDag;
  DagTask a;
  a.name = "A";
  a.continue_on.failed = true;
  DagTask b;
  b.name = "B";
  b.continue_on.error = true;
  DagTask c;
  c.name = "C";
  c.dependencies = {"A", "B"};
  dag.dag_tasks = {a, b, c};
  auto e = DependsExpression::for_task(c, dag);
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e->to_string(),
            "(A.Succeeded || A.Skipped || A.Daemoned || A.Failed) && "
            "(B.Succeeded || B.Skipped || B.Daemoned || B.Errored)");
  EXPECT_EQ(e->evaluate(results({{"A", phase("Failed")}, {"B", phase("Error")}})), true);
  EXPECT_EQ(e->evaluate(results({{"A", phase("Error")}, {"B", phase("Succeeded")}})), false);

  // A bare name inside `depends` expands the same way.
  c.dependencies.clear();
  c.depends = "A";
  auto d = DependsExpression::for_task(c, dag);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->evaluate(results({{"A", phase("Failed")}})), true);

  c.dependencies = {"B"};
  auto both = DependsExpression::for_task(c, dag);
  ASSERT_FALSE(both);
  EXPECT_THAT(both.error().message(), HasSubstr("both dependencies and depends"));
}

TEST(Depends, EmptyExpressionIsARoot) {
  const DependsExpression e = parse("  ");
  EXPECT_TRUE(e.tasks().empty());
  EXPECT_EQ(e.evaluate(results({})), true);
}

// Argo's examples/dag-continue-on-fail.yaml with enhanced depends: A ok, B fails, C ok,
// D: "B.Failed && C" runs; E fails, F ok, G: "E && F" is omitted.
TEST(Depends, ArgoContinueOnFailExample) {
  auto lookup = results({{"A", phase("Succeeded")},
                         {"B", phase("Failed")},
                         {"C", phase("Succeeded")},
                         {"E", phase("Failed")},
                         {"F", phase("Succeeded")}});
  EXPECT_EQ(parse("B.Failed && C").evaluate(lookup), true);
  EXPECT_EQ(parse("E && F").evaluate(lookup), false);
}

TEST(Depends, NamesWithDashesAndDigits) {
  const DependsExpression e = parse("train-model-2.Succeeded&&!step_3");
  EXPECT_THAT(e.tasks(), ElementsAre("train-model-2", "step_3"));
}

struct BadDepends {
  std::string text;
  std::string message;
};

void PrintTo(const BadDepends& input, std::ostream* os) { *os << input.text; }

class DependsRejects : public ::testing::TestWithParam<BadDepends> {};

TEST_P(DependsRejects, WithColumn) {
  auto e = DependsExpression::parse(GetParam().text, no_continue_on());
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.error().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DependsRejects,
    ::testing::Values(BadDepends{"A &&", "depends 'A &&': column 5: expected a task name"},
                      BadDepends{"A.Sucess", "column 3: unknown task result 'Sucess'"},
                      BadDepends{"(A || B", "expected ')'"},
                      BadDepends{"A B", "column 3: unexpected text"},
                      BadDepends{"A & B", "unexpected text"},
                      BadDepends{"!", "expected a task name"},
                      BadDepends{"A.", "unknown task result ''"}));

}  // namespace
}  // namespace aiotops::pipeline
