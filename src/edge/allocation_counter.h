#pragma once
// Test-only: the number of plain operator new calls made so far by the edge_test binary, which
// replaces operator new (allocation_counter_test.cc) so tests can prove a warm path allocates
// nothing. Thread-safe.

#include <cstddef>

namespace aiotops::edge::testing {

size_t allocation_count();

}  // namespace aiotops::edge::testing
