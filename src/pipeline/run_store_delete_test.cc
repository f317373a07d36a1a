// RunStore::delete_run, which the scheduler's history limits use.
#include <gtest/gtest.h>

#include "pipeline/run_store.h"
#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

TEST(RunStoreDelete, RemovesAFinishedRunItsNodesAndDirectory) {
  testing::ScratchDir dir;
  RunStoreOptions options;
  options.state_dir = dir / "state";
  auto store = RunStore::open(std::move(options));
  ASSERT_TRUE(store) << store.error().message();
  auto kept = (*store)->create_run("a", "/wf.yaml", "kind: Workflow\n", {});
  auto gone = (*store)->create_run("a", "/wf.yaml", "kind: Workflow\n", {});
  ASSERT_TRUE(kept && gone);
  NodeRecord node;
  node.id = "n";
  node.name = gone->id;
  node.phase = NodePhase::kSucceeded;
  ASSERT_TRUE((*store)->put_node(gone->id, node));

  // Still Pending, owned by this live process: refused.
  auto running = (*store)->delete_run(gone->id);
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code(), ErrorCode::kAlreadyExists);

  ASSERT_TRUE((*store)->set_run_phase(gone->id, NodePhase::kSucceeded));
  ASSERT_TRUE((*store)->delete_run(gone->id));
  EXPECT_EQ((*store)->get_run(gone->id).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists((*store)->run_dir(gone->id)));
  auto runs = (*store)->list_runs();
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().id, kept->id);
  EXPECT_EQ((*store)->delete_run(gone->id).error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiotops::pipeline
