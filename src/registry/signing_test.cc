#include "registry/signing.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <thread>

#include "common/files.h"
#include "common/sha256.h"
#include "registry/store_test_util.h"

namespace aiotops::registry {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

Manifest sample_manifest(std::string_view bytes) {
  Manifest m;
  m.name = "motor-lr";
  m.version = 3;
  m.kind = ArtifactKind::kModel;
  m.size = bytes.size();
  m.sha256 = sha256_hex(bytes);
  m.created_ms = 1'700'000'000'123;
  m.target_classes = {HardwareClass::kEsp32, HardwareClass::kRpi};
  m.format = "tflite-int8";
  return m;
}

TEST(SigningTest, CreatesKeysOnceWithPrivateModes) {
  TempDir dir;
  fs::path keys_dir = dir.path() / "keys";
  auto first = load_or_create_keys(keys_dir);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(mode_of(keys_dir), 0700u);
  EXPECT_EQ(mode_of(keys_dir / "ed25519.key"), 0600u);
  EXPECT_EQ(read_file(keys_dir / "ed25519.pub").value(), public_key_base64(*first) + "\n");
  auto second = load_or_create_keys(keys_dir);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->public_key, second->public_key);
  EXPECT_EQ(first->secret_key, second->secret_key);
  // A lost public key file is derived again from the secret key.
  fs::remove(keys_dir / "ed25519.pub");
  ASSERT_TRUE(load_or_create_keys(keys_dir));
  EXPECT_EQ(read_file(keys_dir / "ed25519.pub").value(), public_key_base64(*first) + "\n");
}

TEST(SigningTest, RacingCreatorsAgreeOnOnePair) {
  TempDir dir;
  std::vector<std::array<unsigned char, 32>> keys(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] {
      auto pair = load_or_create_keys(dir.path() / "keys");
      if (pair) keys[i] = pair->public_key;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& key : keys) EXPECT_EQ(key, keys[0]);
  EXPECT_NE(keys[0], (std::array<unsigned char, 32>{}));
}

TEST(SigningTest, RefusesReadableOrDamagedKeys) {
  TempDir dir;
  fs::path keys_dir = dir.path() / "keys";
  ASSERT_TRUE(load_or_create_keys(keys_dir));
  fs::path secret = keys_dir / "ed25519.key";
  ASSERT_EQ(::chmod(secret.c_str(), 0644), 0);
  auto readable = load_or_create_keys(keys_dir);
  ASSERT_FALSE(readable);
  EXPECT_EQ(readable.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(readable.error().message().find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);

  std::string good = read_file(keys_dir / "ed25519.pub").value();
  ASSERT_TRUE(write_file_atomic(keys_dir / "ed25519.pub", public_key_base64(KeyPair{}) + "\n"));
  auto mismatched = load_or_create_keys(keys_dir);
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().code(), ErrorCode::kCorrupt);
  ASSERT_TRUE(write_file_atomic(keys_dir / "ed25519.pub", good));

  ASSERT_TRUE(write_file_atomic(secret, "not base64!\n"));
  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);
  auto damaged = load_or_create_keys(keys_dir);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code(), ErrorCode::kCorrupt);
}

TEST(SigningTest, CanonicalManifestIsStableAndRoundTrips) {
  Manifest m = sample_manifest("model bytes");
  std::string text = canonical_manifest(m);
  EXPECT_EQ(text, canonical_manifest(m));
  EXPECT_EQ(text.find(' '), std::string::npos);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  // Keys in sorted order.
  EXPECT_LT(text.find("\"created_ms\""), text.find("\"format\""));
  EXPECT_LT(text.find("\"format\""), text.find("\"format_version\""));
  EXPECT_LT(text.find("\"sha256\""), text.find("\"size\""));
  EXPECT_NE(text.find("\"target_classes\":[\"esp32\",\"rpi\"]"), std::string::npos);
  auto parsed = parse_manifest(text);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->name, m.name);
  EXPECT_EQ(parsed->version, m.version);
  EXPECT_EQ(parsed->kind, m.kind);
  EXPECT_EQ(parsed->size, m.size);
  EXPECT_EQ(parsed->sha256, m.sha256);
  EXPECT_EQ(parsed->created_ms, m.created_ms);
  EXPECT_EQ(parsed->target_classes, m.target_classes);
  EXPECT_EQ(parsed->format, m.format);
  EXPECT_EQ(canonical_manifest(*parsed), text);

  EXPECT_FALSE(parse_manifest("[]"));
  EXPECT_FALSE(parse_manifest("{\"manifest\":\"other\",\"format_version\":1}"));
  auto missing = parse_manifest(
      "{\"manifest\":\"aiotops-artifact-manifest\",\"format_version\":1,\"name\":\"x\"}");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SigningTest, SignaturesVerifyAndCatchTampering) {
  TempDir dir;
  KeyPair keys = load_or_create_keys(dir.path() / "keys").value();
  KeyPair other = load_or_create_keys(dir.path() / "other").value();
  std::string message = canonical_manifest(sample_manifest("x"));
  std::string signature = sign(keys, message);
  EXPECT_TRUE(verify_signature(keys.public_key, message, signature));
  auto parsed_key = parse_public_key(" " + public_key_base64(keys) + "\n");
  ASSERT_TRUE(parsed_key);
  EXPECT_EQ(*parsed_key, keys.public_key);
  EXPECT_EQ(key_id(keys.public_key).size(), 16u);

  std::string tampered = message;
  tampered[tampered.find("\"version\":3") + 10] = '4';
  EXPECT_EQ(verify_signature(keys.public_key, tampered, signature).error().code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(verify_signature(other.public_key, message, signature).error().code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(verify_signature(keys.public_key, message, "@@@").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(parse_public_key("c2hvcnQ="));
}

TEST(SigningTest, VerifiesDownloadedArtifactsOffline) {
  TempDir dir;
  KeyPair keys = load_or_create_keys(dir.path() / "keys").value();
  std::string bytes = "the model file's bytes";
  fs::path file = dir.path() / "model.tflite";
  ASSERT_TRUE(write_file_atomic(file, bytes));
  std::string manifest = canonical_manifest(sample_manifest(bytes));
  std::string signature = sign(keys, manifest);
  EXPECT_TRUE(verify_artifact(file, manifest, signature, keys.public_key));

  ASSERT_TRUE(write_file_atomic(file, "the model file's byteZ"));
  auto changed = verify_artifact(file, manifest, signature, keys.public_key);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(changed.error().message().find("SHA-256"), std::string::npos);

  ASSERT_TRUE(write_file_atomic(file, "truncated"));
  auto truncated = verify_artifact(file, manifest, signature, keys.public_key);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message().find("bytes"), std::string::npos);

  auto missing = verify_artifact(dir.path() / "absent", manifest, signature, keys.public_key);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiotops::registry
