#include "edge/dead_letter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

std::string encode(const DeadLetter& letter, DeadLetterOptions options = {}) {
  fmt::memory_buffer out;
  encode_dead_letter(letter, options, out);
  return fmt::to_string(out);
}

TEST(DeadLetterTest, TextPayloadIsCarriedEscaped) {
  DeadLetter letter{DeadLetterReason::kMissingField, R"(missing field "sound")",
                    "shaded-pole-motor-sensor_data", 1700000000123,
                    R"({"current":412.5,"note":"a\"b"})"};
  EXPECT_EQ(encode(letter),
            R"({"reason":"missing_field","detail":"missing field \"sound\"",)"
            R"("topic":"shaded-pole-motor-sensor_data","received_ms":1700000000123,)"
            R"("payload":"{\"current\":412.5,\"note\":\"a\\\"b\"}"})");
}

TEST(DeadLetterTest, BinaryPayloadIsCarriedAsBase64) {
  DeadLetter letter{DeadLetterReason::kBinary, "payload is not text", "t", 5,
                    std::string_view("\xFF\x00\x01hi", 5)};
  EXPECT_EQ(encode(letter), R"({"reason":"binary","detail":"payload is not text","topic":"t",)"
                            R"("received_ms":5,"payload_base64":"/wABaGk="})");
}

TEST(DeadLetterTest, LargePayloadsAreTruncatedAndFlagged) {
  std::string big(1 << 20, 'a');
  DeadLetter letter{DeadLetterReason::kTooLarge, "too large", "t", 0, big};
  std::string text = encode(letter, {.max_payload_bytes = 100});
  nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json["payload"], std::string(100, 'a'));
  EXPECT_EQ(json["truncated"], true);
  EXPECT_LT(text.size(), 300u);

  // Text is cut at a whole character: 'é' is two bytes.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
  letter.payload = accents;
  json = nlohmann::json::parse(encode(letter, {.max_payload_bytes = 7}));
  EXPECT_EQ(json["payload"], "\xC3\xA9\xC3\xA9\xC3\xA9");

  std::string binary(1000, '\xFF');
  letter.payload = binary;
  json = nlohmann::json::parse(encode(letter, {.max_payload_bytes = 6}));
  EXPECT_EQ(json["payload_base64"], "////////");
  EXPECT_EQ(json["truncated"], true);

  letter.payload = "short";
  json = nlohmann::json::parse(encode(letter, {.max_payload_bytes = 5}));
  EXPECT_FALSE(json.contains("truncated"));
}

TEST(DeadLetterTest, NetworkTextCannotBreakTheJson) {
  DeadLetter letter{DeadLetterReason::kInvalidJson, "bad \xFF detail", "top\"ic\n", 1,
                    std::string_view("{\"a\":\"\x01\"}", 9)};
  nlohmann::json json = nlohmann::json::parse(encode(letter));
  EXPECT_EQ(json["topic"], "top\"ic\n");
  EXPECT_EQ(json["detail"], "bad \xEF\xBF\xBD detail");
  EXPECT_EQ(json["payload"], "{\"a\":\"\x01\"}");
}

TEST(DeadLetterTest, WarmEncodingDoesNotAllocate) {
  std::string big(1 << 20, 'b');
  DeadLetter letter{DeadLetterReason::kTooLarge, "too large", "t", 0, big};
  fmt::memory_buffer out;
  encode_dead_letter(letter, {}, out);
  size_t before = aiotops::testing::allocation_count();
  for (int i = 0; i < 100; ++i) encode_dead_letter(letter, {}, out);
  letter.payload = std::string_view("\xFF\xFE", 2);
  encode_dead_letter(letter, {}, out);
  EXPECT_EQ(aiotops::testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace aiotops::edge
