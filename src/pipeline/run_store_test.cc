#include "pipeline/run_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "support/eventually.h"
#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;

class RunStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunStore> open_store() {
    auto store = RunStore::open({.state_dir = dir_ / "state", .now_ms = [this] { return now_; }});
    EXPECT_TRUE(store) << store.error().message();
    return store ? std::move(*store) : nullptr;
  }
  RunRecord create(RunStore& store, std::string_view name = "hello") {
    auto run = store.create_run(name, "/wf/hello.yaml", "kind: Workflow\n", {{"message", "hi"}});
    EXPECT_TRUE(run) << run.error().message();
    return run.value_or(RunRecord{});
  }

  ScratchDir dir_;
  int64_t now_ = 1'000'000;
};

NodeRecord node(std::string id, NodePhase phase, std::string display = "") {
  NodeRecord record;
  record.name = "run." + (display.empty() ? id : display);
  record.display_name = display.empty() ? id : display;
  record.id = std::move(id);
  record.template_name = "tmpl";
  record.type = "Pod";
  record.phase = phase;
  return record;
}

TEST_F(RunStoreTest, RunIdsLookLikeArgoGenerateName) {
  auto store = open_store();
  const RunRecord first = create(*store, "hello");
  const RunRecord second = create(*store, "hello");
  const RunRecord generated = create(*store, "steps-");
  EXPECT_NE(first.id, second.id);
  ASSERT_EQ(first.id.size(), std::string("hello-").size() + 5);
  EXPECT_EQ(first.id.substr(0, 6), "hello-");
  EXPECT_EQ(first.id.substr(6).find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos);
  EXPECT_EQ(generated.id.substr(0, 6), "steps-");
  EXPECT_EQ(generated.id.size(), 11u);
  EXPECT_TRUE(fs::is_directory(store->run_dir(first.id)));
  EXPECT_EQ(first.phase, NodePhase::kPending);
  EXPECT_EQ(first.owner_pid, ::getpid());
}

TEST_F(RunStoreTest, RunRoundTripsAndSurvivesReopening) {
  std::string id;
  {
    auto store = open_store();
    id = create(*store).id;
    now_ = 2000;
    ASSERT_TRUE(store->set_run_phase(id, NodePhase::kRunning));
    now_ = 3000;
    ASSERT_TRUE(store->set_run_phase(id, NodePhase::kFailed, "child 'b' failed"));
  }
  auto store = open_store();
  auto run = store->get_run(id);
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(run->workflow_name, "hello");
  EXPECT_EQ(run->workflow_path, "/wf/hello.yaml");
  EXPECT_EQ(run->workflow_text, "kind: Workflow\n");
  EXPECT_EQ(run->parameters, (NamedValues{{"message", "hi"}}));
  EXPECT_EQ(run->phase, NodePhase::kFailed);
  EXPECT_EQ(run->message, "child 'b' failed");
  EXPECT_EQ(run->created_ms, 1'000'000);
  EXPECT_EQ(run->started_ms, 2000);
  EXPECT_EQ(run->finished_ms, 3000);
}

TEST_F(RunStoreTest, NodesRoundTripInFirstStoredOrder) {
  auto store = open_store();
  const std::string id = create(*store).id;
  NodeRecord full = node("n-1", NodePhase::kSucceeded, "train");
  full.message = "";
  full.started_ms = 10;
  full.finished_ms = 20;
  full.exit_code = 0;
  full.output_parameters = {{"accuracy", "0.93"}, {"model", "m.tflite"}};
  full.result = "done";
  full.artifacts = {{"model", "/state/x/model.tflite"}};
  full.attempts = 2;
  full.memo_key = memo_key("tmpl", {});
  full.stdout_path = "/state/x/stdout";
  full.stderr_path = "/state/x/stderr";
  ASSERT_TRUE(store->put_node(id, node("n-0", NodePhase::kRunning)));
  ASSERT_TRUE(store->put_node(id, full));
  NodeRecord updated = node("n-0", NodePhase::kFailed);
  updated.exit_code = 3;
  updated.message = "Error (exit code 3)";
  ASSERT_TRUE(store->put_node(id, updated));  // replaces, keeps its place

  auto run = store->get_run(id);
  ASSERT_TRUE(run) << run.error().message();
  ASSERT_EQ(run->nodes.size(), 2u);
  EXPECT_EQ(run->nodes[0].id, "n-0");
  EXPECT_EQ(run->nodes[0].phase, NodePhase::kFailed);
  EXPECT_EQ(run->nodes[0].exit_code, 3);
  EXPECT_FALSE(run->nodes[0].result.has_value());
  const NodeRecord& got = run->nodes[1];
  EXPECT_EQ(got.name, "run.train");
  EXPECT_EQ(got.display_name, "train");
  EXPECT_EQ(got.template_name, "tmpl");
  EXPECT_EQ(got.type, "Pod");
  EXPECT_EQ(got.started_ms, 10);
  EXPECT_EQ(got.finished_ms, 20);
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_EQ(got.output_parameters, full.output_parameters);
  EXPECT_EQ(got.result, "done");
  EXPECT_EQ(got.artifacts, full.artifacts);
  EXPECT_EQ(got.attempts, 2);
  EXPECT_EQ(got.memo_key, full.memo_key);
  EXPECT_EQ(got.stdout_path, "/state/x/stdout");
  EXPECT_EQ(got.stderr_path, "/state/x/stderr");
}

TEST_F(RunStoreTest, UnknownRunsAreNamed) {
  auto store = open_store();
  auto run = store->get_run("nope-abcde");
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(run.error().message().find("nope-abcde"), std::string::npos);
  EXPECT_EQ(store->set_run_phase("nope-abcde", NodePhase::kRunning).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store->put_node("nope-abcde", node("a", NodePhase::kRunning)).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store->retry("nope-abcde").error().code(), ErrorCode::kNotFound);
}

TEST_F(RunStoreTest, FindsNodesByIdNameOrDisplayName) {
  auto store = open_store();
  const std::string id = create(*store).id;
  ASSERT_TRUE(store->put_node(id, node("id-a", NodePhase::kSucceeded, "a")));
  NodeRecord loop0 = node("id-b0", NodePhase::kSucceeded, "b");
  NodeRecord loop1 = node("id-b1", NodePhase::kSucceeded, "b");
  loop1.name = "run.b(1)";
  ASSERT_TRUE(store->put_node(id, loop0));
  ASSERT_TRUE(store->put_node(id, loop1));
  EXPECT_EQ(store->find_node(id, "id-a")->display_name, "a");
  EXPECT_EQ(store->find_node(id, "run.a")->id, "id-a");
  EXPECT_EQ(store->find_node(id, "a")->id, "id-a");
  EXPECT_EQ(store->find_node(id, "run.b(1)")->id, "id-b1");
  auto ambiguous = store->find_node(id, "b");
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(ambiguous.error().message().find("id-b0, id-b1"), std::string::npos);
  auto unknown = store->find_node(id, "zzz");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message().find("zzz"), std::string::npos);
  EXPECT_NE(unknown.error().message().find("a, b, b"), std::string::npos);
}

TEST_F(RunStoreTest, ListsNewestFirstWithoutDetails) {
  auto store = open_store();
  const std::string old_id = create(*store, "a").id;
  now_ += 1000;
  const std::string new_id = create(*store, "b").id;
  ASSERT_TRUE(store->put_node(new_id, node("x", NodePhase::kRunning)));
  auto runs = store->list_runs();
  ASSERT_TRUE(runs) << runs.error().message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, new_id);
  EXPECT_EQ((*runs)[1].id, old_id);
  EXPECT_TRUE((*runs)[0].nodes.empty());
  EXPECT_TRUE((*runs)[0].workflow_text.empty());
}

TEST_F(RunStoreTest, RetryKeepsSucceededAndSkippedNodesOnly) {
  auto store = open_store();
  const std::string id = create(*store).id;
  for (auto [name, phase] :
       std::vector<std::pair<std::string, NodePhase>>{{"ok", NodePhase::kSucceeded},
                                                      {"bad", NodePhase::kFailed},
                                                      {"err", NodePhase::kError},
                                                      {"omitted", NodePhase::kOmitted},
                                                      {"skipped", NodePhase::kSkipped},
                                                      {"dag", NodePhase::kFailed}}) {
    ASSERT_TRUE(store->put_node(id, node(name, phase)));
  }
  ASSERT_TRUE(store->set_run_phase(id, NodePhase::kRunning));
  auto busy = store->retry(id);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), ErrorCode::kAlreadyExists);

  ASSERT_TRUE(store->set_run_phase(id, NodePhase::kFailed, "bad failed"));
  auto retried = store->retry(id);
  ASSERT_TRUE(retried) << retried.error().message();
  EXPECT_EQ(retried->phase, NodePhase::kPending);
  EXPECT_FALSE(retried->finished_ms.has_value());
  EXPECT_EQ(retried->message, "");
  ASSERT_EQ(retried->nodes.size(), 2u);
  EXPECT_EQ(retried->nodes[0].id, "ok");
  EXPECT_EQ(retried->nodes[1].id, "skipped");

  ASSERT_TRUE(store->set_run_phase(id, NodePhase::kSucceeded));
  auto done = store->retry(id);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(RunStoreTest, RetryKeepsTheFailedAttemptsOfASucceededRetryNode) {
  auto store = open_store();
  const std::string id = create(*store).id;
  NodeRecord kept = node("dag.a", NodePhase::kSucceeded);
  kept.type = "Retry";
  NodeRecord again = node("dag.b", NodePhase::kFailed);
  again.type = "Retry";
  for (const NodeRecord& record :
       {kept, node("dag.a(0)", NodePhase::kFailed), node("dag.a(1)", NodePhase::kSucceeded), again,
        node("dag.b(0)", NodePhase::kFailed), node("dag.ab(0)", NodePhase::kFailed)}) {
    ASSERT_TRUE(store->put_node(id, record));
  }
  ASSERT_TRUE(store->set_run_phase(id, NodePhase::kFailed, "b failed"));
  auto retried = store->retry(id);
  ASSERT_TRUE(retried) << retried.error().message();
  std::vector<std::string> ids;
  for (const NodeRecord& record : retried->nodes) ids.push_back(record.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"dag.a", "dag.a(0)", "dag.a(1)"}));
}

// A process that owns a run is killed while the run and one of its nodes are Running.
TEST_F(RunStoreTest, RunOfAKilledProcessBecomesErrorAndCanBeRetried) {
  const fs::path state = dir_ / "state";
  int ids[2];
  ASSERT_EQ(::pipe(ids), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    RunStoreOptions options;
    options.state_dir = state;
    auto store = RunStore::open(options);
    if (!store) ::_exit(1);
    auto run = (*store)->create_run("crash", "c.yaml", "", {});
    if (!run || !(*store)->set_run_phase(run->id, NodePhase::kRunning) ||
        !(*store)->put_node(run->id, node("done", NodePhase::kSucceeded)) ||
        !(*store)->put_node(run->id, node("busy", NodePhase::kRunning))) {
      ::_exit(2);
    }
    [[maybe_unused]] auto n = ::write(ids[1], run->id.data(), run->id.size());
    ::kill(::getpid(), SIGKILL);
  }
  ::close(ids[1]);
  char buffer[128];
  const ssize_t n = ::read(ids[0], buffer, sizeof buffer);
  ::close(ids[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed before it was killed: " << status;
  ASSERT_GT(n, 0);
  const std::string id(buffer, static_cast<size_t>(n));

  auto store = open_store();
  auto runs = store->list_runs();
  ASSERT_TRUE(runs) << runs.error().message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].phase, NodePhase::kError);
  EXPECT_NE((*runs)[0].message.find(std::to_string(child)), std::string::npos)
      << (*runs)[0].message;
  auto busy = store->find_node(id, "busy");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->phase, NodePhase::kError);

  auto retried = store->retry(id);
  ASSERT_TRUE(retried) << retried.error().message();
  EXPECT_EQ(retried->owner_pid, ::getpid());
  ASSERT_EQ(retried->nodes.size(), 1u);
  EXPECT_EQ(retried->nodes[0].id, "done");
  // Owned by a live process now: reading it again leaves it alone.
  EXPECT_EQ(store->get_run(id)->phase, NodePhase::kPending);
}

// A writer killed at an arbitrary moment of a stream of updates leaves a store that opens, and
// every record in it whole.
TEST_F(RunStoreTest, KilledWriterLeavesWholeRecords) {
  const fs::path state = dir_ / "state";
  for (int round = 0; round < 5; ++round) {
    int ids[2];
    ASSERT_EQ(::pipe(ids), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      RunStoreOptions options;
      options.state_dir = state;
      auto store = RunStore::open(options);
      if (!store) ::_exit(1);
      auto run = (*store)->create_run("stream", "s.yaml", std::string(4096, 'w'), {});
      if (!run) ::_exit(2);
      [[maybe_unused]] auto n = ::write(ids[1], run->id.data(), run->id.size());
      for (int i = 0;; ++i) {
        NodeRecord record = node(fmt::format("n{}", i % 50), NodePhase::kSucceeded);
        record.output_parameters = {{"i", std::to_string(i)}, {"pad", std::string(512, 'p')}};
        record.result = std::to_string(i);
        if (!(*store)->put_node(run->id, record)) ::_exit(3);
      }
    }
    ::close(ids[1]);
    char buffer[128];
    const ssize_t n = ::read(ids[0], buffer, sizeof buffer);
    ::close(ids[0]);
    ASSERT_GT(n, 0);
    const std::string id(buffer, static_cast<size_t>(n));
    {
      auto observer = open_store();
      // Kill it once it is well into its updates (nodes are replaced after the first 50).
      EXPECT_TRUE(testing::eventually(
          [&] {
            auto node = observer->find_node(id, "n49");
            return node.has_value();
          },
          std::chrono::milliseconds(60000)));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << status;
    auto store = open_store();
    auto run = store->get_run(id);
    ASSERT_TRUE(run) << run.error().message();
    EXPECT_EQ(run->phase, NodePhase::kError);
    EXPECT_EQ(run->workflow_text.size(), 4096u);
    ASSERT_EQ(run->nodes.size(), 50u);
    for (const NodeRecord& record : run->nodes) {
      ASSERT_EQ(record.output_parameters.size(), 2u);
      EXPECT_EQ(record.result, record.output_parameters[0].second);
      EXPECT_EQ(record.output_parameters[1].second.size(), 512u);
    }
  }
}

TEST_F(RunStoreTest, MemoizedNodesAreFoundAcrossRuns) {
  auto store = open_store();
  const std::string key = memo_key("container: {image: x}", {{"a", "1"}});
  const std::string first = create(*store).id;
  const std::string second = create(*store).id;
  NodeRecord good = node("n", NodePhase::kSucceeded);
  good.memo_key = key;
  good.finished_ms = 5;
  good.output_parameters = {{"out", "42"}};
  NodeRecord failed = node("n", NodePhase::kFailed);
  failed.memo_key = key;
  failed.finished_ms = 9;
  ASSERT_TRUE(store->put_node(first, good));
  ASSERT_TRUE(store->put_node(second, failed));
  auto hit = store->find_memoized(key);
  ASSERT_TRUE(hit) << hit.error().message();
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->run_id, first);
  EXPECT_EQ((*hit)->node.output_parameters, good.output_parameters);
  EXPECT_FALSE(store->find_memoized(memo_key("container: {image: x}", {{"a", "2"}}))->has_value());
  EXPECT_FALSE(store->find_memoized("")->has_value());
}

TEST(MemoKeyTest, DependsOnEveryFieldAndItsBoundaries) {
  const std::string key = memo_key("t", {{"ab", "c"}});
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key, memo_key("t", {{"ab", "c"}}));
  EXPECT_NE(key, memo_key("t", {{"a", "bc"}}));
  EXPECT_NE(key, memo_key("t2", {{"ab", "c"}}));
  EXPECT_NE(memo_key("t", {}), memo_key("t", {{"", ""}}));
}

TEST_F(RunStoreTest, NodeDirsAreFreshPerAttemptAndFileNameSafe) {
  auto store = open_store();
  const std::string id = create(*store).id;
  const fs::path first = store->next_node_dir(id, "hello.step/1");
  EXPECT_EQ(first.filename(), "1");
  EXPECT_EQ(first.parent_path().parent_path(), store->run_dir(id) / "nodes");
  EXPECT_EQ(first.parent_path().filename().string().find('/'), std::string::npos);
  fs::create_directories(first);
  EXPECT_EQ(store->next_node_dir(id, "hello.step/1").filename(), "2");
  EXPECT_NE(store->next_node_dir(id, "hello.step_1").parent_path(), first.parent_path());
}

TEST_F(RunStoreTest, TwoStoresOnOneDirectoryFromManyThreads) {
  auto a = open_store();
  auto b = open_store();
  const std::string id = create(*a).id;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RunStore& store = t % 2 == 0 ? *a : *b;
      for (int i = 0; i < 25; ++i) {
        auto s = store.put_node(id, node(fmt::format("t{}-{}", t, i), NodePhase::kSucceeded));
        EXPECT_TRUE(s) << s.error().message();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(b->get_run(id)->nodes.size(), 100u);
}

TEST(DefaultStateDirTest, PrefersXdgStateHome) {
  EXPECT_EQ(*default_state_dir("/x/state", "/home/u"), fs::path("/x/state/aiotops/runs"));
  EXPECT_EQ(*default_state_dir("", "/home/u"), fs::path("/home/u/.local/state/aiotops/runs"));
  EXPECT_EQ(default_state_dir(nullptr, nullptr).error().code(), ErrorCode::kInvalidArgument);
}

TEST(NodePhaseTest, ArgoSpellingsRoundTrip) {
  for (NodePhase phase :
       {NodePhase::kPending, NodePhase::kRunning, NodePhase::kSucceeded, NodePhase::kFailed,
        NodePhase::kError, NodePhase::kSkipped, NodePhase::kOmitted}) {
    EXPECT_EQ(*parse_node_phase(to_string(phase)), phase);
  }
  EXPECT_EQ(to_string(NodePhase::kError), "Error");
  EXPECT_FALSE(parse_node_phase("error"));
  EXPECT_FALSE(is_finished(NodePhase::kRunning));
  EXPECT_TRUE(is_finished(NodePhase::kOmitted));
}

}  // namespace
}  // namespace aiotops::pipeline
