// `aiotops registry` as an operator runs it: `serve` as a child process on a free loopback
// port, and push, pull (with the signed manifest), list, alias, verify, token create and check
// against it; a resumed pull; a damaged blob found by check; refusals with their exit codes;
// SIGTERM -> exit 0.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "common/sha256.h"
#include "support/child_process.h"
#include "support/eventually.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::ChildProcess;
using ::testing::HasSubstr;

// Generous: the binary runs under ASan/UBSan on a shared 2-core machine.
constexpr auto kTimeout = 60s;

class RegistryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "registry-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    data_ = dir_ / "data";
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  testing::CliOutcome cli(const std::string& arguments) {
    return testing::run_cli(AIOTOPS_BINARY, arguments, dir_, std::chrono::seconds(120));
  }

  // Starts `aiotops registry serve` on a free port and returns its URL.
  std::string serve() {
    auto child = ChildProcess::spawn({AIOTOPS_BINARY, "registry", "serve", "--data-dir",
                                      data_.string(), "--listen", "127.0.0.1:0", "--threads", "8"});
    EXPECT_TRUE(child) << child.error().message();
    if (!child) return {};
    server_ = std::move(*child);
    auto line = server_->wait_for_line("registry serving", kTimeout);
    EXPECT_TRUE(line) << server_->describe();
    if (!line) return {};
    std::smatch match;
    EXPECT_TRUE(std::regex_search(*line, match, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)")));
    return match.size() > 1 ? match[1].str() : std::string();
  }

  fs::path write(const std::string& name, const std::string& bytes) {
    EXPECT_TRUE(write_file_atomic(dir_ / name, bytes));
    return dir_ / name;
  }

  fs::path dir_;
  fs::path data_;
  std::unique_ptr<ChildProcess> server_;
};

std::string model(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 13 % 256);
  return bytes;
}

TEST_F(RegistryCliTest, PushPullAliasVerifyCheck) {
  const std::string url = serve();
  ASSERT_FALSE(url.empty());
  const std::string with = " --url " + url;
  const std::string bytes = model(70000);
  write("motor.tflite", bytes);
  auto pushed =
      cli(fmt::format("registry push model motor {}/motor.tflite --format tflite-int8 "
                      "--target esp32 --arena-bytes 20000{}",
                      dir_.string(), with));
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_THAT(pushed.out, HasSubstr("model motor version 1 sha256:" + sha256_hex(bytes)));
  write("motor2.tflite", model(1000));
  ASSERT_EQ(cli(fmt::format("registry push model motor {}/motor2.tflite --format tflite-int8{}",
                            dir_.string(), with))
                .exit_code,
            0);
  write("fleet.csv",
        "deviceID,timeStamp,current,temperature,vibration,sound\n"
        "esp-1,1633000000000,412.5,36.6,1235.9,150.6\n");
  auto dataset = cli(fmt::format("registry push dataset fleet {}/fleet.csv --json --source sim{}",
                                 dir_.string(), with));
  ASSERT_EQ(dataset.exit_code, 0) << dataset.err;
  EXPECT_EQ(json::parse(dataset.out)["lineage"]["source"], "sim");

  auto listed = cli("registry list model" + with);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("motor"));
  EXPECT_THAT(listed.out, HasSubstr("tflite-int8"));

  auto alias = cli("registry alias motor production 1" + with);
  ASSERT_EQ(alias.exit_code, 0) << alias.err;
  EXPECT_EQ(json::parse(alias.out)["to_version"], 1);
  auto versions = cli("registry list model motor" + with);
  EXPECT_THAT(versions.out, HasSubstr("alias production -> version 1"));
  auto history = cli("registry alias motor production --history" + with);
  EXPECT_EQ(json::parse(history.out)["moves"].size(), 1u);

  auto pulled =
      cli(fmt::format("registry pull model motor --ref production --out {0}/got.tflite "
                      "--manifest {0}/got.manifest.json{1}",
                      dir_.string(), with));
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_THAT(pulled.out, HasSubstr("version 1"));
  EXPECT_EQ(read_file(dir_ / "got.tflite").value_or(""), bytes);

  // Offline: the key file the registry made, and the manifest saved by pull.
  const std::string key = (data_ / "keys" / "ed25519.pub").string();
  auto verified =
      cli(fmt::format("registry verify {0}/got.tflite --manifest {0}/got.manifest.json "
                      "--key {1}",
                      dir_.string(), key));
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  write("got.tflite", bytes.substr(0, 100));
  auto tampered =
      cli(fmt::format("registry verify {0}/got.tflite --manifest {0}/got.manifest.json "
                      "--key {1}",
                      dir_.string(), key));
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_THAT(tampered.err, HasSubstr("the manifest of motor v1"));

  // A resumed pull: half the file is there from an earlier run.
  write("resumed.tflite.part", bytes.substr(0, 30000));
  write("resumed.tflite.part.sha256", sha256_hex(bytes));
  auto resumed = cli(fmt::format("registry pull model motor --ref 1 --out {}/resumed.tflite{}",
                                 dir_.string(), with));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("resumed at byte 30000"));
  EXPECT_EQ(read_file(dir_ / "resumed.tflite").value_or(""), bytes);

  auto missing = cli("registry pull model nothing --out " + (dir_ / "n").string() + with);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("404"));

  auto checked = cli("registry check --data-dir " + data_.string());
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("3 blobs verified"));

  auto stopped = server_->terminate(kTimeout);
  ASSERT_TRUE(stopped);
  EXPECT_TRUE(stopped->ok()) << stopped->describe() << server_->describe();

  // A damaged blob is found.
  const fs::path blob = data_ / "blobs" / sha256_hex(bytes).substr(0, 2) / sha256_hex(bytes);
  ASSERT_TRUE(fs::exists(blob));
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  ASSERT_TRUE(write_file_atomic(blob, "damaged"));
  auto damaged = cli("registry check --data-dir " + data_.string());
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_THAT(damaged.out, HasSubstr(sha256_hex(bytes)));
}

TEST_F(RegistryCliTest, TokensTurnAuthOn) {
  auto created =
      cli("registry token create --role admin --description ops --data-dir " + data_.string());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string admin = created.out;
  while (!admin.empty() && admin.back() == '\n') admin.pop_back();
  EXPECT_TRUE(admin.starts_with("aiotops_")) << admin;

  const std::string url = serve();
  ASSERT_FALSE(url.empty());
  auto refused = cli("registry list model --url " + url);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("401"));
  write("admin.token", admin + "\n");
  auto listed = cli(
      fmt::format("registry list model --url {} --token-file {}/admin.token", url, dir_.string()));
  EXPECT_EQ(listed.exit_code, 0) << listed.err;

  // A device token made through the API, which then may read models but not push. It belongs to
  // one device, so --device is required, and only device tokens take it.
  auto unbound =
      cli(fmt::format("registry token create --role device --url {} --token {}", url, admin));
  EXPECT_EQ(unbound.exit_code, 2);
  EXPECT_THAT(unbound.err, HasSubstr("--device"));
  EXPECT_EQ(cli(fmt::format("registry token create --role pipeline --device esp-1 --data-dir {}",
                            data_.string()))
                .exit_code,
            2);
  auto device = cli(fmt::format(
      "registry token create --role device --device esp-1 --json --url {} --token {}", url, admin));
  ASSERT_EQ(device.exit_code, 0) << device.err;
  const auto record = nlohmann::json::parse(device.out);
  EXPECT_EQ(record["device_id"], "esp-1");
  std::string device_token = record["token"];
  write("m.bin", model(10));
  auto push = cli(fmt::format("registry push model m {}/m.bin --format native --url {} --token {}",
                              dir_.string(), url, device_token));
  EXPECT_EQ(push.exit_code, 2);
  EXPECT_THAT(push.err, HasSubstr("403"));
  EXPECT_EQ(
      cli(fmt::format("registry list model --url {} --token {}", url, device_token)).exit_code, 0);
  EXPECT_EQ(cli("registry token create --role root --data-dir " + data_.string()).exit_code, 2);
}

// kill -9 of the server at random moments while three clients push (two of them racing for one
// name), 50 times on one growing data directory. After each kill `registry check` passes (every
// listed artifact's blob is there with its hash, nothing half-written is referenced), and after
// each restart every push that got a 2xx is listed with its bytes' hash, versions gap-free.
TEST_F(RegistryCliTest, ServerKilledDuringUploadsLosesNothingAcknowledged) {
  constexpr int kKills = 50;
  constexpr int kClients = 3;
  std::mt19937 random(20251126);
  std::map<std::string, std::map<int64_t, std::string>> acknowledged;  // name -> version -> sha
  std::mutex acknowledged_mutex;
  auto verify_listing = [&](const std::string& url) {
    for (const auto& [name, versions] : acknowledged) {
      auto listed = cli(fmt::format("registry list model {} --json --url {}", name, url));
      ASSERT_EQ(listed.exit_code, 0) << listed.err;
      std::map<int64_t, std::string> stored;
      const json listing = json::parse(listed.out);
      for (const json& row : listing.at("versions")) {
        stored[row["version"].get<int64_t>()] = row["sha256"].get<std::string>();
      }
      ASSERT_FALSE(stored.empty());
      EXPECT_EQ(stored.begin()->first, 1) << name;
      EXPECT_EQ(stored.rbegin()->first, static_cast<int64_t>(stored.size())) << name << " has gaps";
      for (const auto& [version, sha] : versions) {
        ASSERT_TRUE(stored.contains(version)) << name << " v" << version << " was acknowledged";
        EXPECT_EQ(stored[version], sha) << name << " v" << version;
      }
    }
  };
  for (int kill = 0; kill <= kKills; ++kill) {
    SCOPED_TRACE(fmt::format("after {} kills", kill));
    const std::string url = serve();
    ASSERT_FALSE(url.empty());
    verify_listing(url);
    if (kill == kKills) break;
    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged_this_round{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c, seed = random()] {
        const fs::path scratch = dir_ / fmt::format("client-{}", c);
        fs::create_directories(scratch);
        std::mt19937 sizes(seed);
        const std::string name = fmt::format("m-{}", c % 2);
        for (int i = 0; !stop; ++i) {
          std::string bytes = fmt::format("{} {} {} ", kill, c, i);
          bytes.resize(std::uniform_int_distribution<size_t>(1000, 200000)(sizes), 'x');
          const fs::path file = scratch / "model.bin";
          if (!write_file_atomic(file, bytes)) return;
          auto pushed = testing::run_cli(
              AIOTOPS_BINARY,
              fmt::format("registry push model {} {} --format native --json --url {}", name,
                          file.string(), url),
              scratch, std::chrono::seconds(120));
          if (pushed.exit_code != 0) continue;  // refused or cut off by the kill: no promise
          const json record = json::parse(pushed.out);
          std::lock_guard lock(acknowledged_mutex);
          acknowledged[name][record["version"].get<int64_t>()] = sha256_hex(bytes);
          EXPECT_EQ(record["sha256"], sha256_hex(bytes));
          ++acknowledged_this_round;
        }
      });
    }
    // Every round kills the server with uploads in flight after at least one was acknowledged
    // (however slow the build), so each round has something to lose: at a random moment after.
    EXPECT_TRUE(
        testing::eventually([&] { return acknowledged_this_round > 0; }, std::chrono::seconds(60)));
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 800)(random)));
    server_->kill();
    stop = true;
    for (std::thread& client : clients) client.join();
    auto checked = cli("registry check --data-dir " + data_.string());
    ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  }
  size_t total = 0;
  for (const auto& [name, versions] : acknowledged) total += versions.size();
  EXPECT_GE(total, size_t{kKills}) << "a round without an acknowledged upload";
}

TEST_F(RegistryCliTest, RefusesAnOpenNonLoopbackAddress) {
  auto refused =
      cli(fmt::format("registry serve --data-dir {} --listen 0.0.0.0:0", data_.string()));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("--insecure"));
  auto bad_listen =
      cli(fmt::format("registry serve --data-dir {} --listen nowhere", data_.string()));
  EXPECT_EQ(bad_listen.exit_code, 2);
}

}  // namespace
}  // namespace aiotops
