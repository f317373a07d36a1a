#include "pipeline/node_runner.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/files.h"
#include "support/eventually.h"
#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::ScratchDir;

std::unique_ptr<CancelToken> token() { return std::move(*CancelToken::create()); }

NodeRunSpec shell(const fs::path& node_dir, std::string script) {
  NodeRunSpec spec;
  spec.node_name = "test.node";
  spec.command = {"sh", "-c", std::move(script)};
  spec.node_dir = node_dir;
  return spec;
}

std::string contents(const fs::path& path) { return read_file(path).value_or("<missing>"); }

// The pids a test script wrote to `path`, one per line.
std::vector<pid_t> pids_in(const fs::path& path) {
  std::ifstream in(path);
  std::vector<pid_t> pids;
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

// True when no process (running or zombie) has this pid: it ended and was reaped.
bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Runs `spec` on a thread until the script has written `count` pids to work/pids, then cancels.
NodeOutcome run_then_cancel(const NodeRunner& runner, const NodeRunSpec& spec, size_t count) {
  auto cancel = token();
  Result<NodeOutcome> outcome = fail(ErrorCode::kInternal, "not run");
  std::thread node([&] { outcome = runner.run(spec, cancel.get()); });
  EXPECT_TRUE(
      testing::eventually([&] { return pids_in(spec.node_dir / "work" / "pids").size() >= count; },
                          milliseconds(20000)));
  cancel->cancel();
  node.join();
  EXPECT_TRUE(outcome) << outcome.error().message();
  return outcome.value_or(NodeOutcome{});
}

TEST(NodeRunnerTest, CapturesStdoutStderrAndResult) {
  ScratchDir dir;
  auto outcome = NodeRunner().run(shell(dir / "n", "echo hello; echo oops >&2"), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kSucceeded);
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->message, "");
  EXPECT_EQ(outcome->result, "hello");
  EXPECT_FALSE(outcome->result_truncated);
  EXPECT_EQ(outcome->stdout_path, dir / "n" / "stdout");
  EXPECT_EQ(contents(outcome->stdout_path), "hello\n");
  EXPECT_EQ(contents(outcome->stderr_path), "oops\n");
}

TEST(NodeRunnerTest, RunsInItsOwnWorkDirWithEnvAndArgs) {
  ScratchDir dir;
  NodeRunSpec spec = shell(dir / "n", R"(printf %s "$GREETING $0 $1" > out.txt; pwd)");
  spec.args = {"first", "second"};
  spec.env = {{"GREETING", "hi"}, {"PATH", "/usr/bin:/bin"}};
  spec.output_parameters = {{.name = "out", .path = "out.txt", .default_value = {}}};
  auto outcome = NodeRunner().run(spec, nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kSucceeded) << outcome->message;
  EXPECT_EQ(outcome->result, (dir / "n" / "work").string());
  ASSERT_EQ(outcome->output_parameters.size(), 1u);
  EXPECT_EQ(outcome->output_parameters[0],
            (std::pair<std::string, std::string>{"out", "hi first second"}));
}

TEST(NodeRunnerTest, NodeEnvironmentCanBeIsolated) {
  ScratchDir dir;
  ::setenv("AIOTOPS_NODE_RUNNER_TEST", "leaked", 1);
  NodeRunSpec spec = shell(dir / "n", R"(echo "[$AIOTOPS_NODE_RUNNER_TEST][$ONLY]")");
  spec.env = {{"ONLY", "given"}};
  auto outcome = NodeRunner({.inherit_environment = false}).run(spec, nullptr);
  ::unsetenv("AIOTOPS_NODE_RUNNER_TEST");
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->result, "[][given]");
}

TEST(NodeRunnerTest, NonZeroExitIsAFailure) {
  ScratchDir dir;
  auto outcome = NodeRunner().run(shell(dir / "n", "echo partial; exit 3"), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kFailed);
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_EQ(outcome->message, "Error (exit code 3)");
  EXPECT_EQ(outcome->result, "partial");
}

TEST(NodeRunnerTest, ScriptSourceIsWrittenAndRunAfterTheArgs) {
  ScratchDir dir;
  NodeRunSpec spec;
  spec.command = {"sh"};
  spec.script_source = "echo \"script says $(basename \"$0\")\"\nexit 0\n";
  spec.node_dir = dir / "n";
  auto outcome = NodeRunner().run(spec, nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kSucceeded) << outcome->message;
  EXPECT_EQ(outcome->result, "script says script");
  EXPECT_EQ(contents(dir / "n" / "script"), *spec.script_source);
}

TEST(NodeRunnerTest, MissingOutputFileIsAnErrorNamingIt) {
  ScratchDir dir;
  NodeRunSpec spec = shell(dir / "n", "echo 7 > present.txt");
  spec.output_parameters = {{.name = "present", .path = "present.txt", .default_value = {}},
                            {.name = "absent", .path = "sub/absent.txt", .default_value = {}}};
  auto outcome = NodeRunner().run(spec, nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kError);
  EXPECT_NE(outcome->message.find("output parameter 'absent'"), std::string::npos)
      << outcome->message;
  EXPECT_NE(outcome->message.find("sub/absent.txt"), std::string::npos) << outcome->message;
  ASSERT_EQ(outcome->output_parameters.size(), 1u);
  EXPECT_EQ(outcome->output_parameters[0].second, "7");
}

TEST(NodeRunnerTest, MissingOutputFileTakesItsDefault) {
  ScratchDir dir;
  NodeRunSpec spec = shell(dir / "n", "true");
  spec.output_parameters = {{.name = "p", .path = "/nonexistent/p.txt", .default_value = "d"}};
  auto outcome = NodeRunner().run(spec, nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kSucceeded) << outcome->message;
  ASSERT_EQ(outcome->output_parameters.size(), 1u);
  EXPECT_EQ(outcome->output_parameters[0].second, "d");
}

TEST(NodeRunnerTest, MissingProgramIsAnErrorNamingIt) {
  ScratchDir dir;
  NodeRunSpec spec;
  spec.command = {"aiotops-no-such-program"};
  spec.node_dir = dir / "n";
  auto outcome = NodeRunner().run(spec, nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kError);
  EXPECT_FALSE(outcome->exit_code.has_value());
  EXPECT_NE(outcome->message.find("aiotops-no-such-program"), std::string::npos);
}

TEST(NodeRunnerTest, ResultKeepsTheLastBytesUpToTheLimit) {
  ScratchDir dir;
  auto outcome = NodeRunner({.result_limit_bytes = 8})
                     .run(shell(dir / "n", "printf 0123456789abcdef"), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->result, "89abcdef");
  EXPECT_TRUE(outcome->result_truncated);
  EXPECT_EQ(contents(outcome->stdout_path), "0123456789abcdef");
}

TEST(NodeRunnerTest, ExistingNodeDirIsRefused) {
  ScratchDir dir;
  fs::create_directories(dir / "n");
  auto outcome = NodeRunner().run(shell(dir / "n", "true"), nullptr);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code(), ErrorCode::kAlreadyExists);
}

TEST(NodeRunnerTest, AlreadyCancelledStartsNothing) {
  ScratchDir dir;
  auto cancel = token();
  cancel->cancel();
  auto outcome = NodeRunner().run(shell(dir / "n", "touch ran"), cancel.get());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->cancelled);
  EXPECT_EQ(outcome->phase, NodePhase::kFailed);
  EXPECT_FALSE(fs::exists(dir / "n"));
}

TEST(NodeRunnerTest, DeadlineStopsTheWholeTree) {
  ScratchDir dir;
  // The shell and two grandchildren; the deadline is what ends them.
  NodeRunSpec spec = shell(dir / "n",
                           "sleep 1000 & echo $! >> pids; sleep 1000 & echo $! >> pids; "
                           "echo $$ >> pids; wait");
  spec.active_deadline = milliseconds(2000);
  auto outcome = NodeRunner({.kill_grace = milliseconds(5000)}).run(spec, nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_TRUE(outcome->timed_out);
  EXPECT_EQ(outcome->phase, NodePhase::kFailed);
  EXPECT_NE(outcome->message.find("activeDeadlineSeconds"), std::string::npos);
  // (On a machine so loaded that the deadline comes first, fewer pids are written; the cancel
  // tests below wait for them.)
  for (pid_t pid : pids_in(outcome->work_dir / "pids")) EXPECT_TRUE(gone(pid)) << pid;
}

TEST(NodeRunnerTest, CancelKillsATreeThatIgnoresSigterm) {
  ScratchDir dir;
  // `trap '' TERM` makes the shell and everything it starts ignore SIGTERM: only SIGKILL ends
  // them, after the grace period.
  NodeRunSpec spec = shell(dir / "n",
                           "trap '' TERM; sleep 1000 & echo $! >> pids; "
                           "(sleep 1000 & echo $! >> pids; wait) & echo $$ >> pids; wait");
  const NodeRunner runner({.kill_grace = milliseconds(200)});
  NodeOutcome outcome = run_then_cancel(runner, spec, 3);
  EXPECT_TRUE(outcome.cancelled);
  EXPECT_EQ(outcome.phase, NodePhase::kFailed);
  EXPECT_EQ(outcome.signal, SIGKILL);
  EXPECT_EQ(outcome.exit_code, 128 + SIGKILL);
  for (pid_t pid : pids_in(outcome.work_dir / "pids")) EXPECT_TRUE(gone(pid)) << pid;
}

TEST(NodeRunnerTest, CancelEndsACooperativeTreeWithSigterm) {
  ScratchDir dir;
  NodeRunSpec spec = shell(dir / "n", "sleep 1000 & echo $! >> pids; echo $$ >> pids; wait");
  const NodeRunner runner({.kill_grace = milliseconds(60000)});
  NodeOutcome outcome = run_then_cancel(runner, spec, 2);
  EXPECT_TRUE(outcome.cancelled);
  EXPECT_EQ(outcome.signal, SIGTERM);
  EXPECT_EQ(outcome.message, "Stopped: the run was cancelled");
  for (pid_t pid : pids_in(outcome.work_dir / "pids")) EXPECT_TRUE(gone(pid)) << pid;
}

TEST(NodeRunnerTest, LeftoverBackgroundProcessesDieWithTheMainOne) {
  ScratchDir dir;
  auto outcome = NodeRunner().run(
      shell(dir / "n", "sleep 1000 & echo $! > pids; (sleep 1000 &) ; echo done"), nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_EQ(outcome->phase, NodePhase::kSucceeded);
  EXPECT_EQ(outcome->result, "done");
  for (pid_t pid : pids_in(outcome->work_dir / "pids")) EXPECT_TRUE(gone(pid)) << pid;
}

// The cancel path a CLI uses: a SIGINT handler that only calls cancel().
CancelToken* g_sigint_token = nullptr;
void on_sigint(int) { g_sigint_token->cancel(); }

TEST(NodeRunnerTest, SigintHandlerCancelsARunningNode) {
  ScratchDir dir;
  auto cancel = token();
  g_sigint_token = cancel.get();
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  ASSERT_EQ(::sigaction(SIGINT, &action, &previous), 0);
  NodeRunSpec spec = shell(dir / "n", "echo $$ > pids; sleep 1000");
  Result<NodeOutcome> outcome = fail(ErrorCode::kInternal, "not run");
  std::thread node([&] { outcome = NodeRunner().run(spec, cancel.get()); });
  EXPECT_TRUE(testing::eventually([&] { return !pids_in(spec.node_dir / "work" / "pids").empty(); },
                                  milliseconds(20000)));
  ::kill(::getpid(), SIGINT);
  node.join();
  ::sigaction(SIGINT, &previous, nullptr);
  ASSERT_TRUE(outcome) << outcome.error().message();
  EXPECT_TRUE(outcome->cancelled);
}

TEST(NodeRunnerTest, ManyConcurrentNodesEachGetTheirOwnExitCode) {
  ScratchDir dir;
  const NodeRunner runner;
  constexpr int kNodes = 24;
  std::vector<std::optional<int>> codes(kNodes);
  std::vector<std::string> results(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      auto spec =
          shell(dir / std::to_string(i), fmt::format("sleep 0 & echo node{}; exit {}", i, i % 7));
      auto outcome = runner.run(spec, nullptr);
      if (outcome) {
        codes[i] = outcome->exit_code;
        results[i] = outcome->result;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(codes[i], i % 7) << i;
    EXPECT_EQ(results[i], fmt::format("node{}", i));
  }
}

}  // namespace
}  // namespace aiotops::pipeline

namespace aiotops::pipeline {
namespace {

TEST(NodeRunnerPrivateTmpTest, EachNodeHasItsOwnTmp) {
  ScratchDir dir;
  const NodeRunner runner;
  NodeRunSpec first = shell(dir / "a", "[ ! -e /tmp/num ] && echo first > /tmp/num");
  first.private_tmp = true;
  first.output_parameters = {{.name = "num", .path = "/tmp/num", .default_value = {}}};
  auto a = runner.run(first, nullptr);
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_EQ(a->phase, NodePhase::kSucceeded) << a->message << contents(a->stderr_path);
  NodeRunSpec second = shell(dir / "b", "[ ! -e /tmp/num ] && echo second > /tmp/num");
  second.output_parameters = first.output_parameters;
  second.private_tmp = true;
  auto b = runner.run(second, nullptr);
  ASSERT_TRUE(b) << b.error().message();
  ASSERT_EQ(b->phase, NodePhase::kSucceeded) << b->message << contents(b->stderr_path);
  EXPECT_EQ(a->output_parameters[0].second, "first");
  EXPECT_EQ(b->output_parameters[0].second, "second");
  EXPECT_EQ(contents(dir / "a" / "tmp" / "num"), "first\n");
}

TEST(NodeRunnerPrivateTmpTest, ScriptsAndTreesWorkTheSame) {
  ScratchDir dir;
  const NodeRunner runner({.kill_grace = milliseconds(200)});
  NodeRunSpec script;
  script.command = {"sh"};
  script.script_source = "echo $$ > pids; sleep 1000 & echo $! >> pids; wait\n";
  script.node_dir = dir / "n";
  script.private_tmp = true;
  NodeOutcome outcome = run_then_cancel(runner, script, 2);
  EXPECT_TRUE(outcome.cancelled);
  for (pid_t pid : pids_in(outcome.work_dir / "pids")) EXPECT_TRUE(gone(pid)) << pid;
  NodeRunSpec missing = shell(dir / "m", "true");
  missing.command = {"aiotops-no-such-program"};
  missing.private_tmp = true;
  auto not_found = runner.run(missing, nullptr);
  ASSERT_TRUE(not_found);
  EXPECT_EQ(not_found->phase, NodePhase::kError);
  EXPECT_NE(not_found->message.find("aiotops-no-such-program"), std::string::npos);
}

TEST(NodeRunnerTest, HostPathsOfNodePaths) {
  NodeRunSpec spec;
  spec.node_dir = "/state/r/nodes/n/1";
  EXPECT_EQ(node_host_path(spec, "out/x.txt"), fs::path("/state/r/nodes/n/1/work/out/x.txt"));
  EXPECT_EQ(node_host_path(spec, "/tmp/num"), fs::path("/tmp/num"));
  spec.private_tmp = true;
  EXPECT_EQ(node_host_path(spec, "/tmp/num"), fs::path("/state/r/nodes/n/1/tmp/num"));
  EXPECT_EQ(node_host_path(spec, "/tmp//a/../b"), fs::path("/state/r/nodes/n/1/tmp/b"));
  EXPECT_EQ(node_host_path(spec, "/tmpfile"), fs::path("/tmpfile"));
  EXPECT_EQ(node_host_path(spec, "/var/x"), fs::path("/var/x"));
}

}  // namespace
}  // namespace aiotops::pipeline
