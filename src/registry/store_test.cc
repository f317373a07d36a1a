#include "registry/store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "common/files.h"
#include "common/sha256.h"
#include "registry/store_test_util.h"
#include "registry/tokens.h"
#include "telemetry/content_hash.h"
#include "telemetry/csv_reader.h"

namespace aiotops::registry {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::csv_text;
using testing::ManualClock;
using testing::open_store;
using testing::put_blob;
using testing::TempDir;

// Runs one SQL statement on the store's database from outside the store (to damage it).
void run_sql(const fs::path& db_path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::string sql_text(const fs::path& db_path, const std::string& query) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  std::string text;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return text;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path(), clock_.function());
    ASSERT_TRUE(store_);
  }

  ModelRecord add_model(std::string name, std::string_view bytes, NewModel spec = {}) {
    spec.name = std::move(name);
    auto model = store_->add_model(spec, put_blob(*store_, bytes));
    EXPECT_TRUE(model) << model.error().message();
    return model ? *model : ModelRecord{};
  }

  DatasetRecord add_dataset(std::string name, std::string_view csv, NewDataset spec = {}) {
    spec.name = std::move(name);
    auto dataset = store_->add_dataset(spec, put_blob(*store_, csv));
    EXPECT_TRUE(dataset) << dataset.error().message();
    return dataset ? *dataset : DatasetRecord{};
  }

  fs::path db_path() const { return dir_.path() / "registry.db"; }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, OpensTheDocumentedLayout) {
  EXPECT_TRUE(fs::is_regular_file(db_path()));
  EXPECT_TRUE(fs::is_directory(dir_.path() / "blobs" / "tmp"));
  EXPECT_TRUE(fs::is_regular_file(dir_.path() / "keys" / "ed25519.key"));
  EXPECT_TRUE(fs::is_regular_file(dir_.path() / "keys" / "ed25519.pub"));
  EXPECT_EQ(store_->schema_version(), 2);
  EXPECT_EQ(sql_text(db_path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sql_text(db_path(), "SELECT version FROM schema_version"), "2");
  auto public_key = store_->keys().public_key;
  store_.reset();
  auto reopened = open_store(dir_.path());
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->keys().public_key, public_key);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerVersion) {
  store_.reset();
  run_sql(db_path(), "UPDATE schema_version SET version = 99");
  StoreOptions options;
  options.data_dir = dir_.path();
  auto store = Store::open(options);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message().find("schema version 99"), std::string::npos);
}

TEST_F(StoreTest, RefusesAFileThatIsNotADatabase) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_path().string() + suffix);
  ASSERT_TRUE(write_file_atomic(db_path(), std::string(8192, 'x')));
  StoreOptions options;
  options.data_dir = dir_.path();
  auto store = Store::open(options);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kCorrupt);
}

TEST_F(StoreTest, ModelVersionsCountUpPerName) {
  NewModel spec;
  spec.format = ModelFormat::kTfliteInt8;
  spec.metrics = {{"f1", 0.91}, {"recall", 0.88}};
  spec.pipeline_run_id = "run-17";
  spec.target_classes = {HardwareClass::kRpi, HardwareClass::kEsp32, HardwareClass::kRpi};
  spec.arena_bytes = 2048;
  ModelRecord v1 = add_model("motor", "model one", spec);
  clock_.ms->fetch_add(5);
  ModelRecord v2 = add_model("motor", "model two");
  ModelRecord other = add_model("pump", "pump one");
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(other.version, 1);

  auto got = store_->get_model("motor", 1);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->format, ModelFormat::kTfliteInt8);
  EXPECT_EQ(got->sha256, sha256_hex("model one"));
  EXPECT_EQ(got->size, 9u);
  EXPECT_EQ(got->metrics["f1"], 0.91);
  EXPECT_EQ(got->pipeline_run_id, "run-17");
  EXPECT_EQ(got->target_classes,
            (std::vector<HardwareClass>{HardwareClass::kEsp32, HardwareClass::kRpi}));
  EXPECT_EQ(got->arena_bytes, 2048u);
  EXPECT_EQ(got->created_ms, *clock_.ms - 5);
  EXPECT_EQ(got->manifest, v1.manifest);
  EXPECT_FALSE(got->dataset);
  EXPECT_FALSE(got->parent);
  EXPECT_FALSE(store_->get_model("motor", 2)->arena_bytes);

  EXPECT_EQ(store_->latest_model("motor")->version, 2);
  EXPECT_EQ(store_->resolve_model("motor", "1")->sha256, v1.sha256);
  EXPECT_EQ(store_->resolve_model("motor", "latest")->version, 2);
  auto listed = store_->list_models("motor").value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].version, 1);
  EXPECT_EQ(listed[1].version, 2);
  auto latest = store_->list_latest_models().value();
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].name, "motor");
  EXPECT_EQ(latest[0].version, 2);
  EXPECT_EQ(latest[1].name, "pump");

  auto missing = store_->get_model("motor", 3);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("motor version 3"), std::string::npos);
  EXPECT_EQ(store_->latest_model("nothing").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->list_models("nothing")->empty());
}

TEST_F(StoreTest, ExplicitVersionsMustBeTheNextOne) {
  add_model("motor", "a");
  NewModel spec;
  spec.name = "motor";
  spec.version = 2;
  auto two = store_->add_model(spec, put_blob(*store_, "b"));
  ASSERT_TRUE(two) << two.error().message();
  EXPECT_EQ(two->version, 2);

  auto taken = store_->add_model(spec, put_blob(*store_, "c"));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(taken.error().message().find("version 2 is taken"), std::string::npos);

  spec.version = 5;
  auto gap = store_->add_model(spec, put_blob(*store_, "d"));
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().code(), ErrorCode::kInvalidArgument);
  spec.version = 0;
  EXPECT_EQ(store_->add_model(spec, put_blob(*store_, "e")).error().code(),
            ErrorCode::kInvalidArgument);
  // Refused attempts use up no version.
  EXPECT_EQ(add_model("motor", "f").version, 3);
}

TEST_F(StoreTest, RefusesBadModelInput) {
  BlobInfo blob = put_blob(*store_, "bytes");
  NewModel spec;
  spec.name = "../motor";
  EXPECT_EQ(store_->add_model(spec, blob).error().code(), ErrorCode::kInvalidArgument);
  spec.name = "motor";
  spec.metrics = nlohmann::json::array();
  EXPECT_EQ(store_->add_model(spec, blob).error().code(), ErrorCode::kInvalidArgument);
  spec.metrics = nlohmann::json::object();
  spec.pipeline_run_id = "run\n1";
  EXPECT_EQ(store_->add_model(spec, blob).error().code(), ErrorCode::kInvalidArgument);
  spec.pipeline_run_id = "";

  BlobInfo wrong_size = blob;
  wrong_size.size = 99;
  EXPECT_EQ(store_->add_model(spec, wrong_size).error().code(), ErrorCode::kInvalidArgument);
  BlobInfo absent{sha256_hex("never uploaded"), 14};
  auto missing = store_->add_model(spec, absent);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  BlobInfo malformed{"../../etc/passwd", 1};
  EXPECT_EQ(store_->add_model(spec, malformed).error().code(), ErrorCode::kInvalidArgument);

  spec.dataset = VersionRef{"telemetry", 1};
  auto no_dataset = store_->add_model(spec, blob);
  ASSERT_FALSE(no_dataset);
  EXPECT_EQ(no_dataset.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_dataset.error().message().find("dataset telemetry version 1"), std::string::npos);
  spec.dataset.reset();
  spec.parent = VersionRef{"motor", 7};
  EXPECT_EQ(store_->add_model(spec, blob).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->list_models("motor")->empty());
}

TEST_F(StoreTest, ManifestsAreSignedAndVerifyOffline) {
  NewModel spec;
  spec.format = ModelFormat::kCArray;
  spec.target_classes = {HardwareClass::kEsp32};
  ModelRecord model = add_model("motor", "the C array", spec);
  auto manifest = parse_manifest(model.manifest);
  ASSERT_TRUE(manifest) << manifest.error().message();
  EXPECT_EQ(manifest->name, "motor");
  EXPECT_EQ(manifest->version, 1);
  EXPECT_EQ(manifest->kind, ArtifactKind::kModel);
  EXPECT_EQ(manifest->format, "c-array");
  EXPECT_EQ(manifest->sha256, model.sha256);
  EXPECT_EQ(manifest->size, model.size);
  EXPECT_EQ(manifest->created_ms, model.created_ms);
  EXPECT_EQ(manifest->target_classes, std::vector<HardwareClass>{HardwareClass::kEsp32});

  // What `aiotops registry verify` does with a downloaded file and the served public key.
  auto key = parse_public_key(read_file(dir_.path() / "keys" / "ed25519.pub").value());
  ASSERT_TRUE(key);
  fs::path downloaded = store_->blobs().path_of(model.sha256).value();
  EXPECT_TRUE(verify_artifact(downloaded, model.manifest, model.signature, *key));
  fs::path copy = dir_.path() / "copy";
  ASSERT_TRUE(write_file_atomic(copy, "the C arraY"));
  EXPECT_EQ(verify_artifact(copy, model.manifest, model.signature, *key).error().code(),
            ErrorCode::kCorrupt);
}

TEST_F(StoreTest, DatasetsCarryStatisticsAndContentHash) {
  std::string csv = csv_text(20);
  NewDataset spec;
  spec.lineage.source = "sim --seed 7";
  spec.lineage.pipeline_run_id = "run-3";
  spec.metadata = {{"site", "north"}};
  DatasetRecord v1 = add_dataset("telemetry", csv, spec);
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.sha256, sha256_hex(csv));
  EXPECT_EQ(v1.size, csv.size());
  auto parsed = telemetry::parse_csv(csv, "t", {});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(v1.content_hash, telemetry::dataset_content_hash(*parsed));
  EXPECT_EQ(v1.stats["rows"], 20);
  EXPECT_EQ(v1.stats["content_hash"], v1.content_hash);

  // The same data spelled with CRLF: a new blob, the same content hash.
  NewDataset next;
  next.lineage.parent_version = 1;
  DatasetRecord v2 = add_dataset("telemetry", csv_text(20, 0, "\r\n"), next);
  EXPECT_EQ(v2.version, 2);
  EXPECT_NE(v2.sha256, v1.sha256);
  EXPECT_EQ(v2.content_hash, v1.content_hash);

  auto got = store_->get_dataset("telemetry", 1);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->stats, v1.stats);
  EXPECT_EQ(got->lineage.source, "sim --seed 7");
  EXPECT_EQ(got->lineage.pipeline_run_id, "run-3");
  EXPECT_FALSE(got->lineage.parent_version);
  EXPECT_EQ(got->metadata["site"], "north");
  EXPECT_EQ(store_->get_dataset("telemetry", 2)->lineage.parent_version, 1);
  EXPECT_EQ(store_->latest_dataset("telemetry")->version, 2);
  EXPECT_EQ(store_->list_datasets("telemetry")->size(), 2u);
  EXPECT_EQ(store_->list_latest_datasets()->size(), 1u);
  auto manifest = parse_manifest(got->manifest);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->kind, ArtifactKind::kDataset);
  EXPECT_EQ(manifest->format, "csv");
  EXPECT_TRUE(verify_signature(store_->keys().public_key, got->manifest, got->signature));
}

TEST_F(StoreTest, RefusesBadDatasets) {
  NewDataset spec;
  spec.name = "telemetry";
  auto broken = store_->add_dataset(spec, put_blob(*store_, "a,b\n1,2\n3,oops\n"));
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(broken.error().message().find("dataset telemetry:3"), std::string::npos)
      << broken.error().message();
  spec.lineage.parent_version = 1;
  auto orphan = store_->add_dataset(spec, put_blob(*store_, csv_text(3)));
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code(), ErrorCode::kNotFound);
  spec.lineage.parent_version.reset();
  spec.metadata = "text";
  EXPECT_EQ(store_->add_dataset(spec, put_blob(*store_, csv_text(3))).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->list_datasets("telemetry")->empty());
}

TEST_F(StoreTest, LineageLinksModelsToDatasetsAndParents) {
  add_dataset("telemetry", csv_text(10));
  NewModel spec;
  spec.dataset = VersionRef{"telemetry", 1};
  ModelRecord base = add_model("motor", "base", spec);
  spec.parent = VersionRef{"motor", 1};
  ModelRecord int8 = add_model("motor-int8", "quantized", spec);
  auto got = store_->get_model("motor-int8", 1).value();
  EXPECT_EQ(got.dataset, (VersionRef{"telemetry", 1}));
  EXPECT_EQ(got.parent, (VersionRef{"motor", 1}));
  auto trained = store_->models_trained_on(VersionRef{"telemetry", 1}).value();
  ASSERT_EQ(trained.size(), 2u);
  EXPECT_EQ(trained[0].name, "motor");
  EXPECT_EQ(trained[1].name, "motor-int8");
  (void)base;
  (void)int8;
}

TEST_F(StoreTest, DeletionRespectsReferencesAndNeverReusesVersions) {
  add_dataset("telemetry", csv_text(10));
  NewDataset child;
  child.lineage.parent_version = 1;
  add_dataset("telemetry", csv_text(11), child);
  NewModel spec;
  spec.dataset = VersionRef{"telemetry", 2};
  add_model("motor", "one", spec);
  add_model("motor", "two");
  ASSERT_TRUE(store_->set_alias("motor", "production", 2, "admin"));

  auto aliased = store_->delete_model("motor", 2);
  ASSERT_FALSE(aliased);
  EXPECT_EQ(aliased.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(aliased.error().message().find("alias 'production'"), std::string::npos);
  auto used = store_->delete_dataset("telemetry", 2);
  ASSERT_FALSE(used);
  EXPECT_NE(used.error().message().find("model motor version 1"), std::string::npos);
  auto parent = store_->delete_dataset("telemetry", 1);
  ASSERT_FALSE(parent);
  EXPECT_NE(parent.error().message().find("parent"), std::string::npos);

  ASSERT_TRUE(store_->delete_alias("motor", "production", "admin"));
  ASSERT_TRUE(store_->delete_model("motor", 2));
  EXPECT_EQ(store_->get_model("motor", 2).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->delete_model("motor", 2).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(add_model("motor", "three").version, 3);
  ASSERT_TRUE(store_->delete_model("motor", 1));
  ASSERT_TRUE(store_->delete_dataset("telemetry", 2));
  ASSERT_TRUE(store_->delete_dataset("telemetry", 1));
  EXPECT_EQ(add_dataset("telemetry", csv_text(12)).version, 3);
  EXPECT_TRUE(store_->check()->ok());
}

TEST_F(StoreTest, AliasesMoveAtomicallyWithHistory) {
  add_model("motor", "one");
  add_model("motor", "two");
  auto events = store_->events().subscribe();

  auto created = store_->set_alias("motor", "production", 1, "token-a");
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_FALSE(created->from_version);
  EXPECT_EQ(created->to_version, 1);
  clock_.ms->fetch_add(1000);
  auto moved = store_->set_alias("motor", "production", 2, "token-b");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->from_version, 1);
  EXPECT_EQ(moved->to_version, 2);
  ASSERT_TRUE(store_->set_alias("motor", "staging", 1, "token-a"));

  EXPECT_EQ(store_->get_alias("motor", "production")->version, 2);
  EXPECT_EQ(store_->resolve_model("motor", "production")->sha256, sha256_hex("two"));
  auto aliases = store_->list_aliases("motor").value();
  ASSERT_EQ(aliases.size(), 2u);
  EXPECT_EQ(aliases[0].alias, "production");
  EXPECT_EQ(aliases[1].alias, "staging");

  auto history = store_->alias_history("motor", "production").value();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].actor, "token-a");
  EXPECT_EQ(history[1].actor, "token-b");
  EXPECT_EQ(history[1].from_version, 1);
  EXPECT_EQ(history[1].time_ms, history[0].time_ms + 1000);
  EXPECT_EQ(store_->alias_history("motor")->size(), 3u);

  auto removed = store_->delete_alias("motor", "staging", "token-c");
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->from_version, 1);
  EXPECT_FALSE(removed->to_version);
  EXPECT_EQ(store_->alias_history("motor", "staging")->back().actor, "token-c");

  std::vector<std::pair<std::string, int64_t>> seen;
  while (auto event = events->next(0ms)) {
    EXPECT_EQ(event->type, EventType::kAliasMoved);
    seen.emplace_back(event->alias, event->version);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, int64_t>>{
                      {"production", 1}, {"production", 2}, {"staging", 1}, {"staging", 0}}));

  auto unknown = store_->resolve_model("motor", "canary");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message().find("'canary'"), std::string::npos);
  EXPECT_EQ(store_->set_alias("motor", "canary", 9, "x").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->set_alias("motor", "Bad/Alias", 1, "x").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->resolve_model("motor", "../x").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->delete_alias("motor", "canary", "x").error().code(), ErrorCode::kNotFound);
}

TEST_F(StoreTest, NewVersionsAreAnnounced) {
  auto events = store_->events().subscribe();
  ModelRecord model = add_model("motor", "bytes");
  DatasetRecord dataset = add_dataset("telemetry", csv_text(5));
  auto first = events->next(0ms);
  auto second = events->next(0ms);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->type, EventType::kModelVersion);
  EXPECT_EQ(first->name, "motor");
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(first->sha256, model.sha256);
  EXPECT_EQ(second->type, EventType::kDatasetVersion);
  EXPECT_EQ(second->sha256, dataset.sha256);
  EXPECT_GT(second->id, first->id);
  EXPECT_FALSE(events->next(0ms));
}

TEST_F(StoreTest, DevicesProvisionActivateAndReport) {
  NewDevice device;
  device.id = "aa:bb:cc:00:11:22";
  device.hardware = HardwareClass::kEsp32;
  device.labels = {{"site", "north"}, {"line", "3"}};
  auto provisioned = store_->provision_device(device);
  ASSERT_TRUE(provisioned) << provisioned.error().message();
  EXPECT_FALSE(provisioned->activated);
  EXPECT_EQ(provisioned->provisioned_ms, *clock_.ms);
  EXPECT_EQ(provisioned->labels.at("site"), "north");
  EXPECT_EQ(store_->provision_device(device).error().code(), ErrorCode::kAlreadyExists);

  int64_t first_activation = *clock_.ms += 60'000;
  auto activated = store_->activate_device(device.id);
  ASSERT_TRUE(activated);
  EXPECT_TRUE(activated->activated);
  EXPECT_EQ(activated->activated_ms, first_activation);
  *clock_.ms += 60'000;
  EXPECT_EQ(store_->activate_device(device.id)->activated_ms, first_activation);
  EXPECT_EQ(store_->activate_device("never-provisioned").error().code(), ErrorCode::kNotFound);

  auto reported = store_->report_device(device.id, DeviceReport{"motor:3", "1.4.0"});
  ASSERT_TRUE(reported);
  EXPECT_EQ(reported->model_version, "motor:3");
  EXPECT_EQ(reported->firmware_version, "1.4.0");
  EXPECT_EQ(reported->last_seen_ms, *clock_.ms);
  clock_.ms->fetch_add(1);
  auto partial = store_->report_device(device.id, DeviceReport{"motor:4", ""});
  EXPECT_EQ(partial->model_version, "motor:4");
  EXPECT_EQ(partial->firmware_version, "1.4.0");
  EXPECT_EQ(partial->last_seen_ms, *clock_.ms);
  EXPECT_EQ(store_->report_device("ghost", {}).error().code(), ErrorCode::kNotFound);

  auto relabelled = store_->set_device_labels(device.id, {{"site", "south"}});
  ASSERT_TRUE(relabelled);
  EXPECT_EQ(relabelled->labels, (std::map<std::string, std::string>{{"site", "south"}}));
  EXPECT_EQ(store_->set_device_labels(device.id, {{"bad/key", "x"}}).error().code(),
            ErrorCode::kInvalidArgument);

  NewDevice pi;
  pi.id = "pi-1";
  pi.hardware = HardwareClass::kRpi;
  ASSERT_TRUE(store_->provision_device(pi));
  EXPECT_EQ(store_->list_devices()->size(), 2u);
  auto only_pi = store_->list_devices(HardwareClass::kRpi).value();
  ASSERT_EQ(only_pi.size(), 1u);
  EXPECT_EQ(only_pi[0].id, "pi-1");
  EXPECT_TRUE(store_->list_devices(HardwareClass::kJetson)->empty());
  EXPECT_EQ(store_->get_device("pi-1")->hardware, HardwareClass::kRpi);

  ASSERT_TRUE(store_->delete_device("pi-1"));
  EXPECT_EQ(store_->get_device("pi-1").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->delete_device("pi-1").error().code(), ErrorCode::kNotFound);
  NewDevice bad;
  bad.id = "../etc";
  EXPECT_EQ(store_->provision_device(bad).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(StoreTest, TokensAuthenticateByHashAndRevoke) {
  auto admin = store_->create_token(Role::kAdmin, "ops laptop");
  ASSERT_TRUE(admin) << admin.error().message();
  auto device = store_->create_token(Role::kDevice, "fleet", "esp-1");
  ASSERT_TRUE(device);
  EXPECT_TRUE(looks_like_token(admin->secret));
  EXPECT_EQ(store_->count_live_tokens().value(), 2u);

  auto who = store_->authenticate(admin->secret);
  ASSERT_TRUE(who) << who.error().message();
  EXPECT_EQ(who->id, admin->record.id);
  EXPECT_EQ(who->role, Role::kAdmin);
  EXPECT_EQ(who->description, "ops laptop");
  EXPECT_EQ(who->last_used_ms, *clock_.ms);

  // last_used moves at most once a minute.
  int64_t first_use = *clock_.ms;
  clock_.ms->fetch_add(30'000);
  EXPECT_EQ(store_->authenticate(admin->secret)->last_used_ms, first_use);
  clock_.ms->fetch_add(30'000);
  EXPECT_EQ(store_->authenticate(admin->secret)->last_used_ms, *clock_.ms);

  for (std::string_view bad : {std::string_view(""), std::string_view("Bearer x"),
                               std::string_view(admin->secret).substr(0, 20)}) {
    EXPECT_EQ(store_->authenticate(bad).error().code(), ErrorCode::kPermissionDenied);
  }
  NewToken stranger = generate_token();
  auto unknown = store_->authenticate(stranger.secret);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(unknown.error().message().find(stranger.secret), std::string::npos);

  ASSERT_TRUE(store_->revoke_token(device->record.id));
  ASSERT_TRUE(store_->revoke_token(device->record.id));  // idempotent
  auto revoked = store_->authenticate(device->secret);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(revoked.error().message().find("revoked"), std::string::npos);
  EXPECT_EQ(store_->revoke_token("0000000000000000").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->count_live_tokens().value(), 1u);
  auto listed = store_->list_tokens().value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_TRUE(listed[1].revoked_ms || listed[0].revoked_ms);

  // Only the hash is on disk.
  store_.reset();
  for (const char* suffix : {"", "-wal"}) {
    std::string bytes = read_file(db_path().string() + suffix).value_or("");
    EXPECT_EQ(bytes.find(admin->secret.substr(8)), std::string::npos) << suffix;
  }
  EXPECT_EQ(
      sql_text(db_path(), "SELECT secret_sha256 FROM tokens WHERE id = '" + admin->record.id + "'"),
      token_hash(admin->secret));
}

TEST_F(StoreTest, DeviceTokensAreTiedToOneDevice) {
  auto device = store_->create_token(Role::kDevice, "", "esp-1");
  ASSERT_TRUE(device) << device.error().message();
  EXPECT_EQ(device->record.device_id, "esp-1");
  EXPECT_EQ(store_->authenticate(device->secret)->device_id, "esp-1");
  EXPECT_EQ(store_->authenticate(store_->create_token(Role::kAdmin, "")->secret)->device_id, "");
  for (auto [role, id] : {std::pair{Role::kDevice, ""}, std::pair{Role::kDevice, "../esp"},
                          std::pair{Role::kPipeline, "esp-1"}, std::pair{Role::kAdmin, "esp-1"}}) {
    auto refused = store_->create_token(role, "", id);
    ASSERT_FALSE(refused) << to_string(role) << " " << id;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(StoreTest, DeviceTokensFromSchemaVersionOneKeepNoDevice) {
  auto old = store_->create_token(Role::kDevice, "before devices were named", "esp-1");
  ASSERT_TRUE(old);
  store_.reset();
  // Back to version 1's tokens table, as a registry of that version left it.
  run_sql(db_path(), "ALTER TABLE tokens DROP COLUMN device_id");
  run_sql(db_path(), "UPDATE schema_version SET version = 1");
  store_ = open_store(dir_.path());
  ASSERT_TRUE(store_);
  EXPECT_EQ(store_->schema_version(), 2);
  auto migrated = store_->authenticate(old->secret);
  ASSERT_TRUE(migrated) << migrated.error().message();
  EXPECT_EQ(migrated->role, Role::kDevice);
  EXPECT_EQ(migrated->device_id, "");
}

TEST_F(StoreTest, CheckPassesOnAHealthyStore) {
  add_dataset("telemetry", csv_text(10));
  add_model("motor", "one");
  put_blob(*store_, "unreferenced");
  auto report = store_->check();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->ok()) << fmt::format("{}", fmt::join(report->problems, "\n"));
  EXPECT_EQ(report->datasets, 1u);
  EXPECT_EQ(report->models, 1u);
  EXPECT_EQ(report->blobs_verified, 3u);
  EXPECT_EQ(report->unreferenced_blobs, 1u);
}

TEST_F(StoreTest, CheckReportsDamagedAndMissingBlobsAndForgedRows) {
  ModelRecord one = add_model("motor", "one");
  ModelRecord two = add_model("motor", "two");
  ModelRecord three = add_model("motor", "three");
  {
    std::ofstream out(store_->blobs().path_of(one.sha256).value(), std::ios::binary | std::ios::in);
    out << "X";
  }
  fs::remove(store_->blobs().path_of(two.sha256).value());
  run_sql(db_path(), "UPDATE models SET size = 4 WHERE version = 3");

  auto report = store_->check();
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_FALSE(report->ok());
  std::string all = fmt::format("{}", fmt::join(report->problems, "\n"));
  EXPECT_NE(all.find(fmt::format("blob {} holds bytes", one.sha256)), std::string::npos) << all;
  EXPECT_NE(all.find(fmt::format("model motor version 2: blob {} is missing", two.sha256)),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("model motor version 3: the signed manifest describes"), std::string::npos)
      << all;
  EXPECT_NE(all.find("model motor version 3: blob"), std::string::npos) << all;
  (void)three;
}

TEST_F(StoreTest, CheckReportsForgedSignaturesAndDatabaseDamage) {
  add_model("motor", "one");
  run_sql(db_path(),
          "UPDATE models SET manifest = replace(manifest, '\"version\":1', '\"version\":2')");
  run_sql(db_path(),
          "PRAGMA foreign_keys=OFF; INSERT INTO aliases VALUES ('motor', 'ghost', 9, 0)");
  auto report = store_->check();
  ASSERT_TRUE(report);
  std::string all = fmt::format("{}", fmt::join(report->problems, "\n"));
  EXPECT_NE(all.find("signature does not match"), std::string::npos) << all;
  EXPECT_NE(all.find("PRAGMA foreign_key_check: aliases"), std::string::npos) << all;
}

TEST_F(StoreTest, GcCollectsUnreferencedBlobsAfterTheGracePeriod) {
  ModelRecord kept = add_model("motor", "kept");
  BlobInfo garbage = put_blob(*store_, "garbage");
  auto early = store_->gc();
  ASSERT_TRUE(early) << early.error().message();
  EXPECT_EQ(early->removed_blobs, 0u);  // the store's clock is 2023; blob mtimes are now
  EXPECT_EQ(early->kept_young, 1u);

  // Move the store's clock past the grace period of the files' real mtimes.
  clock_.ms->store(std::chrono::duration_cast<std::chrono::milliseconds>(
                       (std::chrono::system_clock::now() + 2h).time_since_epoch())
                       .count());
  auto report = store_->gc();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->removed_blobs, 1u);
  EXPECT_EQ(report->removed_bytes, garbage.size);
  EXPECT_TRUE(store_->blobs().exists(kept.sha256).value());
  EXPECT_FALSE(store_->blobs().exists(garbage.sha256).value());
  // An upload whose blob was collected before its metadata committed fails cleanly.
  NewModel spec;
  spec.name = "motor";
  auto late = store_->add_model(spec, garbage);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->check()->ok());
}

TEST_F(StoreTest, UploadLimitIsTheStoreOption) {
  store_.reset();
  StoreOptions options;
  options.data_dir = dir_.path();
  options.max_upload_bytes = 1024;
  auto store = Store::open(options);
  ASSERT_TRUE(store);
  auto writer = (*store)->begin_upload();
  ASSERT_TRUE(writer);
  auto over = writer->append(std::string(1025, 'x'));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace aiotops::registry
