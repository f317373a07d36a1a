#pragma once
// Test-only: counts of plain operator new calls, so a test can prove that a warm path allocates
// nothing. Linking a test binary against aiotops::test_support and calling either function pulls
// in allocation_counter.cc, which replaces that binary's global operator new/delete with counting
// versions (aligned forms are left to the runtime; they pair with their own deletes).
// Thread-safe.

#include <cstddef>

namespace aiotops::testing {

// operator new calls made so far by every thread of this process.
size_t allocation_count();

// operator new calls made so far by the calling thread.
size_t thread_allocation_count();

}  // namespace aiotops::testing
