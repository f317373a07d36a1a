// Crash safety: a child process uploads models and datasets and moves aliases from several
// threads, logging each acknowledged operation (O_APPEND, fsync) only after the store returned
// success; the parent kills it with SIGKILL at a random moment, reopens the store and requires
// that check() passes, every acknowledged operation is there with its bytes, and versions are
// gap-free. Repeated kIterations times on one growing store.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "common/files.h"
#include "registry/store.h"
#include "registry/store_test_util.h"

namespace aiotops::registry {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr int kIterations = 50;
constexpr int kChildThreads = 3;
constexpr uint64_t kSeed = 20240611;

// One line of the child's log per acknowledged operation.
void acknowledge(int fd, const std::string& line) {
  std::string text = line + "\n";
  // One write() per line: O_APPEND makes it land whole even with threads interleaving.
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd) != 0) {
    ::_exit(4);
  }
}

// The child: uploads forever until killed. Exits nonzero on any unexpected failure.
[[noreturn]] void run_uploader(const fs::path& data_dir, const fs::path& log, int iteration) {
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) ::_exit(2);
  StoreOptions options;
  options.data_dir = data_dir;
  auto opened = Store::open(options);
  if (!opened) ::_exit(3);
  Store& store = **opened;
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(kSeed + static_cast<uint64_t>(iteration * 100 + t));
      for (int i = 0;; ++i) {
        std::string name = fmt::format("motor-{}", t % 2);
        std::string tag = fmt::format("{}-{}-{}-{}", ::getpid(), iteration, t, i);
        auto writer = store.begin_upload();
        if (!writer) ::_exit(5);
        if (i % 4 == 3) {
          if (!writer->append(testing::csv_text(20 + static_cast<int>(random() % 30), i))) {
            ::_exit(6);
          }
          auto blob = writer->commit();
          NewDataset spec;
          spec.name = "telemetry";
          spec.lineage.source = tag;
          auto dataset = blob ? store.add_dataset(spec, *blob) : fail(blob.error());
          if (!dataset) ::_exit(7);
          acknowledge(fd,
                      fmt::format("dataset telemetry {} {}", dataset->version, dataset->sha256));
          continue;
        }
        // Model bytes: a few KB, unique per upload, written in chunks like an HTTP body.
        std::string bytes = tag + std::string(1024 + random() % 8192, static_cast<char>('a' + t));
        for (size_t at = 0; at < bytes.size(); at += 1000) {
          if (!writer->append(std::string_view(bytes).substr(at, 1000))) ::_exit(8);
        }
        auto blob = writer->commit();
        NewModel spec;
        spec.name = name;
        spec.pipeline_run_id = tag;
        auto model = blob ? store.add_model(spec, *blob) : fail(blob.error());
        if (!model) ::_exit(9);
        acknowledge(fd, fmt::format("model {} {} {}", name, model->version, model->sha256));
        if (i % 3 == 2) {
          auto moved = store.set_alias(name, "production", model->version, tag);
          if (!moved) ::_exit(10);
          acknowledge(fd, fmt::format("alias {} {} {}", name, model->version, tag));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ::_exit(11);
}

// Complete lines of the log (a line without its newline was never acknowledged).
std::vector<std::string> log_lines(const fs::path& log) {
  std::string text = read_file(log).value_or("");
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

// Everything the store must show after a crash; `context` names the iteration.
void expect_consistent(Store& store, const std::vector<std::string>& acknowledged,
                       const std::string& context) {
  auto report = store.check();
  ASSERT_TRUE(report) << context << ": " << report.error().message();
  ASSERT_TRUE(report->ok()) << context << ":\n"
                            << fmt::format("{}", fmt::join(report->problems, "\n"));
  for (const auto& line : acknowledged) {
    std::istringstream in(line);
    std::string kind, name, third;
    int64_t version = 0;
    in >> kind >> name >> version >> third;
    if (kind == "model") {
      auto model = store.get_model(name, version);
      ASSERT_TRUE(model) << context << ": acknowledged " << line << " is missing";
      EXPECT_EQ(model->sha256, third) << context << ": " << line;
    } else if (kind == "dataset") {
      auto dataset = store.get_dataset(name, version);
      ASSERT_TRUE(dataset) << context << ": acknowledged " << line << " is missing";
      EXPECT_EQ(dataset->sha256, third) << context << ": " << line;
    } else {
      ASSERT_EQ(kind, "alias") << line;
      auto history = store.alias_history(name, "production");
      ASSERT_TRUE(history);
      bool found = std::ranges::any_of(*history, [&](const AliasMove& m) {
        return m.actor == third && m.to_version == version;
      });
      EXPECT_TRUE(found) << context << ": acknowledged " << line << " is not in the history";
    }
  }
  // Gap-free: every name's versions are exactly 1..n.
  for (const char* name : {"motor-0", "motor-1"}) {
    auto models = store.list_models(name).value();
    for (size_t i = 0; i < models.size(); ++i) {
      ASSERT_EQ(models[i].version, static_cast<int64_t>(i) + 1) << context << ": " << name;
    }
  }
  auto datasets = store.list_datasets("telemetry").value();
  for (size_t i = 0; i < datasets.size(); ++i) {
    ASSERT_EQ(datasets[i].version, static_cast<int64_t>(i) + 1) << context;
  }
}

TEST(StoreCrashTest, KillNineAtRandomMomentsLosesNothingAcknowledged) {
  TempDir dir;
  fs::path data_dir = dir.path() / "data";
  fs::path log = dir.path() / "acknowledged.log";
  std::mt19937_64 random(kSeed);
  size_t acknowledged = 0;
  int killed_mid_run = 0;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    std::string context = fmt::format("iteration {} (seed {})", iteration, kSeed);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) run_uploader(data_dir, log, iteration);

    // Wait for 0-3 more acknowledgements (0: kill while the store opens), then a random moment
    // of up to 2 ms more, so kills land at every step of an upload.
    size_t wanted = acknowledged + random() % 4;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (log_lines(log).size() < wanted) {
      ASSERT_EQ(::waitpid(pid, &status, WNOHANG), 0) << context << ": child exited " << status;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << context << ": no progress";
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 2000));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << context << ": child ended with status " << status;

    auto lines = log_lines(log);
    killed_mid_run += lines.size() > acknowledged ? 1 : 0;
    acknowledged = lines.size();
    auto store = testing::open_store(data_dir);
    ASSERT_TRUE(store) << context;
    expect_consistent(*store, lines, context);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(acknowledged, static_cast<size_t>(kIterations));
  EXPECT_GT(killed_mid_run, kIterations / 2);

  // Collecting every unreferenced blob and abandoned temp file leaves every acknowledged upload.
  StoreOptions options;
  options.data_dir = data_dir;
  options.gc_grace = std::chrono::seconds(0);
  options.now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               (std::chrono::system_clock::now() + std::chrono::seconds(1)).time_since_epoch())
        .count();
  };
  auto store = Store::open(options);
  ASSERT_TRUE(store);
  auto collected = (*store)->gc();
  ASSERT_TRUE(collected) << collected.error().message();
  // Some kills landed inside an upload: after the blob's temp file was created, or after the
  // blob was committed but before its row was.
  EXPECT_GT(collected->removed_temps + collected->removed_blobs, 0u);
  EXPECT_EQ(
      std::distance(fs::directory_iterator(data_dir / "blobs" / "tmp"), fs::directory_iterator()),
      0);
  expect_consistent(**store, log_lines(log), "after gc");
}

}  // namespace
}  // namespace aiotops::registry
