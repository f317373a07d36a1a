#include "edge/dead_letter_reason.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace aiotops::edge {
namespace {

using telemetry::RowProblem;

TEST(DeadLetterReasonTest, NamesAreDistinctSnakeCase) {
  std::set<std::string_view> names;
  for (DeadLetterReason reason : kAllDeadLetterReasons) {
    std::string_view name = to_string(reason);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_FALSE(name.empty());
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
  EXPECT_EQ(to_string(DeadLetterReason::kInvalidJson), "invalid_json");
  EXPECT_EQ(to_string(DeadLetterReason::kNonFinite), "non_finite");
  EXPECT_EQ(to_string(DeadLetterReason::kBadDeviceId), "bad_device_id");
}

TEST(DeadLetterReasonTest, ParserProblemsMapToReasons) {
  EXPECT_EQ(reason_of(RowProblem::kTooLarge), DeadLetterReason::kTooLarge);
  EXPECT_EQ(reason_of(RowProblem::kInvalidJson), DeadLetterReason::kInvalidJson);
  EXPECT_EQ(reason_of(RowProblem::kNotAnObject), DeadLetterReason::kNotAnObject);
  EXPECT_EQ(reason_of(RowProblem::kMissingField), DeadLetterReason::kMissingField);
  EXPECT_EQ(reason_of(RowProblem::kDuplicateField), DeadLetterReason::kDuplicateField);
  EXPECT_EQ(reason_of(RowProblem::kWrongType), DeadLetterReason::kWrongType);
  EXPECT_EQ(reason_of(RowProblem::kNotANumber), DeadLetterReason::kNonNumeric);
  EXPECT_EQ(reason_of(RowProblem::kEmptyValue), DeadLetterReason::kNonNumeric);
  EXPECT_EQ(reason_of(RowProblem::kNotFinite), DeadLetterReason::kNonFinite);
  EXPECT_EQ(reason_of(RowProblem::kOutOfRange), DeadLetterReason::kOutOfRange);
}

}  // namespace
}  // namespace aiotops::edge
