#include "edge/registry_event_stream.h"

#include <gtest/gtest.h>

#include <vector>

namespace aiotops::edge {
namespace {

class EventStreamParserTest : public ::testing::Test {
 protected:
  EventStreamParser parser_{[this](const ServerSentEvent& e) { events_.push_back(e); }, 64};
  std::vector<ServerSentEvent> events_;
};

constexpr std::string_view kStream =
    ": connected\n\n"
    "id: 17\nevent: alias.moved\ndata: {\"name\":\"motor\",\"alias\":\"production\"}\n\n"
    ": keepalive\n\n"
    "event: resync\r\ndata: {\"dropped\":3}\r\n\r\n"
    "data: first\ndata: second\n\n";

TEST_F(EventStreamParserTest, DispatchesEventsAndSkipsComments) {
  ASSERT_TRUE(parser_.feed(kStream));
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].id, "17");
  EXPECT_EQ(events_[0].type, "alias.moved");
  EXPECT_EQ(events_[0].data, R"({"name":"motor","alias":"production"})");
  EXPECT_EQ(events_[1].type, "resync") << "CRLF line ends";
  EXPECT_EQ(events_[1].data, R"({"dropped":3})");
  EXPECT_EQ(events_[2].type, "message") << "no event field";
  EXPECT_EQ(events_[2].data, "first\nsecond");
}

TEST_F(EventStreamParserTest, SameEventsWhateverTheChunkBoundaries) {
  for (size_t chunk = 1; chunk <= 7; ++chunk) {
    events_.clear();
    for (size_t at = 0; at < kStream.size(); at += chunk) {
      ASSERT_TRUE(parser_.feed(kStream.substr(at, chunk)));
    }
    ASSERT_EQ(events_.size(), 3u) << "chunks of " << chunk;
    EXPECT_EQ(events_[0].type, "alias.moved");
    EXPECT_EQ(events_[2].data, "first\nsecond");
  }
}

TEST_F(EventStreamParserTest, AnEventWaitsForItsBlankLine) {
  ASSERT_TRUE(parser_.feed("event: alias.moved\ndata: x\n"));
  EXPECT_TRUE(events_.empty());
  ASSERT_TRUE(parser_.feed("\n"));
  EXPECT_EQ(events_.size(), 1u);
  ASSERT_TRUE(parser_.feed("event: only-a-type\n\n"));
  EXPECT_EQ(events_.size(), 1u) << "an event without data is not dispatched";
}

TEST_F(EventStreamParserTest, RefusesALineBeyondTheLimit) {
  EXPECT_FALSE(parser_.feed(std::string(65, 'x')));
  EventStreamParser split([](const ServerSentEvent&) {}, 64);
  EXPECT_TRUE(split.feed(std::string(40, 'x')));
  EXPECT_FALSE(split.feed(std::string(40, 'x') + "\n"));
}

}  // namespace
}  // namespace aiotops::edge
