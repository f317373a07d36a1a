#pragma once
// What the edge service's model-swap tests share (header-only, test use only): a paced stream of
// numbered readings published from its own thread, and the check that a swap under that stream
// scored every reading exactly once and switched model versions once, in sequence order.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::testing {

// Publishes reading 0, 1, 2, ... through `publish_one` (true once the broker took it), about one
// per millisecond, until stop() or the destructor; a reading that can't be published ends the
// stream and sets failed().
class NumberedStream {
 public:
  explicit NumberedStream(std::function<bool(int64_t)> publish_one)
      : thread_([this, publish = std::move(publish_one)](std::stop_token stop) {
          for (int64_t i = 0; !stop.stop_requested(); ++i) {
            if (!publish(i)) {
              failed_ = true;
              return;
            }
            published_ = i + 1;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // steady, not a burst
          }
        }) {}

  int64_t published() const { return published_.load(); }
  bool failed() const { return failed_.load(); }
  void stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<int64_t> published_ = 0;
  std::atomic<bool> failed_ = false;
  std::jthread thread_;  // last: stopped and joined before the counters go
};

// `versions` maps each reading number to the model versions its results named. Expects readings
// 0..total-1 each scored once, versions containing `old_version` and then, from some reading at
// or after `switch_after` on, `new_version` only.
inline void expect_one_switch(const std::map<int64_t, std::vector<std::string>>& versions,
                              size_t total, std::string_view old_version,
                              std::string_view new_version, int64_t switch_after) {
  ASSERT_EQ(versions.size(), total);
  EXPECT_EQ(versions.begin()->first, 0);
  EXPECT_EQ(versions.rbegin()->first, static_cast<int64_t>(total) - 1);
  int64_t first_new = -1;
  for (const auto& [sequence, got] : versions) {
    ASSERT_EQ(got.size(), 1u) << "reading " << sequence << " scored " << got.size() << " times";
    const std::string& version = got[0];
    if (version.find(new_version) != std::string::npos) {
      if (first_new < 0) first_new = sequence;
    } else {
      EXPECT_THAT(version, ::testing::HasSubstr(std::string(old_version)))
          << "reading " << sequence;
      EXPECT_LT(first_new, 0) << "reading " << sequence << " scored by the old model after "
                              << "reading " << first_new << " was scored by the new one";
    }
  }
  EXPECT_GE(first_new, switch_after) << "the swap came after " << switch_after << " results";
  EXPECT_LT(first_new, static_cast<int64_t>(total)) << "no result of the new model";
}

}  // namespace aiotops::testing
