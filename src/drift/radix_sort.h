#pragma once
// Sorting the values of a sample: the cost that dominates a KS test, so large samples use an
// LSD radix sort on the doubles' order-preserving bit patterns (6 passes of 11 bits) instead of
// std::sort's comparisons.

#include <vector>

namespace aiotops::drift {

// Sorts `values` ascending. They must not hold NaN (a NaN has no place in the order); -0.0
// sorts before +0.0, which compare equal anyway. Allocates two scratch arrays of the input's
// size for large inputs. Thread-safe for distinct vectors.
void sort_values(std::vector<double>& values);

}  // namespace aiotops::drift
