#pragma once
// Test helpers for the registry's storage tests: a temp directory removed afterwards, a store
// with an injectable clock, small CSV and model payloads.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "registry/store.h"

namespace aiotops::registry::testing {

// A fresh directory under the system temp dir; removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "registry_test_XXXXXX");
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A clock tests move by hand (Unix milliseconds).
struct ManualClock {
  std::shared_ptr<std::atomic<int64_t>> ms =
      std::make_shared<std::atomic<int64_t>>(1'700'000'000'000);
  std::function<int64_t()> function() const {
    return [ms = ms] { return ms->load(); };
  }
};

// A small labelled CSV with `rows` rows; `seed` varies the values.
inline std::string csv_text(int rows, int seed = 0, std::string_view newline = "\n") {
  std::string text = fmt::format("deviceID,timeStamp,current,temperature,label{}", newline);
  for (int i = 0; i < rows; ++i) {
    text += fmt::format("dev-{},{},{}.5,{},{}{}", i % 3, 1000 + i, i + seed, 20 + (i * 7) % 11,
                        i % 4 == 0 ? 1 : 0, newline);
  }
  return text;
}

// Opens a store in `dir` or fails the test.
inline std::unique_ptr<Store> open_store(const std::filesystem::path& dir,
                                         std::function<int64_t()> clock = {}) {
  StoreOptions options;
  options.data_dir = dir;
  options.now_ms = std::move(clock);
  auto store = Store::open(options);
  EXPECT_TRUE(store) << store.error().message();
  return store ? std::move(*store) : nullptr;
}

// Stores `bytes` as a blob of `store` or fails the test.
inline BlobInfo put_blob(Store& store, std::string_view bytes) {
  auto writer = store.begin_upload();
  EXPECT_TRUE(writer) << writer.error().message();
  if (!writer) return {};
  EXPECT_TRUE(writer->append(bytes));
  auto info = writer->commit();
  EXPECT_TRUE(info) << info.error().message();
  return info ? *info : BlobInfo{};
}

}  // namespace aiotops::registry::testing
