// Store::check: blobs against their hashes, rows against their blobs and signed manifests, and
// SQLite's own integrity and foreign-key checks.

#include "registry/store_impl.h"

namespace aiotops::registry {
namespace {

// What check() needs of a dataset or model row.
struct ArtifactRow {
  ArtifactKind kind = ArtifactKind::kModel;
  std::string name;
  int64_t version = 0;
  std::string sha256;
  uint64_t size = 0;
  std::string manifest;
  std::string signature;
};

std::string label(const ArtifactRow& row) {
  return fmt::format("{} {} version {}", to_string(row.kind), row.name, row.version);
}

// The manifest must be signed by this store's key and describe exactly this row.
void check_manifest(const ArtifactRow& row, const KeyPair& keys,
                    std::vector<std::string>& problems) {
  if (auto s = verify_signature(keys.public_key, row.manifest, row.signature); !s) {
    problems.push_back(fmt::format("{}: {}", label(row), s.error().message()));
    return;
  }
  auto manifest = parse_manifest(row.manifest);
  if (!manifest) {
    problems.push_back(fmt::format("{}: {}", label(row), manifest.error().message()));
    return;
  }
  if (manifest->kind != row.kind || manifest->name != row.name ||
      manifest->version != row.version || manifest->sha256 != row.sha256 ||
      manifest->size != row.size) {
    problems.push_back(
        fmt::format("{}: the signed manifest describes {} {} version {} ({}, {} "
                    "bytes), the row {} ({} bytes)",
                    label(row), to_string(manifest->kind), manifest->name, manifest->version,
                    manifest->sha256, manifest->size, row.sha256, row.size));
  }
}

// Collects the rows of one PRAGMA as problem lines; integrity_check's single "ok" is none.
Status pragma_problems(sql::Connection& db, const std::string& pragma,
                       std::vector<std::string>& problems) {
  auto select = db.prepare(pragma);
  if (!select) return fail(select.error());
  for (;;) {
    auto row = select->step();
    if (!row) return fail(row.error());
    if (!*row) return {};
    std::string line = select->text(0);
    for (int c = 1; c < select->columns(); ++c) {
      if (select->is_null(c)) continue;
      // Two appends, not `" " + text`: g++ 12 at -O3 warns (-Wrestrict) on that temporary.
      line += ' ';
      line += select->text(c);
    }
    if (line != "ok") problems.push_back(fmt::format("{}: {}", pragma, line));
  }
}

}  // namespace

Result<CheckReport> Store::check() const {
  CheckReport report;
  std::vector<ArtifactRow> rows;
  {
    Impl::ReadLease db(*impl_);
    // One snapshot for every query, so a concurrent upload cannot make the rows disagree.
    auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kRead);
    if (!transaction) return fail(transaction.error());
    auto select = db->prepare(
        "SELECT 'dataset', name, version, sha256, size, manifest, signature FROM datasets "
        "UNION ALL "
        "SELECT 'model', name, version, sha256, size, manifest, signature FROM models");
    if (!select) return fail(select.error());
    auto collected = collect<ArtifactRow>(*select, [](sql::Statement& s) {
      return ArtifactRow{s.text(0) == "dataset" ? ArtifactKind::kDataset : ArtifactKind::kModel,
                         s.text(1),
                         s.int64(2),
                         s.text(3),
                         static_cast<uint64_t>(s.int64(4)),
                         s.text(5),
                         s.text(6)};
    });
    if (!collected) return fail(collected.error());
    rows = std::move(*collected);
    for (const char* pragma : {"PRAGMA integrity_check", "PRAGMA foreign_key_check"}) {
      if (auto s = pragma_problems(*db, pragma, report.problems); !s) return fail(s.error());
    }
    auto counters = db->prepare(
        "SELECT kind, name, last_version FROM version_counters AS c WHERE last_version < "
        "(SELECT max(version) FROM datasets WHERE c.kind = 'dataset' AND name = c.name) OR "
        "last_version < (SELECT max(version) FROM models WHERE c.kind = 'model' AND name = "
        "c.name)");
    if (!counters) return fail(counters.error());
    auto behind = collect<std::string>(*counters, [](sql::Statement& s) {
      return fmt::format("{} {}: version counter {} is behind the stored versions", s.text(0),
                         s.text(1), s.int64(2));
    });
    if (!behind) return fail(behind.error());
    report.problems.insert(report.problems.end(), behind->begin(), behind->end());
  }

  std::set<std::string> referenced;
  for (const auto& row : rows) {
    ++(row.kind == ArtifactKind::kDataset ? report.datasets : report.models);
    referenced.insert(row.sha256);
    check_manifest(row, impl_->keys, report.problems);
    auto size = impl_->blobs.size_of(row.sha256);
    if (!size) {
      report.problems.push_back(fmt::format("{}: {}", label(row), size.error().message()));
    } else if (*size != row.size) {
      report.problems.push_back(fmt::format("{}: blob {} is {} bytes, the row says {}", label(row),
                                            row.sha256, *size, row.size));
    }
  }

  std::vector<std::string> present;
  if (auto s = impl_->blobs.for_each([&](const std::string& sha256) { present.push_back(sha256); });
      !s) {
    return fail(s.error());
  }
  for (const auto& sha256 : present) {
    ++report.blobs_verified;
    if (!referenced.contains(sha256)) ++report.unreferenced_blobs;
    auto verified = impl_->blobs.verify(sha256);
    // A blob collected between listing and hashing is gone, not damaged.
    if (!verified && verified.error().code() != ErrorCode::kNotFound) {
      report.problems.push_back(verified.error().message());
    }
  }
  return report;
}

}  // namespace aiotops::registry
