#include "tflite/reader.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tflite/metadata.h"
#include "tflite/test_models.h"
#include "tflite/writer.h"

namespace aiotops::tflite {
namespace {

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;

std::string valid_file() {
  auto bytes =
      write_tflite(testing::int8_graph(testing::float_graph(testing::logistic_model()), false));
  EXPECT_TRUE(bytes.has_value());
  return bytes.value_or("");
}

void expect_corrupt(std::string_view bytes, std::string_view message_part) {
  auto summary = read_tflite(bytes);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(summary.error().message().find(message_part), std::string::npos)
      << summary.error().message();
}

// A hand-built model: one tensor ("t", float [1, 1], `tensor_buffer`, with a quantization table
// holding only `zero_points` when they are given), `buffer_count` buffers (the last holding
// `data`), one LOGISTIC operator reading `op_input`, and `metadata` as an "aiotops" entry when
// non-empty.
std::string hand_built(int32_t op_input, uint32_t tensor_buffer, size_t buffer_count,
                       std::vector<uint8_t> data, std::string metadata = "",
                       std::vector<int64_t> zero_points = {}) {
  fb::FlatBufferBuilder fbb;
  std::vector<fb::Offset<tfl::Buffer>> buffers{tfl::CreateBuffer(fbb)};
  while (buffers.size() + 1 < buffer_count) buffers.push_back(tfl::CreateBuffer(fbb));
  if (buffer_count > 1) buffers.push_back(tfl::CreateBuffer(fbb, fbb.CreateVector(data)));
  const std::vector<int32_t> shape{1, 1};
  const auto quantization = zero_points.empty() ? 0
                                                : tfl::CreateQuantizationParameters(
                                                      fbb, 0, 0, 0, fbb.CreateVector(zero_points));
  const std::vector<fb::Offset<tfl::Tensor>> tensors{
      tfl::CreateTensor(fbb, fbb.CreateVector(shape), tfl::TensorType::FLOAT32, tensor_buffer,
                        fbb.CreateString("t"), quantization)};
  const std::vector<int32_t> inputs{op_input};
  const std::vector<int32_t> outputs{0};
  const std::vector<fb::Offset<tfl::Operator>> operators{
      tfl::CreateOperator(fbb, 0, fbb.CreateVector(inputs), fbb.CreateVector(outputs))};
  const std::vector<fb::Offset<tfl::OperatorCode>> codes{
      tfl::CreateOperatorCode(fbb, 14, 0, 1, tfl::BuiltinOperator::LOGISTIC)};
  const std::vector<int32_t> io{0};
  const std::vector<fb::Offset<tfl::SubGraph>> subgraphs{
      tfl::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(io),
                          fbb.CreateVector(io), fbb.CreateVector(operators))};
  std::vector<fb::Offset<tfl::Metadata>> entries;
  if (!metadata.empty()) {
    buffers.push_back(tfl::CreateBuffer(
        fbb, fbb.CreateVector(reinterpret_cast<const uint8_t*>(metadata.data()), metadata.size())));
    entries.push_back(tfl::CreateMetadata(fbb, fbb.CreateString("aiotops"),
                                          static_cast<uint32_t>(buffers.size() - 1)));
  }
  tfl::FinishModelBuffer(
      fbb, tfl::CreateModel(fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(subgraphs), 0,
                            fbb.CreateVector(buffers), 0, fbb.CreateVector(entries)));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

TEST(ReaderTest, HandBuiltModelReads) {
  auto summary = read_tflite(hand_built(0, 0, 1, {}));
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  ASSERT_EQ(summary->operators.size(), 1u);
  EXPECT_EQ(summary->operators[0].op, tfl::BuiltinOperator::LOGISTIC);
  EXPECT_FALSE(summary->aiotops.has_value());
}

TEST(ReaderTest, ReadsAnyAlignment) {
  const std::string file = valid_file();
  const std::string shifted = "x" + file;
  EXPECT_TRUE(read_tflite(std::string_view(shifted).substr(1)).has_value());
}

TEST(ReaderTest, RejectsShortAndForeignFiles) {
  expect_corrupt("", "too short");
  expect_corrupt("TFL3", "too short");
  std::string file = valid_file();
  file.replace(4, 4, "TFL2");
  expect_corrupt(file, "identifier 'TFL2', expected 'TFL3'");
  file.replace(4, 4, std::string("\x01\x02\x03\x04", 4));
  expect_corrupt(file, "identifier '\\x01\\x02\\x03\\x04'");
}

TEST(ReaderTest, RejectsEveryTruncation) {
  const std::string file = valid_file();
  for (size_t length = 0; length < file.size(); ++length) {
    auto summary = read_tflite(std::string_view(file).substr(0, length));
    ASSERT_FALSE(summary.has_value()) << "a prefix of " << length << " bytes was accepted";
    EXPECT_EQ(summary.error().code(), ErrorCode::kCorrupt);
  }
}

// Every single-bit flip either still reads (a value changed) or fails with kCorrupt; under
// ASan/UBSan, nothing is read out of bounds.
TEST(ReaderTest, SurvivesEveryBitFlip) {
  const std::string file = valid_file();
  size_t rejected = 0;
  for (size_t bit = 0; bit < file.size() * 8; ++bit) {
    std::string damaged = file;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    auto summary = read_tflite(damaged);
    if (!summary) {
      EXPECT_EQ(summary.error().code(), ErrorCode::kCorrupt);
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0u);
}

TEST(ReaderTest, RejectsOutOfRangeIndices) {
  expect_corrupt(hand_built(7, 0, 1, {}),
                 "subgraphs[0].operators[0].inputs[0] = 7 is not a tensor index");
  expect_corrupt(hand_built(0, 5, 1, {}), "subgraphs[0].tensors[0].buffer = 5 but the file has 1");
}

TEST(ReaderTest, AcceptsAnAbsentOptionalInput) {
  EXPECT_TRUE(read_tflite(hand_built(-1, 0, 1, {})).has_value());
}

TEST(ReaderTest, RejectsDataThatDoesNotFitTheShape) {
  EXPECT_TRUE(read_tflite(hand_built(0, 1, 2, {0, 0, 128, 63})).has_value());
  expect_corrupt(hand_built(0, 1, 2, {0, 0, 128}), "has 3 bytes of data, its shape needs 4");
}

// Found by fuzz_tflite: zero points without scales. TFLite (and the inference core) read such a
// tensor as not quantized; the reader refused the file.
TEST(ReaderTest, ZeroPointsWithoutScalesAreNoQuantization) {
  auto summary = read_tflite(hand_built(0, 0, 1, {}, "", {0}));
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  EXPECT_FALSE(summary->tensors[0].has_quantization());
  EXPECT_TRUE(summary->tensors[0].zero_points.empty());
}

// Found by fuzz_tflite: a threshold or level bound beyond float32 became infinity (inspect
// printed "threshold inf"; a device would never alert) and did not survive writing back.
TEST(ReaderTest, RejectsMetadataNumbersBeyondFloat32) {
  GraphMetadata metadata;
  metadata.threshold = 0.25f;
  metadata.alert_level_names = {"no-fault", "failure"};
  metadata.alert_level_from = {0.0f, 0.5f};
  const std::string json = metadata_to_json(metadata);
  ASSERT_TRUE(read_tflite(hand_built(0, 0, 1, {}, json)).has_value());
  std::string huge_threshold = json;
  huge_threshold.replace(huge_threshold.find("0.25"), 4, "1e300");
  expect_corrupt(hand_built(0, 0, 1, {}, huge_threshold),
                 "field 'threshold' is 1e+300, which does not fit in float32");
  std::string huge_level = json;
  huge_level.replace(huge_level.find("0.5"), 3, "-1e39");
  expect_corrupt(hand_built(0, 0, 1, {}, huge_level), "field 'alert_levels[1].from' is -1e+39");
}

TEST(ReaderTest, RejectsBadAiotopsMetadata) {
  expect_corrupt(hand_built(0, 0, 1, {}, "{not json"), "metadata 'aiotops': ");
  expect_corrupt(hand_built(0, 0, 1, {}, R"({"format": "other"})"), "field 'format'");
}

}  // namespace
}  // namespace aiotops::tflite
