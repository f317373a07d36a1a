// The core allocates nothing: every global operator new in this test binary counts
// (support/allocation_counter.h), and loading, running and querying models must leave the count
// unchanged.

#include <cstddef>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "micro/interpreter.h"
#include "micro/test_model.h"
#include "support/allocation_counter.h"

namespace aiotops::micro {
namespace {

TEST(NoAllocation, InitInvokeAndAccessorsAllocateNothing) {
  // Models and arenas are prepared (and allocated) first.
  const testing::AlignedModel int8_model(testing::build_model(testing::int8_logistic_regression()));
  const testing::AlignedModel float_model(
      testing::build_model(testing::float_logistic_regression()));
  const std::string broken_bytes = testing::build_model(testing::int8_logistic_regression());
  const testing::AlignedModel truncated(broken_bytes.substr(0, broken_bytes.size() / 2));
  std::vector<uint8_t> arena(4096);
  const float features[] = {1.0f, 2.0f};
  float score = 0.0f;
  size_t needed = 0;
  const uint8_t* metadata = nullptr;
  size_t metadata_size = 0;

  const size_t before = aiotops::testing::allocation_count();
  Interpreter interpreter;
  for (const testing::AlignedModel* model : {&int8_model, &float_model}) {
    ASSERT_EQ(arena_required(model->data(), model->size(), &needed), Status::kOk);
    ASSERT_EQ(interpreter.init(model->data(), model->size(), arena.data(), arena.size()),
              Status::kOk);
    ASSERT_EQ(interpreter.set_input(0, features, 2), Status::kOk);
    ASSERT_EQ(interpreter.invoke(), Status::kOk);
    ASSERT_EQ(interpreter.get_output(0, &score, 1), Status::kOk);
  }
  EXPECT_EQ(interpreter.metadata("none", &metadata, &metadata_size), Status::kMetadataNotFound);
  EXPECT_EQ(interpreter.init(truncated.data(), truncated.size(), arena.data(), arena.size()),
            Status::kCorruptModel);
  const size_t after = aiotops::testing::allocation_count();
  EXPECT_EQ(after, before);

  // The counter does count: a vector's buffer is one allocation.
  std::vector<int> counted(16);
  EXPECT_EQ(aiotops::testing::allocation_count(), after + 1);
}

}  // namespace
}  // namespace aiotops::micro
