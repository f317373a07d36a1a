// `aiotops edge --config FILE.yaml`: the real binary reading YAML config files through its one
// table of options (the CLI11 definitions in edge_command.cc), checked with --check-config, which
// validates every option and prints the ones set without loading a model or connecting. The
// commented example, examples/edge.yaml, must load and must name every option of --help.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include <fmt/format.h>

#include "cli_run.h"
#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kExample = fs::path(AIOTOPS_SOURCE_DIR) / "examples" / "edge.yaml";

class EdgeConfigTest : public ::testing::Test {
 protected:
  // Writes `yaml` to a config file and runs `edge --config FILE --check-config <extra>`.
  testing::CliOutcome check(const std::string& yaml, const std::string& extra = "") {
    const fs::path file = scratch_ / "edge.yaml";
    EXPECT_TRUE(write_file_atomic(file, yaml));
    return run(fmt::format("--config {} {}", file.string(), extra));
  }
  testing::CliOutcome run(const std::string& arguments) {
    return testing::run_cli(AIOTOPS_BINARY, "edge --check-config " + arguments, scratch_, 60s);
  }
  // Expects exit 2 with a message naming the config file, `line` and `key`.
  void expect_refused(const std::string& yaml, int line, const std::string& key) {
    const testing::CliOutcome o = check(yaml);
    EXPECT_EQ(o.exit_code, 2) << yaml << o.out << o.err;
    EXPECT_THAT(o.err, HasSubstr(fmt::format("edge.yaml:{}: {}", line, key))) << yaml;
  }

  testing::ScratchDir scratch_{"edge-config-test"};
};

TEST_F(EdgeConfigTest, TheExampleConfigLoadsAndChecksOut) {
  const testing::CliOutcome o = run("--config " + kExample.string());
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("configuration ok"));
  EXPECT_THAT(o.out, HasSubstr("model: \"/var/lib/aiotops/models/motor.tflite\"\n"));
  EXPECT_THAT(o.out, HasSubstr("topic: [\"shaded-pole-motor-sensor_data\"]\n"));
  EXPECT_THAT(o.out, HasSubstr("persist: \"3/5\"\n"));
}

// Every option --help lists (but --help and the two that cannot be in a file) appears in the
// example as `name:`, set or commented out.
TEST_F(EdgeConfigTest, TheExampleNamesEveryOptionOfHelp) {
  const testing::CliOutcome help = testing::run_cli(AIOTOPS_BINARY, "edge --help", scratch_, 60s);
  ASSERT_EQ(help.exit_code, 0) << help.err;
  const std::string example = read_file(kExample).value_or("");
  ASSERT_FALSE(example.empty()) << kExample;
  const std::regex flag(R"((?:^|\n)\s+--([a-z][a-z0-9-]*))");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(help.out.begin(), help.out.end(), flag);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1].str());
  }
  ASSERT_GT(names.size(), 30u) << help.out;
  for (const char* documented : {"config", "check-config", "registry", "registry-model"}) {
    EXPECT_TRUE(names.contains(documented)) << documented << " missing in --help:\n" << help.out;
  }
  for (const std::string& name : names) {
    if (name == "help" || name == "config" || name == "check-config") continue;
    const std::regex entry(fmt::format(R"((^|\n)(# )?{}:)", name));
    EXPECT_TRUE(std::regex_search(example, entry)) << name << " is not in " << kExample;
  }
}

TEST_F(EdgeConfigTest, ListsFlagsAndUnitsSetTheOptions) {
  const testing::CliOutcome o = check(
      "model: m.json\n"
      "topic:\n  - plant/+/telemetry\n  - line-2/#\n"
      "qos: 1\n"
      "persistent-session: true\n"
      "client-id: gw-7\n"
      "watch: true\n"
      "watch-interval: 250ms\n"
      "uncertain-band: [0.4, 0.6]\n"
      "cascade-model: c.json\n"
      "device-class: [mcu=esp32-*, line=topic:line-2/#]\n"
      "class-threshold: [mcu=0.7]\n");
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("topic: [\"plant/+/telemetry\", \"line-2/#\"]\n"));
  EXPECT_THAT(o.out, HasSubstr("qos: \"1\"\n"));
  EXPECT_THAT(o.out, HasSubstr("persistent-session: \"true\"\n"));
  EXPECT_THAT(o.out, HasSubstr("watch-interval: \"250ms\"\n"));
  EXPECT_THAT(o.out, HasSubstr("uncertain-band: [\"0.4\", \"0.6\"]\n"));
  EXPECT_THAT(o.out, HasSubstr("device-class: [\"mcu=esp32-*\", \"line=topic:line-2/#\"]\n"));
}

TEST_F(EdgeConfigTest, CommandLineFlagsWinOverTheFile) {
  const testing::CliOutcome o = check("model: file.json\nqos: 1\ntopic: [a, b]\nworkers: 3\n",
                                      "--qos 0 --topic c --model flag.json");
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("qos: \"0\"\n"));
  EXPECT_THAT(o.out, HasSubstr("topic: [\"c\"]\n"));
  EXPECT_THAT(o.out, HasSubstr("model: \"flag.json\"\n"));
  EXPECT_THAT(o.out, HasSubstr("workers: \"3\"\n")) << "the file's value where no flag is given";
}

// What --check-config prints is a config file of the same options.
TEST_F(EdgeConfigTest, TheCheckedOutputIsItselfAConfigFile) {
  const testing::CliOutcome first =
      check("model: m.json\ntopic: [\"a b\", 'q\"uote']\npersist: 2/4\nno-status: true\n");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const testing::CliOutcome second = check(first.out);
  ASSERT_EQ(second.exit_code, 0) << first.out << second.err;
  EXPECT_EQ(second.out, first.out);
}

TEST_F(EdgeConfigTest, RefusesBadFilesNamingFileLineAndKey) {
  expect_refused("model: m.json\nbrokr: mqtt://x\n", 2, "brokr: not an option of aiotops edge");
  expect_refused("model: m.json\n--qos: 1\n", 2, "--qos: not an option");
  expect_refused("model: m.json\nqos: abc\n", 2, "qos:");
  expect_refused("model: m.json\nworkers: 1\nqos: 5\n", 3, "qos:");
  expect_refused("model: m.json\nqos: [0, 1]\n", 2, "qos: expects one value, not a list");
  expect_refused("model: m.json\nwatch: maybe\n", 2, "watch:");
  expect_refused("model: m.json\nwatch: [true]\n", 2, "watch: expects one value");
  expect_refused("model: m.json\nmqtt:\n  broker: x\n", 2, "mqtt: expected a value");
  expect_refused("model: m.json\nbroker:\n", 2, "broker: no value");
  expect_refused("model: m.json\nconfig: other.yaml\n", 2, "config: cannot be set");
  expect_refused("model: m.json\nqos: 0\nqos: 1\n", 3, "qos: given twice");
  const testing::CliOutcome syntax = check("model: m.json\ntopic: [a, b\nqos: 1\n");
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_THAT(syntax.err, HasSubstr("edge.yaml:"));
  EXPECT_THAT(syntax.err, HasSubstr("YAML syntax"));
}

TEST_F(EdgeConfigTest, OptionChecksBeyondTheFileStillApply) {
  // Values the command checks after parsing (durations, N/M, the service's own checks) exit 2
  // naming the flag, as on the command line.
  const testing::CliOutcome o = check("model: m.json\noverflow: sometimes\n");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("--overflow 'sometimes'"));
  const testing::CliOutcome duration = check("model: m.json\nwatch-interval: soon\n");
  EXPECT_EQ(duration.exit_code, 2);
  EXPECT_THAT(duration.err, HasSubstr("--watch-interval: duration 'soon'"));
  const testing::CliOutcome no_model = check("qos: 1\n");
  EXPECT_EQ(no_model.exit_code, 2);
  EXPECT_THAT(no_model.err, HasSubstr("a model is required"));
  const testing::CliOutcome missing = run("--config " + (scratch_ / "absent.yaml").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("absent.yaml"));
  const testing::CliOutcome partial_registry = check("registry-model: motor@staging\n");
  EXPECT_EQ(partial_registry.exit_code, 2);
  EXPECT_THAT(partial_registry.err, HasSubstr("--registry-key"));
  EXPECT_THAT(check("model: m.json\nqos: 1\n").out, Not(HasSubstr("broker:")))
      << "defaults are left out";
}

}  // namespace
}  // namespace aiotops
