#include "edge/device_table.h"

#include <string>

#include <gtest/gtest.h>

#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

TEST(DeviceTableTest, KnownDevicesKeepTheirState) {
  DeviceTable<int> table(3);
  auto a = table.find_or_insert("a");
  EXPECT_TRUE(a.fresh);
  *a.state = 1;
  auto again = table.find_or_insert("a");
  EXPECT_FALSE(again.fresh);
  EXPECT_EQ(*again.state, 1);
  *table.find_or_insert("b").state = 2;
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(*table.find_or_insert("b").state, 2);
  EXPECT_EQ(table.evictions(), 0u);
}

TEST(DeviceTableTest, EvictsTheLeastRecentlySeen) {
  DeviceTable<int> table(3);
  *table.find_or_insert("a").state = 1;
  *table.find_or_insert("b").state = 2;
  *table.find_or_insert("c").state = 3;
  table.find_or_insert("a");  // b is now the least recently seen
  auto d = table.find_or_insert("d");
  EXPECT_TRUE(d.fresh);
  EXPECT_EQ(*d.state, 2);  // b's slot, for the caller to reset
  *d.state = 4;
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.evictions(), 1u);
  EXPECT_EQ(*table.find_or_insert("a").state, 1);
  EXPECT_EQ(*table.find_or_insert("c").state, 3);
  EXPECT_EQ(*table.find_or_insert("d").state, 4);
  EXPECT_TRUE(table.find_or_insert("b").fresh);  // evicts a, the least recent now
  EXPECT_EQ(table.evictions(), 2u);
  EXPECT_TRUE(table.find_or_insert("a").fresh);
}

TEST(DeviceTableTest, CapacityOfOne) {
  DeviceTable<int> table(1);
  *table.find_or_insert("a").state = 1;
  EXPECT_FALSE(table.find_or_insert("a").fresh);
  EXPECT_TRUE(table.find_or_insert("b").fresh);
  EXPECT_TRUE(table.find_or_insert("a").fresh);
  EXPECT_EQ(table.evictions(), 2u);
  EXPECT_EQ(table.size(), 1u);
}

TEST(DeviceTableTest, KnownDevicesAndEvictionsDoNotAllocate) {
  DeviceTable<int> table(100);
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.push_back("device-" + std::to_string(i));
  for (int i = 0; i < 100; ++i) table.find_or_insert(ids[i]);
  const size_t before = aiotops::testing::allocation_count();
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(table.find_or_insert(ids[i]).fresh);
  }
  // Evictions reuse the evicted device's index node and key (these ids fit its capacity).
  for (int i = 100; i < 200; ++i) EXPECT_TRUE(table.find_or_insert(ids[i]).fresh);
  EXPECT_EQ(aiotops::testing::allocation_count(), before);
  EXPECT_EQ(table.evictions(), 100u);
}

}  // namespace
}  // namespace aiotops::edge
