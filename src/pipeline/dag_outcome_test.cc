#include "pipeline/dag_outcome.h"

#include <map>

#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

DagTask task(std::string name, std::string depends = "") {
  DagTask t;
  t.name = std::move(name);
  t.template_name = "leaf";
  t.depends = std::move(depends);
  return t;
}

Template dag(std::vector<DagTask> tasks) {
  Template t;
  t.name = "main";
  t.kind = TemplateKind::kDag;
  t.dag_tasks = std::move(tasks);
  return t;
}

TaskResults phase(char code) {  // S(ucceeded) F(ailed) E(rror) K (skipped) O(mitted)
  TaskResults r;
  r.succeeded = code == 'S';
  r.failed = code == 'F';
  r.errored = code == 'E';
  r.skipped = code == 'K';
  r.omitted = code == 'O';
  return r;
}

std::optional<TaskResult> outcome(const Template& t, std::map<std::string, char> phases) {
  return dag_outcome(t, [&](std::string_view name) -> std::optional<TaskResults> {
    auto it = phases.find(std::string(name));
    if (it == phases.end()) return std::nullopt;
    return phase(it->second);
  });
}

TEST(DagOutcome, DiamondSucceeds) {
  const Template t = dag({task("A"), task("B", "A"), task("C", "A"), task("D", "B && C")});
  EXPECT_EQ(outcome(t, {{"A", 'S'}, {"B", 'S'}, {"C", 'S'}, {"D", 'S'}}), TaskResult::kSucceeded);
}

TEST(DagOutcome, AnOmittedLeafInheritsTheFailureAboveIt) {
  const Template t = dag({task("A"), task("B", "A"), task("C", "B")});
  EXPECT_EQ(outcome(t, {{"A", 'F'}, {"B", 'O'}, {"C", 'O'}}), TaskResult::kFailed);
  EXPECT_EQ(outcome(t, {{"A", 'E'}, {"B", 'O'}, {"C", 'O'}}), TaskResult::kErrored);
}

TEST(DagOutcome, AFailureBranchThatRanHandlesTheFailure) {
  // Argo's dag-continue-on-fail with depends: D runs on B.Failed and succeeds.
  const Template t = dag({task("A"), task("B", "A"), task("C", "A"), task("D", "B.Failed && C"),
                          task("E", "B.Succeeded")});
  // E is omitted below a failed B: its branch is Failed, so the DAG fails...
  EXPECT_EQ(outcome(t, {{"A", 'S'}, {"B", 'F'}, {"C", 'S'}, {"D", 'S'}, {"E", 'O'}}),
            TaskResult::kFailed);
  // ...while without E the handled failure leaves a succeeding DAG.
  const Template handled =
      dag({task("A"), task("B", "A"), task("C", "A"), task("D", "B.Failed && C")});
  EXPECT_EQ(outcome(handled, {{"A", 'S'}, {"B", 'F'}, {"C", 'S'}, {"D", 'S'}}),
            TaskResult::kSucceeded);
}

TEST(DagOutcome, SkippedLeavesTakeTheirBranch) {
  const Template t = dag({task("A"), task("B", "A")});
  EXPECT_EQ(outcome(t, {{"A", 'S'}, {"B", 'K'}}), TaskResult::kSucceeded);
  EXPECT_EQ(outcome(dag({task("A")}), {{"A", 'K'}}), TaskResult::kSucceeded);
}

TEST(DagOutcome, FailurePreferredWhenBranchesMeet) {
  const Template t = dag({task("A"), task("B"), task("C", "A.Succeeded && B.Succeeded")});
  EXPECT_EQ(outcome(t, {{"A", 'S'}, {"B", 'F'}, {"C", 'O'}}), TaskResult::kFailed);
}

TEST(DagOutcome, ContinueOnLeafDoesNotFailTheDag) {
  DagTask b = task("B", "A");
  b.continue_on.failed = true;
  const Template t = dag({task("A"), b});
  EXPECT_EQ(outcome(t, {{"A", 'S'}, {"B", 'F'}}), TaskResult::kSucceeded);
  EXPECT_EQ(outcome(t, {{"A", 'S'}, {"B", 'E'}}), TaskResult::kErrored);
}

TEST(DagOutcome, UnstartedLeavesAndFailFast) {
  const Template fast = dag({task("A"), task("B")});
  EXPECT_EQ(outcome(fast, {{"A", 'S'}}), std::nullopt);
  EXPECT_EQ(outcome(fast, {{"B", 'F'}}), TaskResult::kFailed);  // A never started
  Template slow = dag({task("A"), task("B")});
  slow.fail_fast = false;
  EXPECT_EQ(outcome(slow, {{"B", 'F'}}), std::nullopt);                      // waits for A
  EXPECT_EQ(outcome(slow, {{"A", 'F'}, {"B", 'E'}}), TaskResult::kErrored);  // the last one
}

TEST(DagOutcome, EmptyDagSucceeds) { EXPECT_EQ(outcome(dag({}), {}), TaskResult::kSucceeded); }

}  // namespace
}  // namespace aiotops::pipeline
