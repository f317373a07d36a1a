#include "pipeline/condition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

using ::testing::HasSubstr;

struct Case {
  std::string text;
  bool expected;
};

void PrintTo(const Case& input, std::ostream* os) { *os << input.text; }

class ConditionHolds : public ::testing::TestWithParam<Case> {};

TEST_P(ConditionHolds, AsArgoEvaluatesIt) {
  auto result = evaluate_condition(GetParam().text);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(*result, GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConditionHolds,
    ::testing::Values(Case{"", true}, Case{"true", true}, Case{"false", false},
                      // Bare words are strings (Argo's coinflip example).
                      Case{"heads == heads", true}, Case{"tails == heads", false},
                      Case{"tails != heads", true}, Case{"'heads' == heads", true},
                      Case{"\"a b\" == 'a b'", true},
                      // Numbers compare as numbers.
                      Case{"5 > 3", true}, Case{"10 > 9", true}, Case{"0.75 >= 0.7", true},
                      Case{"2 <= 1.5", false}, Case{"-1 < 0", true}, Case{"3 == 3.0", true},
                      // A number never equals a string.
                      Case{"5 == '5'", false}, Case{"5 != '5'", true},
                      // Strings order lexicographically.
                      Case{"abc < abd", true}, Case{"5 > 3 && heads == heads", true},
                      Case{"5 < 3 || !(1 == 2)", true}, Case{"!true || false", false},
                      Case{"(1 < 2) == true", true}, Case{"'model-7' =~ 'model-[0-9]+'", true},
                      Case{"'model-x' !~ '^model-[0-9]$'", true}, Case{"  1 < 2  ", true}));

class ConditionRejects : public ::testing::TestWithParam<std::string> {};

TEST_P(ConditionRejects, NamingTheText) {
  auto result = evaluate_condition(GetParam());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(result.error().message(), HasSubstr("when '" + GetParam() + "'"));
}

INSTANTIATE_TEST_SUITE_P(Cases, ConditionRejects,
                         ::testing::Values("5", "heads", "1 < heads", "true && 1", "(1 < 2", "1 <",
                                           "'open", "a ? b", "x =~ '('", "!5", "3abc == 3",
                                           "true < false",
                                           // '-' is not part of a bare word: quote such values
                                           "model-7 == model-7"));

}  // namespace
}  // namespace aiotops::pipeline
