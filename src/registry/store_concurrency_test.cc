// Many writers at once: versions stay unique and gap-free per name, explicit versions race with
// exactly one winner, readers keep reading meanwhile; also across two Store instances on one
// directory (separate SQLite connections, as two processes would have).

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "registry/store.h"
#include "registry/store_test_util.h"

namespace aiotops::registry {
namespace {

using testing::open_store;
using testing::put_blob;
using testing::TempDir;

// Uploads `per_thread` distinct models named `name` from `threads` threads spread over
// `stores`; returns the versions they were given.
std::vector<int64_t> upload_concurrently(const std::vector<Store*>& stores, std::string name,
                                         int threads, int per_thread) {
  std::vector<std::vector<int64_t>> versions(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Store& store = *stores[static_cast<size_t>(t) % stores.size()];
      for (int i = 0; i < per_thread; ++i) {
        NewModel spec;
        spec.name = name;
        auto model =
            store.add_model(spec, put_blob(store, fmt::format("thread {} upload {}", t, i)));
        EXPECT_TRUE(model) << model.error().message();
        if (model) versions[static_cast<size_t>(t)].push_back(model->version);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  std::vector<int64_t> all;
  for (const auto& v : versions) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));  // one thread's uploads in its order
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<int64_t> one_to(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i + 1;
  return v;
}

TEST(StoreConcurrencyTest, ManyWritersGetUniqueGapFreeVersions) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (writing) {
      auto listed = store->list_models("motor");
      EXPECT_TRUE(listed) << listed.error().message();
      // Every snapshot a reader sees is a prefix 1..n: no gap is ever visible.
      if (listed) {
        for (size_t i = 0; i < listed->size(); ++i) {
          EXPECT_EQ((*listed)[i].version, static_cast<int64_t>(i) + 1);
        }
      }
      ++reads;
    }
  });
  auto versions = upload_concurrently({store.get()}, "motor", 8, 10);
  writing = false;
  reader.join();
  EXPECT_EQ(versions, one_to(80));
  EXPECT_GT(reads.load(), 0);
  auto listed = store->list_models("motor").value();
  ASSERT_EQ(listed.size(), 80u);
  std::set<std::string> blobs;
  for (const auto& m : listed) blobs.insert(m.sha256);
  EXPECT_EQ(blobs.size(), 80u);
  EXPECT_TRUE(store->check()->ok());
}

TEST(StoreConcurrencyTest, TwoStoresOnOneDirectoryShareTheCounter) {
  TempDir dir;
  auto a = open_store(dir.path());
  auto b = open_store(dir.path());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->keys().public_key, b->keys().public_key);
  auto versions = upload_concurrently({a.get(), b.get()}, "motor", 6, 8);
  EXPECT_EQ(versions, one_to(48));
  EXPECT_EQ(b->list_models("motor")->size(), 48u);
}

TEST(StoreConcurrencyTest, RacingForOneExplicitVersionHasOneWinner) {
  TempDir dir;
  auto a = open_store(dir.path());
  auto b = open_store(dir.path());
  ASSERT_TRUE(a && b);
  for (int64_t round = 1; round <= 5; ++round) {
    std::atomic<int> won{0};
    std::atomic<int> conflicts{0};
    std::vector<std::thread> racers;
    for (int t = 0; t < 6; ++t) {
      racers.emplace_back([&, t] {
        Store& store = t % 2 == 0 ? *a : *b;
        NewModel spec;
        spec.name = "motor";
        spec.version = round;
        auto model = store.add_model(spec, put_blob(store, fmt::format("r{} t{}", round, t)));
        if (model) {
          ++won;
        } else if (model.error().code() == ErrorCode::kAlreadyExists) {
          ++conflicts;
        } else {
          ADD_FAILURE() << model.error().message();
        }
      });
    }
    for (auto& racer : racers) racer.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(conflicts.load(), 5) << "round " << round;
  }
  EXPECT_EQ(a->latest_model("motor")->version, 5);
}

TEST(StoreConcurrencyTest, DatasetsModelsAndAliasesInterleave) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  NewModel first;
  first.name = "motor";
  ASSERT_TRUE(store->add_model(first, put_blob(*store, "seed")));
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        NewDataset dataset;
        dataset.name = "telemetry";
        auto d = store->add_dataset(dataset, put_blob(*store, testing::csv_text(5, t * 10 + i)));
        EXPECT_TRUE(d) << d.error().message();
        auto moved = store->set_alias("motor", "production", 1, fmt::format("t{}", t));
        EXPECT_TRUE(moved) << moved.error().message();
        auto resolved = store->resolve_model("motor", "production");
        EXPECT_TRUE(resolved) << resolved.error().message();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(store->latest_dataset("telemetry")->version, 20);
  EXPECT_EQ(store->alias_history("motor", "production")->size(), 20u);
}

}  // namespace
}  // namespace aiotops::registry
