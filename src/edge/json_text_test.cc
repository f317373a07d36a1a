#include "edge/json_text.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

namespace aiotops::edge {
namespace {

std::string as_json_string(std::string_view text) {
  fmt::memory_buffer out;
  append_json_string(out, text);
  return fmt::to_string(out);
}

std::string as_json_number(double value) {
  fmt::memory_buffer out;
  append_json_number(out, value);
  return fmt::to_string(out);
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(as_json_string("motor-7"), R"("motor-7")");
  EXPECT_EQ(as_json_string(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(as_json_string("l1\nl2\r\t"), R"("l1\nl2\r\t")");
  EXPECT_EQ(as_json_string(std::string_view("\x00\x01\x1f\x7f", 4)),
            "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(as_json_string(""), R"("")");
}

TEST(JsonTextTest, KeepsValidUtf8AndReplacesEverythingElse) {
  EXPECT_EQ(as_json_string("Motor \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5"),
            "\"Motor \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5\"");
  // A lone continuation byte, a truncated sequence, an overlong '/', a UTF-16 surrogate, a byte
  // beyond U+10FFFF, and 0xFF.
  EXPECT_EQ(as_json_string("a\x80z"), R"("a\ufffdz")");
  EXPECT_EQ(as_json_string("a\xE2\x82"), R"("a\ufffd\ufffd")");
  EXPECT_EQ(as_json_string("\xC0\xAF"), R"("\ufffd\ufffd")");
  EXPECT_EQ(as_json_string("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");
  EXPECT_EQ(as_json_string("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");
  EXPECT_EQ(as_json_string("\xFF"), R"("\ufffd")");
}

TEST(JsonTextTest, NumbersAreShortestAndRoundTrip) {
  EXPECT_EQ(as_json_number(0.1), "0.1");
  EXPECT_EQ(as_json_number(412.5), "412.5");
  EXPECT_EQ(as_json_number(20971516.0), "20971516");
  EXPECT_EQ(as_json_number(-0.0), "-0");
  EXPECT_EQ(as_json_number(1e300), "1e+300");
  EXPECT_EQ(as_json_number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(as_json_number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(as_json_number(-std::numeric_limits<double>::infinity()), "null");

  std::mt19937_64 random(42);
  for (int i = 0; i < 20000; ++i) {
    double value = std::bit_cast<double>(random());
    if (!std::isfinite(value)) continue;
    std::string text = as_json_number(value);
    EXPECT_EQ(std::bit_cast<uint64_t>(std::strtod(text.c_str(), nullptr)),
              std::bit_cast<uint64_t>(value))
        << text;
  }
}

TEST(JsonTextTest, MembersAreCommaSeparated) {
  fmt::memory_buffer out;
  out.push_back('{');
  append_json_member(out, "a", true);
  append_json_integer(out, -5);
  append_json_member(out, "b\"");
  append_json_number(out, 2.5);
  out.push_back('}');
  EXPECT_EQ(fmt::to_string(out), R"({"a":-5,"b\"":2.5})");
}

}  // namespace
}  // namespace aiotops::edge
