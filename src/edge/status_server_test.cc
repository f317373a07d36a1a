#include "edge/status_server.h"

#include <atomic>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>

namespace aiotops::edge {
namespace {

TEST(StatusServer, ServesMetricsAndProbes) {
  std::atomic<bool> ready = false;
  StatusHandlers handlers;
  handlers.metrics = [] { return std::string("aiotops_up 1\n"); };
  handlers.health = [] { return Probe{true, "ok"}; };
  handlers.readiness = [&] {
    return ready ? Probe{true, "ready"} : Probe{false, "broker not connected"};
  };
  auto server = StatusServer::start({.listen = "127.0.0.1:0"}, handlers);
  ASSERT_TRUE(server) << server.error().message();
  ASSERT_GT((*server)->port(), 0);

  httplib::Client client("127.0.0.1", (*server)->port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body, "aiotops_up 1\n");
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto not_ready = client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(not_ready->body, "broker not connected\n");
  ready = true;
  auto now_ready = client.Get("/readyz");
  ASSERT_TRUE(now_ready);
  EXPECT_EQ(now_ready->status, 200);
  auto unknown = client.Get("/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST(StatusServer, RefusesBadAddresses) {
  const StatusHandlers handlers{[] { return std::string(); }, [] { return Probe{}; },
                                [] { return Probe{}; }};
  for (const char* listen : {"9464", "localhost:", ":80", "127.0.0.1:http", "127.0.0.1:70000"}) {
    auto server = StatusServer::start({.listen = listen}, handlers);
    ASSERT_FALSE(server) << listen;
    EXPECT_EQ(server.error().code(), ErrorCode::kInvalidArgument) << listen;
    EXPECT_NE(server.error().message().find(listen), std::string::npos) << server.error().message();
  }
  auto first = StatusServer::start({.listen = "127.0.0.1:0"}, handlers);
  ASSERT_TRUE(first);
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = StatusServer::start({.listen = taken}, handlers);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
}

TEST(StatusServer, StopsRightAfterStarting) {
  for (int i = 0; i < 20; ++i) {
    auto server = StatusServer::start(
        {.listen = "127.0.0.1:0"},
        {[] { return std::string(); }, [] { return Probe{}; }, [] { return Probe{}; }});
    ASSERT_TRUE(server);
  }
}

}  // namespace
}  // namespace aiotops::edge
