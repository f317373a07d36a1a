#include "tflite/c_array.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "support/scratch_dir.h"
#include "tflite/reader.h"
#include "tflite/test_models.h"
#include "tflite/writer.h"

namespace aiotops::tflite {
namespace {

namespace fs = std::filesystem;

class CArrayTest : public ::testing::Test {
 protected:
  // Runs a shell command with the output in dir_/log; returns its exit status.
  int run(const std::string& command) {
    return std::system(fmt::format("{} > '{}' 2>&1", command, (dir_ / "log").string()).c_str());
  }
  std::string log() { return read_file(dir_ / "log").value_or(""); }

  aiotops::testing::ScratchDir dir_{"c-array-test"};
};

// A C program that checks the macros and the alignment and writes the array to a file.
constexpr std::string_view kProgram = R"(#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "model.h"

static const char* const names[] = MOTOR_MODEL_FEATURE_NAMES;
static const char* const levels[] = MOTOR_MODEL_ALERT_LEVEL_NAMES;
static const float level_from[] = MOTOR_MODEL_ALERT_LEVEL_FROM;

int main(int argc, char** argv) {
  FILE* out;
  if (argc != 2) return 2;
  if ((uintptr_t)motor_model % 16 != 0) return 3;
  if (sizeof(motor_model) != MOTOR_MODEL_LEN || motor_model_len != MOTOR_MODEL_LEN) return 4;
  if (sizeof(names) / sizeof(names[0]) != MOTOR_MODEL_FEATURE_COUNT) return 5;
  if (strcmp(names[3], "torque_nm") != 0) return 6;
  if (MOTOR_MODEL_THRESHOLD != 0.35f) return 7;
  if (sizeof(levels) / sizeof(levels[0]) != MOTOR_MODEL_ALERT_LEVEL_COUNT) return 8;
  if (level_from[2] != 0.8f || strcmp(levels[2], "immediate-failure") != 0) return 9;
  if (strcmp(MOTOR_MODEL_MODEL_NAME, "mo\"tor\\?") != 0) return 10;
  if (strlen(MOTOR_MODEL_DATASET_SHA256) != 64) return 11;
  out = fopen(argv[1], "wb");
  if (out == NULL) return 12;
  if (fwrite(motor_model, 1, sizeof(motor_model), out) != sizeof(motor_model)) return 13;
  return fclose(out) == 0 ? 0 : 14;
}
)";

TEST_F(CArrayTest, CompilesAsCAndHoldsTheModelBytes) {
  Graph graph = testing::int8_graph(testing::float_graph(testing::mlp_model()), false);
  graph.metadata.model_name = "mo\"tor\\?";
  auto bytes = write_tflite(graph);
  ASSERT_TRUE(bytes.has_value());
  auto header = to_c_array(*bytes, CArrayOptions{.symbol = "motor_model"}, graph.metadata);
  ASSERT_TRUE(header.has_value()) << header.error().message();
  ASSERT_TRUE(write_file_atomic(dir_ / "model.h", *header).has_value());
  ASSERT_TRUE(write_file_atomic(dir_ / "main.c", kProgram).has_value());
  const std::string main_c = (dir_ / "main.c").string();
  const std::string program = (dir_ / "program").string();
  ASSERT_EQ(run(fmt::format("cc -std=c99 -Wall -Wextra -Werror -o '{}' '{}'", program, main_c)), 0)
      << log();
  ASSERT_EQ(run(fmt::format("'{}' '{}'", program, (dir_ / "bytes").string())), 0) << log();
  EXPECT_EQ(read_file(dir_ / "bytes").value_or(""), *bytes);
  // And as C++.
  EXPECT_EQ(run(fmt::format("c++ -fsyntax-only -Wall -Wextra -Werror -x c++ '{}'", main_c)), 0)
      << log();
}

TEST_F(CArrayTest, MacrosAndLayout) {
  GraphMetadata metadata;
  metadata.model_name = "m";
  metadata.model_version = "1";
  metadata.feature_names = {"a", "b"};
  metadata.threshold = 1.0f;
  auto header = to_c_array(std::string("\x1c\x00\xff", 3), CArrayOptions{.symbol = "m"}, metadata);
  ASSERT_TRUE(header.has_value());
  EXPECT_NE(header->find("#define M_LEN 3u\n"), std::string::npos);
  EXPECT_NE(header->find("#define M_FEATURE_COUNT 2\n"), std::string::npos);
  EXPECT_NE(header->find("#define M_FEATURE_NAMES {\"a\", \"b\"}\n"), std::string::npos);
  EXPECT_NE(header->find("#define M_THRESHOLD 1.0f\n"), std::string::npos);
  EXPECT_NE(header->find("__attribute__((aligned(16)))"), std::string::npos);
  EXPECT_NE(header->find("  0x1c, 0x00, 0xff,\n"), std::string::npos);
  EXPECT_NE(header->find("#ifndef M_H_"), std::string::npos);
}

// A C program that standardizes a reading with the macros of a model with raw int8 input.
constexpr std::string_view kStandardizeProgram = R"(#include "model.h"

static const float mean[] = MOTOR_MODEL_INPUT_MEAN;
static const float scale[] = MOTOR_MODEL_INPUT_SCALE;

int main(void) {
  const float torque = 49.96f;
  if (sizeof(mean) / sizeof(mean[0]) != MOTOR_MODEL_FEATURE_COUNT) return 1;
  if (sizeof(scale) / sizeof(scale[0]) != MOTOR_MODEL_FEATURE_COUNT) return 2;
  if (mean[0] != 300.0f || mean[2] != 1538.8f || scale[1] != 1.48f || scale[3] != 9.97f) return 3;
  return (torque - mean[3]) / scale[3] == (49.96f - 39.99f) / 9.97f ? 0 : 4;
}
)";

TEST_F(CArrayTest, RawInt8InputCarriesTheStandardization) {
  const Graph graph = testing::int8_graph(
      testing::float_graph(testing::logistic_model(), testing::unfolded()), false);
  for (bool int8_io : {false, true}) {
    auto bytes = write_tflite(graph, {.int8_io = int8_io});
    ASSERT_TRUE(bytes.has_value()) << bytes.error().message();
    // The metadata as the file holds it, as `aiotops export` passes it.
    auto summary = read_tflite(*bytes);
    ASSERT_TRUE(summary.has_value() && summary->aiotops.has_value());
    auto header = to_c_array(*bytes, CArrayOptions{.symbol = "motor_model"}, *summary->aiotops);
    ASSERT_TRUE(header.has_value()) << header.error().message();
    if (!int8_io) {  // float input: the model standardizes itself
      EXPECT_EQ(header->find("INPUT_MEAN"), std::string::npos);
      continue;
    }
    EXPECT_NE(header->find("#define MOTOR_MODEL_INPUT_MEAN {300.0f, 310.0f, 1538.8f, 39.99f}\n"),
              std::string::npos);
    EXPECT_NE(header->find("#define MOTOR_MODEL_INPUT_SCALE {2.0f, 1.48f, 179.3f, 9.97f}\n"),
              std::string::npos);
    ASSERT_TRUE(write_file_atomic(dir_ / "model.h", *header).has_value());
    ASSERT_TRUE(write_file_atomic(dir_ / "standardize.c", kStandardizeProgram).has_value());
    const std::string source = (dir_ / "standardize.c").string();
    const std::string program = (dir_ / "standardize").string();
    ASSERT_EQ(run(fmt::format("cc -std=c99 -Wall -Wextra -Werror -ffp-contract=off -o '{}' '{}'",
                              program, source)),
              0)
        << log();
    EXPECT_EQ(run(fmt::format("'{}'", program)), 0) << log();
  }
}

TEST_F(CArrayTest, RefusesSymbolsThatAreNotCIdentifiers) {
  for (const std::string symbol : {"", "1model", "my-model", "a b"}) {
    auto header = to_c_array("x", CArrayOptions{.symbol = symbol}, GraphMetadata{});
    ASSERT_FALSE(header.has_value()) << symbol;
    EXPECT_EQ(header.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace aiotops::tflite
