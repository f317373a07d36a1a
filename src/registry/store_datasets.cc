// Store: dataset versions (add, read, list, delete).

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "registry/names.h"
#include "registry/store_impl.h"
#include "telemetry/csv_reader.h"
#include "telemetry/stats.h"

namespace aiotops::registry {
namespace {

constexpr std::string_view kColumns =
    "name, version, sha256, size, content_hash, stats, created_ms, source, parent_version, "
    "pipeline_run_id, metadata, manifest, signature";

std::string select_sql(std::string_view tail) {
  return fmt::format("SELECT {} FROM datasets {}", kColumns, tail);
}

DatasetRecord from_row(sql::Statement& row) {
  DatasetRecord r;
  r.name = row.text(0);
  r.version = row.int64(1);
  r.sha256 = row.text(2);
  r.size = static_cast<uint64_t>(row.int64(3));
  r.content_hash = row.text(4);
  r.stats = parse_json_column(row.text(5));
  r.created_ms = row.int64(6);
  r.lineage.source = row.text(7);
  r.lineage.parent_version = row.optional_int64(8);
  r.lineage.pipeline_run_id = row.text(9);
  r.metadata = parse_json_column(row.text(10));
  r.manifest = row.text(11);
  r.signature = row.text(12);
  return r;
}

Status validate(const NewDataset& spec) {
  if (auto s = validate_name(spec.name, "dataset name"); !s) return s;
  if (auto s = validate_text(spec.lineage.source, "dataset source"); !s) return s;
  if (auto s = validate_text(spec.lineage.pipeline_run_id, "pipeline run id"); !s) return s;
  if (!spec.metadata.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "dataset {}: metadata must be a JSON object",
                spec.name);
  }
  return {};
}

// Parses the uploaded CSV in place (mapped, not copied) and computes its statistics.
Result<telemetry::DatasetStats> stats_of_blob(const BlobStore& blobs, const BlobInfo& blob,
                                              std::string_view name) {
  auto file = blobs.open_blob(blob.sha256);
  if (!file) return fail(file.error());
  std::string_view text;
  void* mapped = nullptr;
  if (file->size() > 0) {
    mapped = ::mmap(nullptr, file->size(), PROT_READ, MAP_PRIVATE, file->fd(), 0);
    if (mapped == MAP_FAILED) {
      return fail(ErrorCode::kIo, "mmap {}: {}", file->path().string(), std::strerror(errno));
    }
    text = std::string_view(static_cast<const char*>(mapped), file->size());
  }
  auto dataset = telemetry::parse_csv(text, fmt::format("dataset {}", name), {});
  if (mapped != nullptr) ::munmap(mapped, file->size());
  if (!dataset) return fail(dataset.error());
  return telemetry::compute_stats(*dataset);
}

}  // namespace

Result<DatasetRecord> Store::add_dataset(const NewDataset& spec, const BlobInfo& blob) {
  if (auto s = validate(spec); !s) return fail(s.error());
  if (!is_sha256_hex(blob.sha256)) {
    return fail(ErrorCode::kInvalidArgument, "dataset {}: malformed blob hash", spec.name);
  }
  // The slow part (parsing, statistics) runs before the write lock is taken.
  auto stats = stats_of_blob(impl_->blobs, blob, spec.name);
  if (!stats) return fail(stats.error());

  DatasetRecord r;
  r.name = spec.name;
  r.sha256 = blob.sha256;
  r.size = blob.size;
  r.content_hash = stats->content_hash;
  r.stats = telemetry::to_json(*stats);
  r.lineage = spec.lineage;
  r.metadata = spec.metadata;

  Impl::WriteLease db(*impl_);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  if (auto s = require_blob(impl_->blobs, blob); !s) return fail(s.error());
  if (r.lineage.parent_version) {
    VersionRef parent{r.name, *r.lineage.parent_version};
    if (auto s = require_version(*db, "datasets", parent, "parent dataset"); !s) {
      return fail(s.error());
    }
  }
  Manifest manifest;
  manifest.name = r.name;
  manifest.kind = ArtifactKind::kDataset;
  manifest.size = r.size;
  manifest.sha256 = r.sha256;
  manifest.format = "csv";
  if (auto s = seal_version(*impl_, *db, std::move(manifest), spec.version, r); !s) {
    return fail(s.error());
  }

  auto insert = db->prepare(fmt::format(
      "INSERT INTO datasets ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
      kColumns));
  if (!insert) return fail(insert.error());
  insert->bind(1, r.name)
      .bind(2, r.version)
      .bind(3, r.sha256)
      .bind(4, static_cast<int64_t>(r.size))
      .bind(5, r.content_hash)
      .bind(6, r.stats.dump())
      .bind(7, r.created_ms)
      .bind(8, r.lineage.source)
      .bind(9, r.lineage.parent_version)
      .bind(10, r.lineage.pipeline_run_id)
      .bind(11, r.metadata.dump())
      .bind(12, r.manifest)
      .bind(13, r.signature);
  if (auto s = commit_version(*impl_, *insert, *transaction, EventType::kDatasetVersion, r); !s) {
    return fail(s.error());
  }
  return r;
}

Result<DatasetRecord> Store::get_dataset(std::string_view name, int64_t version) const {
  return read_row<DatasetRecord>(*impl_, select_sql("WHERE name = ?1 AND version = ?2"), from_row,
                                 fmt::format("dataset {} version {} not found", name, version),
                                 name, version);
}

Result<DatasetRecord> Store::latest_dataset(std::string_view name) const {
  return read_row<DatasetRecord>(*impl_,
                                 select_sql("WHERE name = ?1 ORDER BY version DESC LIMIT 1"),
                                 from_row, fmt::format("dataset {} not found", name), name);
}

Result<std::vector<DatasetRecord>> Store::list_datasets(std::string_view name) const {
  return read_rows<DatasetRecord>(*impl_, select_sql("WHERE name = ?1 ORDER BY version"), from_row,
                                  name);
}

Result<std::vector<DatasetRecord>> Store::list_latest_datasets() const {
  return read_rows<DatasetRecord>(
      *impl_,
      select_sql("AS d WHERE version = (SELECT max(version) FROM datasets WHERE name = d.name) "
                 "ORDER BY name"),
      from_row);
}

Status Store::delete_dataset(std::string_view name, int64_t version) {
  Impl::WriteLease db(*impl_);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  auto exists =
      row_exists(*db, "SELECT 1 FROM datasets WHERE name = ?1 AND version = ?2", name, version);
  if (!exists) return fail(exists.error());
  if (!*exists) return fail(ErrorCode::kNotFound, "dataset {} version {} not found", name, version);
  // Name the first referrer; the foreign keys would refuse anyway, without saying who.
  auto model = first_referrer(*db,
                              "SELECT name, version FROM models WHERE dataset_name = ?1 AND "
                              "dataset_version = ?2 ORDER BY name, version LIMIT 1",
                              name, version);
  if (!model) return fail(model.error());
  if (*model) {
    return fail(ErrorCode::kAlreadyExists,
                "dataset {} version {} is in use: model {} version {} was trained on it", name,
                version, (*model)->first, (*model)->second);
  }
  auto child = first_referrer(*db,
                              "SELECT name, version FROM datasets WHERE name = ?1 AND "
                              "parent_version = ?2 ORDER BY version LIMIT 1",
                              name, version);
  if (!child) return fail(child.error());
  if (*child) {
    return fail(ErrorCode::kAlreadyExists, "dataset {} version {} is the parent of version {}",
                name, version, (*child)->second);
  }
  auto remove = db->prepare("DELETE FROM datasets WHERE name = ?1 AND version = ?2");
  if (!remove) return fail(remove.error());
  if (auto r = remove->bind(1, name).bind(2, version).run(); !r) return fail(r.error());
  return transaction->commit();
}

}  // namespace aiotops::registry
