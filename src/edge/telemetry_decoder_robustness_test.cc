// Nasty payloads through the decoder and the dead-letter encoder: every message is either
// accepted with finite, in-range values or refused with a reason, and its dead letter is always
// valid JSON of bounded size. Seeded, so a failure reproduces.

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "edge/dead_letter.h"
#include "edge/telemetry_decoder.h"

namespace aiotops::edge {
namespace {

constexpr std::string_view kValid =
    R"({"deviceID":"esp32-1a2b","timeStamp":1700000000123,"current":412.50,)"
    R"("temperature":36.60,"vibration":1235.90,"sound":150.60,"fft_data":"true"})";

class DecoderRobustnessTest : public ::testing::Test {
 protected:
  // Decodes `payload`, checks the invariants, and returns the reason name or "ok".
  std::string check(std::string_view payload) {
    if (decoder_.decode("motors/7", payload, reading_, rejection_)) {
      EXPECT_EQ(reading_.values.size(), 4u);
      for (size_t i = 0; i < reading_.values.size(); ++i) {
        EXPECT_TRUE(std::isfinite(reading_.values[i]));
        EXPECT_GE(reading_.values[i], ranges_[i].min - (ranges_[i].max - ranges_[i].min));
        EXPECT_LE(reading_.values[i], ranges_[i].max + (ranges_[i].max - ranges_[i].min));
      }
      EXPECT_FALSE(reading_.device_id.empty());
      return "ok";
    }
    EXPECT_FALSE(rejection_.detail.empty());
    DeadLetter letter{rejection_.reason, rejection_.detail, "motors/7", 1, payload};
    encode_dead_letter(letter, {.max_payload_bytes = 256}, out_);
    std::string_view text(out_.data(), out_.size());
    EXPECT_LT(text.size(), 1024u + rejection_.detail.size() * 6);
    auto json = nlohmann::json::parse(text, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << text;
    if (!json.is_discarded()) {
      EXPECT_EQ(json["reason"], to_string(rejection_.reason));
    }
    return std::string(to_string(rejection_.reason));
  }

  std::vector<ValueRange> ranges_{{0, 2000}, {0, 200}, {0, 3000}, {0, 500}};
  TelemetryDecoder decoder_ =
      *TelemetryDecoder::create({"current", "temperature", "vibration", "sound"}, ranges_);
  telemetry::Reading reading_;
  Rejection rejection_;
  fmt::memory_buffer out_;
};

TEST_F(DecoderRobustnessTest, NamedNastyPayloads) {
  EXPECT_EQ(check(kValid), "ok");
  EXPECT_EQ(check(""), "invalid_json");
  EXPECT_EQ(check("   \n"), "invalid_json");
  EXPECT_EQ(check("null"), "not_an_object");
  EXPECT_EQ(check("\"text\""), "not_an_object");
  EXPECT_EQ(check("{}"), "missing_field");
  EXPECT_EQ(check(std::string(1 << 20, '{')), "too_large");
  std::string megabyte_json = std::string(kValid.substr(0, kValid.size() - 1)) + ",\"pad\":\"" +
                              std::string(1 << 20, 'x') + "\"}";
  EXPECT_EQ(check(megabyte_json), "too_large");
  // Deep nesting within the size limit: skipped without recursion inside an ignored field,
  // refused when unbalanced or when it is the whole message.
  std::string head = std::string(kValid.substr(0, kValid.size() - 1)) + ",\"x\":";
  EXPECT_EQ(check(head + std::string(20000, '[') + std::string(20000, ']') + "}"), "ok");
  EXPECT_EQ(check(head + std::string(20000, '[') + std::string(19999, ']') + "}"), "invalid_json");
  EXPECT_EQ(check(head + std::string(20000, '{') + "}"), "invalid_json");
  EXPECT_EQ(check(std::string(30000, '[') + std::string(30000, ']')), "not_an_object");
  EXPECT_EQ(check(R"({"current":1e99999,"temperature":1,"vibration":1,"sound":1})"),
            "out_of_range");
  EXPECT_EQ(check(R"({"current":123456789012345678901234567890,"temperature":1,)"
                  R"("vibration":1,"sound":1})"),
            "out_of_range");
  EXPECT_EQ(check(R"({"current":Infinity,"temperature":1,"vibration":1,"sound":1})"), "non_finite");
  EXPECT_EQ(check(R"({"current":1,"temperature":1,"vibration":1,"sound":1,"sound":2})"),
            "duplicate_field");
  EXPECT_EQ(check(R"({"deviceID":"a","deviceID":"b","current":1,"temperature":1,)"
                  R"("vibration":1,"sound":1})"),
            "duplicate_field");
  EXPECT_EQ(check(std::string_view("{\"current\":1\0}", 14)), "binary");
  EXPECT_EQ(check("\xEF\xBB\xBF{}"), "invalid_json");  // a byte-order mark is not JSON
}

TEST_F(DecoderRobustnessTest, RandomBytes) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 300);
  for (int i = 0; i < 2000; ++i) {
    std::string payload(length(random), '\0');
    for (char& c : payload) c = static_cast<char>(byte(random));
    EXPECT_NE(check(payload), "ok");
  }
}

TEST_F(DecoderRobustnessTest, MutatedValidMessages) {
  std::mt19937_64 random(11);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string_view alphabet = "{}[]\":,.-+eE0123456789 \\ntfu\xFF\x01";
  size_t accepted = 0;
  constexpr int kMessages = 5000;
  for (int i = 0; i < kMessages; ++i) {
    std::string payload(kValid);
    int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !payload.empty(); ++e) {
      size_t at = random() % payload.size();
      switch (random() % 4) {
        case 0:  // replace with a JSON-significant character
          payload[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:  // random byte
          payload[at] = static_cast<char>(byte(random));
          break;
        case 2:  // delete
          payload.erase(at, 1);
          break;
        default:  // cut
          payload.resize(at);
      }
    }
    if (check(payload) == "ok") ++accepted;
  }
  // Some mutations only touch digits or ignored text; most break the message.
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, size_t{kMessages});
}

}  // namespace
}  // namespace aiotops::edge
