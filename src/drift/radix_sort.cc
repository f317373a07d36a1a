#include "drift/radix_sort.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>

namespace aiotops::drift {
namespace {

constexpr size_t kRadixThreshold = 1024;  // below this std::sort is as fast
constexpr int kDigitBits = 11;            // 2048 buckets: a pass's counts stay in L1
constexpr int kPasses = 6;                // 66 bits >= 64
constexpr size_t kBuckets = size_t{1} << kDigitBits;

// Flipping the sign bit of positives and every bit of negatives makes unsigned order equal
// numeric order.
uint64_t to_key(double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  return bits & (uint64_t{1} << 63) ? ~bits : bits | (uint64_t{1} << 63);
}

double from_key(uint64_t key) {
  return std::bit_cast<double>(key & (uint64_t{1} << 63) ? key & ~(uint64_t{1} << 63) : ~key);
}

size_t digit(uint64_t key, int pass) { return (key >> (pass * kDigitBits)) & (kBuckets - 1); }

}  // namespace

void sort_values(std::vector<double>& values) {
  const size_t n = values.size();
  if (n < kRadixThreshold) {
    std::sort(values.begin(), values.end());
    return;
  }
  std::vector<uint64_t> keys(n);
  std::vector<uint64_t> scratch(n);
  std::vector<size_t> counts(kPasses * kBuckets, 0);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = to_key(values[i]);
    for (int p = 0; p < kPasses; ++p) ++counts[p * kBuckets + digit(keys[i], p)];
  }
  for (int p = 0; p < kPasses; ++p) {
    size_t* count = &counts[p * kBuckets];
    if (count[digit(keys[0], p)] == n) continue;  // one bucket: this digit is already in order
    size_t offset = 0;
    for (size_t b = 0; b < kBuckets; ++b) offset += std::exchange(count[b], offset);
    for (uint64_t key : keys) scratch[count[digit(key, p)]++] = key;
    keys.swap(scratch);
  }
  for (size_t i = 0; i < n; ++i) values[i] = from_key(keys[i]);
}

}  // namespace aiotops::drift
