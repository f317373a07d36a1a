#include "edge/metrics_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "edge/prometheus_text.h"
#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

using ::testing::HasSubstr;

std::string render(const MetricsRegistry& registry) {
  std::string out;
  registry.render(out);
  return out;
}

TEST(MetricsRegistryTest, RendersCountersAndGaugesWithLabels) {
  MetricsRegistry registry;
  Counter* in = *registry.counter("aiotops_edge_messages_in_total", "Messages received.");
  Counter* invalid = *registry.counter("aiotops_edge_dead_letters_total", "Messages refused.",
                                       {{"reason", "invalid_json"}});
  Counter* nan = *registry.counter("aiotops_edge_dead_letters_total", "Messages refused.",
                                   {{"reason", "non_finite"}});
  Gauge* depth = *registry.gauge("aiotops_edge_queue_depth", "Messages waiting.");
  in->inc(3);
  invalid->inc();
  nan->inc(2);
  depth->set(17);
  depth->add(-0.5);
  EXPECT_EQ(render(registry),
            "# HELP aiotops_edge_messages_in_total Messages received.\n"
            "# TYPE aiotops_edge_messages_in_total counter\n"
            "aiotops_edge_messages_in_total 3\n"
            "# HELP aiotops_edge_dead_letters_total Messages refused.\n"
            "# TYPE aiotops_edge_dead_letters_total counter\n"
            "aiotops_edge_dead_letters_total{reason=\"invalid_json\"} 1\n"
            "aiotops_edge_dead_letters_total{reason=\"non_finite\"} 2\n"
            "# HELP aiotops_edge_queue_depth Messages waiting.\n"
            "# TYPE aiotops_edge_queue_depth gauge\n"
            "aiotops_edge_queue_depth 16.5\n");
}

TEST(MetricsRegistryTest, RendersHistogramsCumulatively) {
  MetricsRegistry registry;
  std::vector<double> bounds{0.001, 0.01, 0.1};
  Histogram* latency = *registry.histogram("aiotops_edge_inference_latency_seconds",
                                           "Receive to result.", bounds, {{"stage", "primary"}});
  latency->observe(0.0005);
  latency->observe(0.001);  // le is inclusive
  latency->observe(0.05);
  latency->observe(3);
  latency->observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(render(registry),
            "# HELP aiotops_edge_inference_latency_seconds Receive to result.\n"
            "# TYPE aiotops_edge_inference_latency_seconds histogram\n"
            "aiotops_edge_inference_latency_seconds_bucket{stage=\"primary\",le=\"0.001\"} 2\n"
            "aiotops_edge_inference_latency_seconds_bucket{stage=\"primary\",le=\"0.01\"} 2\n"
            "aiotops_edge_inference_latency_seconds_bucket{stage=\"primary\",le=\"0.1\"} 3\n"
            "aiotops_edge_inference_latency_seconds_bucket{stage=\"primary\",le=\"+Inf\"} 4\n"
            "aiotops_edge_inference_latency_seconds_sum{stage=\"primary\"} 3.0515\n"
            "aiotops_edge_inference_latency_seconds_count{stage=\"primary\"} 4\n");

  MetricsRegistry plain;
  Histogram* empty = *plain.histogram("h", "H.", std::span<const double>(bounds).first(1));
  (void)empty;
  EXPECT_EQ(render(plain),
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{le=\"0.001\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

TEST(MetricsRegistryTest, InfoGaugeShowsTheCurrentLabels) {
  MetricsRegistry registry;
  InfoGauge* model =
      *registry.info("aiotops_edge_model_info", "The model serving.", {"version", "format"});
  EXPECT_EQ(render(registry),
            "# HELP aiotops_edge_model_info The model serving.\n"
            "# TYPE aiotops_edge_model_info gauge\n");
  std::vector<std::string> first{"v1", "native"};
  model->set(first);
  std::vector<std::string> second{"v2", "tflite-int8"};
  model->set(second);
  EXPECT_EQ(render(registry),
            "# HELP aiotops_edge_model_info The model serving.\n"
            "# TYPE aiotops_edge_model_info gauge\n"
            "aiotops_edge_model_info{version=\"v2\",format=\"tflite-int8\"} 1\n");
}

TEST(MetricsRegistryTest, EscapesHelpAndLabelValues) {
  MetricsRegistry registry;
  Counter* c = *registry.counter("odd_total", "Help with \\ and\nnewline and \"quotes\".",
                                 {{"device", "a\"b\\c\nd"}});
  c->inc();
  EXPECT_EQ(render(registry),
            "# HELP odd_total Help with \\\\ and\\nnewline and \"quotes\".\n"
            "# TYPE odd_total counter\n"
            "odd_total{device=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsRegistryTest, SpecialValues) {
  std::string out;
  append_value(out, std::numeric_limits<double>::quiet_NaN());
  out += ' ';
  append_value(out, std::numeric_limits<double>::infinity());
  out += ' ';
  append_value(out, -std::numeric_limits<double>::infinity());
  out += ' ';
  append_value(out, 1e-5);
  out += ' ';
  append_value(out, 2.5);
  EXPECT_EQ(out, "NaN +Inf -Inf 1e-05 2.5");
}

TEST(MetricsRegistryTest, RefusesBadRegistrations) {
  MetricsRegistry registry;
  std::vector<double> bounds{1, 2};
  ASSERT_TRUE(registry.counter("x_total", "X.", {{"reason", "a"}}));
  EXPECT_EQ(registry.counter("x_total", "X.", {{"reason", "a"}}).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(registry.gauge("x_total", "X.").error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(registry.counter("x_total", "Other help.").error().code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(registry.counter("x_total", "X.", {{"reason", "b"}}));

  EXPECT_FALSE(registry.counter("", "X."));
  EXPECT_FALSE(registry.counter("9lives", "X."));
  EXPECT_FALSE(registry.counter("has-dash", "X."));
  EXPECT_TRUE(registry.counter("ns:sub_total", "X."));
  EXPECT_FALSE(registry.counter("y_total", "Y.", {{"__reserved", "a"}}));
  EXPECT_FALSE(registry.counter("y_total", "Y.", {{"a:b", "a"}}));
  EXPECT_FALSE(registry.counter("y_total", "Y.", {{"a", "1"}, {"a", "2"}}));
  EXPECT_FALSE(registry.histogram("h", "H.", bounds, {{"le", "1"}}));
  std::vector<double> unsorted{2, 1};
  EXPECT_FALSE(registry.histogram("h", "H.", unsorted));
  std::vector<double> infinite{1, std::numeric_limits<double>::infinity()};
  EXPECT_FALSE(registry.histogram("h", "H.", infinite));
  EXPECT_FALSE(registry.info("i", "I.", {}));
  auto bad = registry.info("i", "I.", {"bad-name"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message(), HasSubstr("bad-name"));
  // A refused registration leaves nothing behind.
  EXPECT_THAT(render(registry), ::testing::Not(HasSubstr("y_total")));
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreExactAndAllocationFree) {
  MetricsRegistry registry;
  Counter* counter = *registry.counter("c_total", "C.");
  Gauge* gauge = *registry.gauge("g", "G.");
  Histogram* histogram = *registry.histogram("h", "H.", kLatencyBucketsSeconds);
  size_t before = aiotops::testing::allocation_count();
  std::vector<std::thread> threads;
  constexpr int kThreads = 4;
  constexpr int kUpdates = 50000;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kUpdates; ++i) {
        counter->inc();
        gauge->add(1);
        histogram->observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  size_t thread_allocations = aiotops::testing::allocation_count() - before;
  EXPECT_EQ(counter->value(), uint64_t{kThreads} * kUpdates);
  EXPECT_EQ(gauge->value(), double{kThreads} * kUpdates);
  EXPECT_EQ(histogram->bucket(kLatencyBucketsSeconds.size() - 1), uint64_t{kThreads} * kUpdates);
  EXPECT_EQ(histogram->sum(), 0.5 * kThreads * kUpdates);
  // Starting the threads allocates a little; the 600000 updates allocate nothing.
  EXPECT_LT(thread_allocations, 50u);
}

}  // namespace
}  // namespace aiotops::edge
