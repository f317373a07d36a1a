#include "pipeline/executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::ScratchDir;

const fs::path kTestdata = fs::path(AIOTOPS_SOURCE_DIR) / "src/pipeline/testdata";

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// One workflow run in a fresh state directory, with host execution and a fake clock whose
// waits only advance it.
class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() {
    RunStoreOptions store;
    store.state_dir = scratch_ / "state";
    store_ = std::move(*RunStore::open(std::move(store)));
    cancel_ = std::move(*CancelToken::create());
    options_.host_exec = true;
    options_.runner.kill_grace = milliseconds(200);
    options_.now = [this] { return fake_now_; };
    options_.sleep = [this](milliseconds wait, const CancelToken&) {
      std::lock_guard lock(mutex_);
      waits_.push_back(wait);
      fake_now_ += wait;
      return true;
    };
  }

  Result<RunSummary> run(const std::string& file, LoadOptions load = {}) {
    auto loaded = load_workflow(kTestdata / file, load);
    if (!loaded) return fail(loaded.error());
    loaded_ = std::move(*loaded);
    auto run = store_->create_run(loaded_.workflow.display_name(), file,
                                  resolved_workflow_text(loaded_), load.parameters);
    if (!run) return fail(run.error());
    return run_workflow(loaded_, *store_, run->id, *cancel_, options_);
  }
  Result<RunSummary> run_with_log(const std::string& file, const std::string& name = "log") {
    LoadOptions load;
    load.parameters = {{name, (name == "log" ? log() : scratch_.path()).string()}};
    return run(file, load);
  }
  fs::path log() const { return scratch_ / "log"; }

  NodeRecord node(const RunSummary& summary, std::string_view name) {
    auto found = store_->find_node(summary.run_id, name);
    EXPECT_TRUE(found) << name << ": " << found.error().message();
    return found ? *found : NodeRecord{};
  }
  bool has_node(const RunSummary& summary, std::string_view name) {
    return store_->find_node(summary.run_id, name).has_value();
  }

  ScratchDir scratch_;
  std::unique_ptr<RunStore> store_;
  std::unique_ptr<CancelToken> cancel_;
  ExecutorOptions options_;
  LoadedWorkflow loaded_;
  std::mutex mutex_;
  milliseconds fake_now_{0};
  std::vector<milliseconds> waits_;
};

TEST_F(ExecutorTest, DiamondRunsEachTaskAfterItsDependencies) {
  auto summary = run_with_log("diamond.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  auto order = lines_of(log());
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order.front(), "a");
  EXPECT_EQ(order.back(), "d");
  std::vector<std::string> middle(order.begin() + 1, order.end() - 1);
  std::sort(middle.begin(), middle.end());
  EXPECT_EQ(middle, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(node(*summary, "d").phase, NodePhase::kSucceeded);
}

TEST_F(ExecutorTest, MultipleRootsJoin) {
  auto summary = run_with_log("multiple_roots.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  auto order = lines_of(log());
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order.back(), "join");
}

TEST_F(ExecutorTest, FailureBranchRunsAndOmitsTheSuccessBranch) {
  auto summary = run("failure_branches.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(node(*summary, "build").phase, NodePhase::kFailed);
  EXPECT_EQ(node(*summary, "build").exit_code, 3);
  EXPECT_EQ(node(*summary, "handle").phase, NodePhase::kSucceeded);
  EXPECT_EQ(node(*summary, "ship").phase, NodePhase::kOmitted);
  EXPECT_EQ(node(*summary, "report").phase, NodePhase::kSucceeded);
}

TEST_F(ExecutorTest, ContinueOnFailedLetsDependentsRun) {
  auto summary = run("continue_on.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(node(*summary, "flaky").phase, NodePhase::kFailed);
  EXPECT_EQ(node(*summary, "next").phase, NodePhase::kSucceeded);
}

TEST_F(ExecutorTest, FailFastStopsStartingTasks) {
  auto summary = run("fail_fast_true.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  EXPECT_FALSE(has_node(*summary, "other"));
  EXPECT_FALSE(has_node(*summary, "after"));
}

TEST_F(ExecutorTest, WithoutFailFastTheOtherBranchesRunToTheEnd) {
  auto summary = run("fail_fast_false.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  EXPECT_EQ(node(*summary, "other").phase, NodePhase::kSucceeded);
  EXPECT_EQ(node(*summary, "after").phase, NodePhase::kSucceeded);
}

TEST_F(ExecutorTest, RetriesWaitWithBackoffOnTheInjectedClock) {
  auto summary = run_with_log("retries.yaml", "dir");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  const NodeRecord flaky = node(*summary, "flaky");
  EXPECT_EQ(flaky.phase, NodePhase::kSucceeded) << flaky.message;
  EXPECT_EQ(flaky.attempts, 3);
  EXPECT_EQ(flaky.type, "Retry");
  EXPECT_EQ(flaky.result, "attempt 3");  // the outputs of the attempt that succeeded
  // As Argo records retries: one child node per attempt, each with its own end and logs.
  std::set<std::string> logs;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const NodeRecord child = node(*summary, fmt::format("flaky({})", attempt));
    EXPECT_EQ(child.name, fmt::format("{}({})", flaky.name, attempt));
    EXPECT_EQ(child.type, "Pod");
    EXPECT_EQ(child.phase, attempt < 2 ? NodePhase::kFailed : NodePhase::kSucceeded);
    EXPECT_EQ(child.exit_code, attempt < 2 ? 1 : 0);
    EXPECT_EQ(child.result, fmt::format("attempt {}", attempt + 1));
    EXPECT_TRUE(child.started_ms && child.finished_ms);
    EXPECT_EQ(read_file(child.stdout_path).value_or(""), fmt::format("attempt {}\n", attempt + 1));
    logs.insert(child.stdout_path);
  }
  EXPECT_EQ(logs.size(), 3u);
  EXPECT_EQ(flaky.stdout_path, node(*summary, "flaky(2)").stdout_path);
  EXPECT_FALSE(has_node(*summary, "flaky(3)"));
  const NodeRecord capped = node(*summary, "capped");
  EXPECT_EQ(capped.phase, NodePhase::kFailed);
  EXPECT_THAT(capped.message, ::testing::HasSubstr("maxDuration"));
  EXPECT_EQ(node(*summary, "on-error").attempts, 1);
  std::sort(waits_.begin(), waits_.end());
  // flaky: 1 s, 2 s; capped: 10 s, then 20 s would pass 25 s (capped's own clock may have
  // advanced through flaky's waits too, which only shortens it): at least one 10 s wait.
  ASSERT_GE(waits_.size(), 3u);
  EXPECT_EQ(waits_[0], milliseconds(1000));
  EXPECT_EQ(waits_[1], milliseconds(2000));
  EXPECT_EQ(waits_[2], milliseconds(10000));
}

TEST_F(ExecutorTest, WhenOnAPreviousOutputSkipsAndDependentsOfSkippedRun) {
  auto summary = run("when_output.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(node(*summary, "heads").phase, NodePhase::kSucceeded);
  EXPECT_EQ(node(*summary, "tails").phase, NodePhase::kSkipped);
  EXPECT_EQ(node(*summary, "after").phase, NodePhase::kSucceeded);
}

TEST_F(ExecutorTest, FanOutAggregatesParametersAndResults) {
  auto summary = run("fan_out.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(node(*summary, "shout(1:y)").phase, NodePhase::kSucceeded);
  EXPECT_EQ(node(*summary, "pairs(0:k:a,v:1)").result, "a1");
  EXPECT_EQ(node(*summary, "collect").result, R"(["x!","y!","z!"] ["a1","b2"])");
}

TEST_F(ExecutorTest, NestedDagPassesItsOutputUp) {
  auto summary = run("nested.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(node(*summary, "use").result, "got 8");
  EXPECT_EQ(node(*summary, "inner").type, "DAG");
}

TEST_F(ExecutorTest, ExitHandlersSeeTheStatusAndFailures) {
  auto summary = run_with_log("exit_handlers.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  auto lines = lines_of(log());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "cleanup");
  EXPECT_THAT(lines[1], ::testing::StartsWith("Failed ["));
  EXPECT_THAT(lines[1], ::testing::HasSubstr(R"("displayName":"work")"));
}

// The most nodes between a "start" and its "end" in the log at any moment.
size_t most_at_once(const std::vector<std::string>& lines) {
  size_t now = 0, most = 0;
  for (const auto& line : lines) {
    now += line == "start" ? 1 : 0;
    most = std::max(most, now);
    now -= line == "end" ? 1 : 0;
  }
  return most;
}

TEST_F(ExecutorTest, WorkflowParallelismLimitsRunningNodes) {
  options_.parallelism = 8;  // so that only the workflow's limit applies
  auto summary = run_with_log("parallelism.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  auto lines = lines_of(log());
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_LE(most_at_once(lines), 2u);
}

TEST_F(ExecutorTest, TemplateParallelismLimitsItsRunningTasks) {
  options_.parallelism = 8;  // so that only the template's limit applies
  auto summary = run_with_log("template_parallelism.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  auto lines = lines_of(log());
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(most_at_once(lines), 1u);
}

TEST_F(ExecutorTest, ProcessSlotsLimitHostProcesses) {
  options_.parallelism = 1;
  auto summary = run_with_log("parallelism.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(most_at_once(lines_of(log())), 1u);
}

// What a Gate holds: its nodes not yet let go, and the nodes started so far, per group and in
// total.
struct Running {
  std::map<std::string, size_t> now;
  std::map<std::string, size_t> started;
  size_t total = 0;
};

// A stand-in for the nodes' processes (ExecutorOptions::run_process) that records the most
// nodes running at once, in total and per group (a node's group is the task named in its id:
// "<run>.a.item(0:1)" is in group "a"), and holds every node until `release` says that the
// nodes it holds fill the limits; then they all go on. So every limit is reached and the maxima
// are exact with no timing involved: an executor that keeps its limits always makes `release`
// true, because it starts another node whenever they allow one (nodes let go but not yet ended
// end by themselves).
class Gate {
 public:
  Gate(std::vector<std::string> groups, std::function<bool(const Running&)> release)
      : groups_(std::move(groups)), release_(std::move(release)) {}

  void install(ExecutorOptions& options) {
    options.run_process = [this](const NodeRunSpec& spec, const CancelToken&) { return run(spec); };
  }
  size_t most_total() const { return most_total_; }
  size_t most(const std::string& group) const {
    return most_.contains(group) ? most_.at(group) : 0;
  }
  size_t most_groups() const { return most_groups_; }  // groups with a node running at once
  const std::vector<std::string>& started() const { return started_; }  // node ids, in order
  bool stuck() const { return stuck_; }

 private:
  std::string group_of(const std::string& id) const {
    for (const auto& group : groups_) {
      const std::string infix = "." + group;
      for (size_t at = id.find(infix); at != std::string::npos; at = id.find(infix, at + 1)) {
        const size_t end = at + infix.size();
        if (end == id.size() || id[end] == '.' || id[end] == '(') return group;
      }
    }
    return "";
  }

  Result<NodeOutcome> run(const NodeRunSpec& spec) {
    const std::string group = group_of(spec.node_name);
    std::unique_lock lock(mutex_);
    started_.push_back(spec.node_name);
    ++inside_.now[group];
    ++inside_.total;
    most_[group] = std::max(most_[group], inside_.now[group]);
    most_total_ = std::max(most_total_, inside_.total);
    size_t groups = 0;
    for (const auto& [name, count] : inside_.now) groups += count > 0 ? 1 : 0;
    most_groups_ = std::max(most_groups_, groups);
    ++held_.now[group];
    ++held_.started[group];
    ++held_.total;
    const size_t me = entered_++;
    if (release_(held_)) {
      released_ = entered_;
      held_.now.clear();
      held_.total = 0;
      changed_.notify_all();
    }
    // The deadline only stops a broken executor from hanging the test.
    if (!changed_.wait_for(lock, std::chrono::seconds(60), [&] { return me < released_; })) {
      stuck_ = true;
    }
    --inside_.now[group];
    --inside_.total;
    NodeOutcome outcome;
    outcome.phase = NodePhase::kSucceeded;
    outcome.exit_code = 0;
    return outcome;
  }

  const std::vector<std::string> groups_;
  const std::function<bool(const Running&)> release_;
  std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  Running held_;         // what `release` sees
  Running inside_;       // every node inside run(), held or let go: what the maxima count
  size_t entered_ = 0;   // nodes that have entered, in order
  size_t released_ = 0;  // the nodes entered before this one have been let go
  std::map<std::string, size_t> most_;
  size_t most_total_ = 0;
  size_t most_groups_ = 0;
  std::vector<std::string> started_;
  bool stuck_ = false;
};

// Two fan-outs of six items, each under its DAG template's parallelism 2, and spec.parallelism
// 3 over both: the workflow's limit and each template's apply together.
TEST_F(ExecutorTest, FanOutItemsCountAgainstTheTemplateAndTheWorkflowParallelism) {
  options_.parallelism = 16;  // so that only the workflow's and the templates' limits apply
  Gate gate({"a", "b"}, [](const Running& running) {
    if (running.total >= 3) return true;
    for (const char* group : {"a", "b"}) {
      const bool full = running.now.contains(group) && running.now.at(group) >= 2;
      const bool done = running.started.contains(group) && running.started.at(group) == 6;
      if (!full && !done) return false;
    }
    return true;
  });
  gate.install(options_);
  auto summary = run("fan_out_parallelism.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_FALSE(gate.stuck());
  EXPECT_EQ(gate.started().size(), 12u);
  EXPECT_EQ(gate.most("a"), 2u);
  EXPECT_EQ(gate.most("b"), 2u);
  EXPECT_EQ(gate.most_total(), 3u);
  EXPECT_EQ(node(*summary, summary->run_id + ".b.item(5:6)").phase, NodePhase::kSucceeded);
}

// Writes `text` as a workflow file in the scratch directory and returns its path.
fs::path write_workflow(const ScratchDir& scratch, const std::string& text) {
  const fs::path file = scratch / "workflow.yaml";
  EXPECT_TRUE(write_file_atomic(file, text));
  return file;
}

// A steps template's parallelism caps its fan-out, whose items start in item order.
TEST_F(ExecutorTest, StepsTemplateParallelismStartsFanOutItemsInOrder) {
  options_.parallelism = 16;
  const fs::path file = write_workflow(scratch_, R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: steps-parallelism}
spec:
  entrypoint: main
  templates:
    - name: main
      parallelism: 2
      steps:
        - - {name: s, template: work, withItems: [0, 1, 2, 3, 4]}
    - name: work
      container: {image: alpine:3.19, command: ["true"]}
)");
  Gate gate({"s"}, [](const Running& running) {
    return running.total >= 2 || running.started.at("s") == 5;
  });
  gate.install(options_);
  auto summary = run(file.string());  // an absolute path: not under testdata/
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_FALSE(gate.stuck());
  EXPECT_EQ(gate.most_total(), 2u);
  // Item k takes its place only after items 0..k-1 took theirs: each pair to start is the next.
  std::vector<std::string> started = gate.started();
  ASSERT_EQ(started.size(), 5u);
  for (size_t pair = 0; pair < 2; ++pair) {
    std::sort(started.begin() + 2 * pair, started.begin() + 2 * pair + 2);
  }
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_THAT(started[i], ::testing::EndsWith(fmt::format(".s({}:{})", i, i)));
  }
}

// A DAG template's parallelism counts a fan-out's items and its other tasks together.
TEST_F(ExecutorTest, DagTemplateParallelismCountsItemsAndTasksTogether) {
  options_.parallelism = 16;
  const fs::path file = write_workflow(scratch_, R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: dag-parallelism}
spec:
  entrypoint: main
  templates:
    - name: main
      parallelism: 2
      dag:
        tasks:
          - {name: fan, template: work, withItems: [1, 2, 3, 4]}
          - {name: solo, template: work}
          - {name: other, template: work}
    - name: work
      container: {image: alpine:3.19, command: ["true"]}
)");
  Gate gate({"fan", "solo", "other"}, [](const Running& running) {
    size_t started = 0;
    for (const auto& [group, count] : running.started) started += count;
    return running.total >= 2 || started == 6;
  });
  gate.install(options_);
  auto summary = run(file.string());  // an absolute path: not under testdata/
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_FALSE(gate.stuck());
  EXPECT_EQ(gate.started().size(), 6u);
  EXPECT_EQ(gate.most_total(), 2u);
}

// Nested templates each apply their own limit: the outer DAG runs one nested DAG at a time
// (a nested DAG node is one child, however many items it runs), each nested DAG two items.
TEST_F(ExecutorTest, NestedTemplatesEachApplyTheirOwnParallelism) {
  options_.parallelism = 16;
  const fs::path file = write_workflow(scratch_, R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: nested-parallelism}
spec:
  entrypoint: main
  templates:
    - name: main
      parallelism: 1
      dag:
        tasks:
          - {name: x, template: pairs}
          - {name: y, template: pairs}
    - name: pairs
      parallelism: 2
      dag:
        tasks:
          - {name: item, template: work, withItems: [1, 2, 3, 4]}
    - name: work
      container: {image: alpine:3.19, command: ["true"]}
)");
  Gate gate({"x", "y"}, [](const Running& running) {
    for (const auto& [group, count] : running.now) {
      if (count > 0 && count < 2 && running.started.at(group) < 4) return false;
    }
    return true;
  });
  gate.install(options_);
  auto summary = run(file.string());  // an absolute path: not under testdata/
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_FALSE(gate.stuck());
  EXPECT_EQ(gate.started().size(), 8u);
  EXPECT_EQ(gate.most("x"), 2u);
  EXPECT_EQ(gate.most("y"), 2u);
  EXPECT_EQ(gate.most_groups(), 1u);
}

TEST_F(ExecutorTest, OutputsPassParametersResultsAndArtifacts) {
  auto summary = run("outputs.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  const NodeRecord make = node(*summary, "make");
  ASSERT_EQ(make.artifacts.size(), 1u);
  EXPECT_EQ(read_file(make.artifacts[0].second).value_or(""), "payload\n");
  EXPECT_EQ(node(*summary, "read").result, "param stdout payload");
}

TEST_F(ExecutorTest, ParallelNodesEachHaveTheirOwnTmp) {
  auto summary = run("private_tmp.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  for (const char* task : {"one", "two"}) {
    const NodeRecord written = node(*summary, task);
    EXPECT_EQ(written.output_parameters,
              (NamedValues{{"num", std::string(task) == "one" ? "1" : "2"}}))
        << task << ": " << written.message;
    EXPECT_EQ(written.result, summary->run_id);  // {{workflow.name}}
  }
}

TEST_F(ExecutorTest, RetriedRunKeepsSucceededNodes) {
  auto first = run_with_log("resume.yaml", "dir");
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->phase, NodePhase::kFailed);
  ASSERT_TRUE(write_file_atomic(scratch_ / "fixed", ""));
  ASSERT_TRUE(store_->retry(first->run_id));
  auto second = run_workflow(loaded_, *store_, first->run_id, *cancel_, options_);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->phase, NodePhase::kSucceeded) << second->message;
  EXPECT_EQ(lines_of(scratch_ / "log"), std::vector<std::string>{"first"});
  EXPECT_EQ(store_->get_run(first->run_id)->phase, NodePhase::kSucceeded);
}

TEST_F(ExecutorTest, MemoizedNodesAreNotRunAgain) {
  options_.memoize = true;
  auto first = run_with_log("diamond.yaml");
  ASSERT_TRUE(first) << first.error().message();
  auto second = run_with_log("diamond.yaml");
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->phase, NodePhase::kSucceeded);
  EXPECT_EQ(lines_of(log()).size(), 4u);
  EXPECT_THAT(node(*second, "a").message, ::testing::HasSubstr(first->run_id));
}

TEST_F(ExecutorTest, StepsRunGroupsInOrderWithWhen) {
  auto summary = run("steps.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(node(*summary, "tails").phase, NodePhase::kSkipped);
  EXPECT_EQ(node(*summary, "last").result, "h");
}

TEST_F(ExecutorTest, CancelStopsTheRunningNodeAndRecordsTheRun) {
  options_.on_node_change = [this](const NodeRecord& node) {
    if (node.display_name == "nap" && node.phase == NodePhase::kRunning) cancel_->cancel();
  };
  auto summary = run("sleeper.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  EXPECT_EQ(summary->message, "cancelled");
  EXPECT_EQ(store_->get_run(summary->run_id)->message, "cancelled");
}

TEST_F(ExecutorTest, ExitHandlersRunAfterACancelAsAfterArgoStop) {
  options_.on_node_change = [this](const NodeRecord& node) {
    if (node.display_name == "nap" && node.phase == NodePhase::kRunning) cancel_->cancel();
  };
  auto summary = run_with_log("stop_exit_handlers.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  EXPECT_EQ(summary->message, "cancelled");
  EXPECT_EQ(lines_of(log()), (std::vector<std::string>{"cleanup", "finally Failed"}));
  EXPECT_EQ(node(*summary, "nap").phase, NodePhase::kFailed);
  EXPECT_EQ(node(*summary, "nap.onExit").phase, NodePhase::kSucceeded);
  EXPECT_FALSE(has_node(*summary, "after"));
}

TEST_F(ExecutorTest, TerminateStopsTheExitHandlersToo) {
  auto terminate = std::move(*CancelToken::create());
  options_.terminate = terminate.get();
  options_.on_node_change = [&](const NodeRecord& node) {
    if (node.display_name == "nap" && node.phase == NodePhase::kRunning) {
      cancel_->cancel();
      terminate->cancel();
    }
  };
  auto summary = run_with_log("stop_exit_handlers.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  EXPECT_FALSE(fs::exists(log()));
  EXPECT_EQ(node(*summary, "nap.onExit").phase, NodePhase::kFailed);
}

TEST_F(ExecutorTest, ExitHandlersRunAfterTheWorkflowDeadline) {
  auto summary = run_with_log("deadline_exit_handlers.yaml");
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kFailed);
  EXPECT_THAT(node(*summary, "nap").message, ::testing::HasSubstr("exceeded its deadline"));
  EXPECT_EQ(lines_of(log()), (std::vector<std::string>{"cleanup", "finally Failed"}));
}

TEST_F(ExecutorTest, IgnoredFieldsOfWorkflowTemplatesAreListedOnceToo) {
  LoadOptions load;
  load.templates_dir = kTestdata / "templates";
  auto summary = run("template_ref.yaml", load);
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(node(*summary, "hello").result, "hi");
  const std::string workflow = (kTestdata / "template_ref.yaml").string();
  const std::string shared = (kTestdata / "templates/shared.yaml").string();
  // Each field once, with its file and line; a document's nested fields come first.
  EXPECT_THAT(
      ignored_fields(loaded_),
      ::testing::ElementsAre(fmt::format("spec.templates[0].nodeSelector ({}:12)", workflow),
                             fmt::format("spec.serviceAccountName ({}:9)", workflow),
                             fmt::format("metadata.labels ({}:7)", shared),
                             fmt::format("spec.templates[0].container.resources ({}:18)", shared),
                             fmt::format("spec.templates[0].nodeSelector ({}:14)", shared)));
}

TEST_F(ExecutorTest, HostProcessesNeedHostExec) {
  options_.host_exec = false;
  LoadOptions load;
  load.parameters = {{"log", log().string()}};
  auto summary = run("diamond.yaml", load);
  ASSERT_FALSE(summary);
  EXPECT_THAT(summary.error().message(), ::testing::HasSubstr("image 'alpine:3.19'"));
  EXPECT_THAT(summary.error().message(), ::testing::HasSubstr("--host-exec"));
  EXPECT_FALSE(fs::exists(log()));
}

const fs::path kTalkDag = fs::path(AIOTOPS_SOURCE_DIR) / "examples/kubecon-aiotdemo-dag.yaml";

TEST_F(ExecutorTest, BuiltinStepWithoutAnAiotopsBinaryFailsNamingTheStep) {
  options_.host_exec = false;
  auto loaded = load_workflow(kTalkDag, {});
  ASSERT_TRUE(loaded) << loaded.error().message();
  auto created = store_->create_run("talk", kTalkDag.string(), "", {});
  auto summary = run_workflow(*loaded, *store_, created->id, *cancel_, options_);
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kError);
  EXPECT_THAT(node(*summary, "extract").message, ::testing::HasSubstr("built-in step 'extract'"));
  EXPECT_EQ(node(*summary, "validate").phase, NodePhase::kOmitted);
}

TEST_F(ExecutorTest, TalkDagRunsInOrderWithStepsMappedToHostCommands) {
  const fs::path map = scratch_ / "images.yaml";
  std::string text = "images:\n";
  for (const char* module :
       {"extract_module", "validation_module", "training-module", "quantize-module"}) {
    text += fmt::format("  - image: \"*/{}:*\"\n    command: [sh, -c, \"echo {} >> {}\"]\n", module,
                        module, log().string());
  }
  ASSERT_TRUE(write_file_atomic(map, text));
  auto images = ImageMap::load(map);
  ASSERT_TRUE(images) << images.error().message();
  options_.image_map = &*images;
  auto loaded = load_workflow(kTalkDag, {});
  ASSERT_TRUE(loaded) << loaded.error().message();
  auto created = store_->create_run("talk", kTalkDag.string(), "", {});
  auto summary = run_workflow(*loaded, *store_, created->id, *cancel_, options_);
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  EXPECT_EQ(lines_of(log()), (std::vector<std::string>{"extract_module", "validation_module",
                                                       "training-module", "quantize-module"}));
}

// A built-in step is `aiotops <step> <image-map args> <template args>` with AIOTOPS_RUN_ID and
// AIOTOPS_OUTPUTS_DIR set, needs no --host-exec, and its output files are output parameters a
// later `when` can test.
TEST_F(ExecutorTest, BuiltinStepRunsTheAiotopsBinaryAndPassesItsOutputs) {
  options_.host_exec = false;
  const fs::path fake = scratch_ / "fake-aiotops";
  ASSERT_TRUE(
      write_file_atomic(fake, fmt::format("#!/bin/sh\necho \"$* run=$AIOTOPS_RUN_ID\" >> {}\n"
                                          "mkdir -p \"$AIOTOPS_OUTPUTS_DIR\"\n"
                                          "printf true > \"$AIOTOPS_OUTPUTS_DIR/drift\"\n",
                                          log().string())));
  fs::permissions(fake, fs::perms::owner_all);
  options_.aiotops_binary = fake;
  const fs::path map = scratch_ / "images.yaml";
  ASSERT_TRUE(
      write_file_atomic(map,
                        "images:\n  - image: \"*/validation_module:*\"\n    builtin: validate\n"
                        "    args: [--reference, ref.csv]\n"));
  auto images = ImageMap::load(map);
  ASSERT_TRUE(images) << images.error().message();
  options_.image_map = &*images;
  const fs::path workflow = scratch_ / "steps.yaml";
  ASSERT_TRUE(write_file_atomic(workflow, R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: steps}
spec:
  entrypoint: main
  arguments: {parameters: [{name: data}]}
  templates:
    - name: main
      dag:
        tasks:
          - {name: validate, template: validate, arguments: {parameters: [{name: data, value: "{{workflow.parameters.data}}"}]}}
          - name: train
            depends: validate
            template: train
            when: "{{tasks.validate.outputs.parameters.drift}} == true"
    - name: validate
      inputs: {parameters: [{name: data}]}
      outputs: {parameters: [{name: drift, valueFrom: {path: /tmp/aiotops-outputs/drift}}]}
      container:
        image: registry.local/validation_module:latest
        args: [--data, "{{inputs.parameters.data}}", --out, /tmp/model.json]
    - name: train
      container: {image: training-module}
)"));
  // A host file under /tmp passed as a parameter stays as it is; the template's own /tmp path
  // is the node's.
  const std::string data = (scratch_ / "new.csv").string();
  LoadOptions load;
  load.parameters = {{"data", data}};
  auto loaded = load_workflow(workflow, load);
  ASSERT_TRUE(loaded) << loaded.error().message();
  auto created = store_->create_run("steps", workflow.string(), "", {});
  auto summary = run_workflow(*loaded, *store_, created->id, *cancel_, options_);
  ASSERT_TRUE(summary) << summary.error().message();
  EXPECT_EQ(summary->phase, NodePhase::kSucceeded) << summary->message;
  const auto lines = lines_of(log());
  ASSERT_EQ(lines.size(), 2u);
  const std::string validate_prefix =
      fmt::format("validate --reference ref.csv --data {} --out ", data);
  EXPECT_TRUE(lines[0].starts_with(validate_prefix)) << lines[0];
  EXPECT_TRUE(lines[0].ends_with(fmt::format("/tmp/model.json run={}", created->id))) << lines[0];
  EXPECT_THAT(lines[0], ::testing::HasSubstr(created->id + "/nodes/")) << lines[0];
  EXPECT_EQ(lines[1], fmt::format("train run={}", created->id));
}

}  // namespace
}  // namespace aiotops::pipeline
