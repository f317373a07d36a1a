#include "registry/fresh_cache.h"

#include <gtest/gtest.h>

namespace aiotops::registry {
namespace {

TEST(FreshCacheTest, AnEntryHoldsForItsTtlAndGenerationOnly) {
  FreshCache<std::string> cache(std::chrono::milliseconds(1000));
  EXPECT_FALSE(cache.find("a", 7, 0));
  cache.put("a", "one", 7, 5000);
  EXPECT_EQ(cache.find("a", 7, 5999), "one");
  EXPECT_FALSE(cache.find("a", 7, 6000));  // too old
  EXPECT_FALSE(cache.find("a", 7, 4999));  // a clock that went back trusts nothing
  EXPECT_FALSE(cache.find("a", 8, 5500));  // the store changed since
  EXPECT_FALSE(cache.find("b", 7, 5500));
  cache.put("a", "two", 8, 5500);
  EXPECT_EQ(cache.find("a", 8, 5600), "two");
}

TEST(FreshCacheTest, AFullCacheStartsOver) {
  FreshCache<int> cache(std::chrono::milliseconds(1000), 2);
  cache.put("a", 1, 0, 0);
  cache.put("b", 2, 0, 0);
  cache.put("b", 3, 0, 1);  // an update is not a new entry
  EXPECT_EQ(cache.find("a", 0, 2), 1);
  EXPECT_EQ(cache.find("b", 0, 2), 3);
  cache.put("c", 4, 0, 3);
  EXPECT_FALSE(cache.find("a", 0, 4));
  EXPECT_EQ(cache.find("c", 0, 4), 4);
}

}  // namespace
}  // namespace aiotops::registry
