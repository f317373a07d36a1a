// Store: model versions (add, read, resolve, list, delete).

#include <algorithm>
#include <charconv>

#include "registry/names.h"
#include "registry/store_impl.h"

namespace aiotops::registry {
namespace {

constexpr std::string_view kColumns =
    "name, version, format, sha256, size, metrics, dataset_name, dataset_version, parent_name, "
    "parent_version, pipeline_run_id, target_classes, arena_bytes, created_ms, manifest, "
    "signature";

std::string select_sql(std::string_view tail) {
  return fmt::format("SELECT {} FROM models {}", kColumns, tail);
}

std::optional<VersionRef> ref_from(sql::Statement& row, int name_column) {
  if (row.is_null(name_column)) return std::nullopt;
  return VersionRef{row.text(name_column), row.int64(name_column + 1)};
}

ModelRecord from_row(sql::Statement& row) {
  ModelRecord r;
  r.name = row.text(0);
  r.version = row.int64(1);
  r.format = parse_model_format(row.text(2)).value_or(ModelFormat::kNative);  // CHECKed column
  r.sha256 = row.text(3);
  r.size = static_cast<uint64_t>(row.int64(4));
  r.metrics = parse_json_column(row.text(5));
  r.dataset = ref_from(row, 6);
  r.parent = ref_from(row, 8);
  r.pipeline_run_id = row.text(10);
  nlohmann::json classes = parse_json_column(row.text(11));
  if (classes.is_array()) {
    for (const auto& c : classes) {
      if (!c.is_string()) continue;
      if (auto parsed = parse_hardware_class(c.get<std::string>())) {
        r.target_classes.push_back(*parsed);
      }
    }
  }
  if (auto arena = row.optional_int64(12)) r.arena_bytes = static_cast<uint64_t>(*arena);
  r.created_ms = row.int64(13);
  r.manifest = row.text(14);
  r.signature = row.text(15);
  return r;
}

Status validate(const NewModel& spec) {
  if (auto s = validate_name(spec.name, "model name"); !s) return s;
  if (spec.dataset) {
    if (auto s = validate_name(spec.dataset->name, "dataset name"); !s) return s;
  }
  if (spec.parent) {
    if (auto s = validate_name(spec.parent->name, "parent model name"); !s) return s;
  }
  if (auto s = validate_text(spec.pipeline_run_id, "pipeline run id"); !s) return s;
  if (!spec.metrics.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "model {}: metrics must be a JSON object", spec.name);
  }
  if (spec.arena_bytes && *spec.arena_bytes > static_cast<uint64_t>(INT64_MAX)) {
    return fail(ErrorCode::kInvalidArgument, "model {}: arena bytes out of range", spec.name);
  }
  return {};
}

std::optional<int64_t> parse_version(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

}  // namespace

Result<ModelRecord> Store::add_model(const NewModel& spec, const BlobInfo& blob) {
  if (auto s = validate(spec); !s) return fail(s.error());
  if (!is_sha256_hex(blob.sha256)) {
    return fail(ErrorCode::kInvalidArgument, "model {}: malformed blob hash", spec.name);
  }
  ModelRecord r;
  r.name = spec.name;
  r.format = spec.format;
  r.sha256 = blob.sha256;
  r.size = blob.size;
  r.metrics = spec.metrics;
  r.dataset = spec.dataset;
  r.parent = spec.parent;
  r.pipeline_run_id = spec.pipeline_run_id;
  r.target_classes = spec.target_classes;
  std::ranges::sort(r.target_classes);
  r.target_classes.erase(std::unique(r.target_classes.begin(), r.target_classes.end()),
                         r.target_classes.end());
  r.arena_bytes = spec.arena_bytes;
  nlohmann::json classes = nlohmann::json::array();
  for (HardwareClass c : r.target_classes) classes.push_back(std::string(to_string(c)));

  Impl::WriteLease db(*impl_);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  if (auto s = require_blob(impl_->blobs, blob); !s) return fail(s.error());
  if (r.dataset) {
    if (auto s = require_version(*db, "datasets", *r.dataset, "dataset"); !s)
      return fail(s.error());
  }
  if (r.parent) {
    if (auto s = require_version(*db, "models", *r.parent, "parent model"); !s) {
      return fail(s.error());
    }
  }
  Manifest manifest;
  manifest.name = r.name;
  manifest.kind = ArtifactKind::kModel;
  manifest.size = r.size;
  manifest.sha256 = r.sha256;
  manifest.target_classes = r.target_classes;
  manifest.format = to_string(r.format);
  if (auto s = seal_version(*impl_, *db, std::move(manifest), spec.version, r); !s) {
    return fail(s.error());
  }

  auto insert = db->prepare(
      fmt::format("INSERT INTO models ({}) VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                  kColumns));
  if (!insert) return fail(insert.error());
  insert->bind(1, r.name)
      .bind(2, r.version)
      .bind(3, to_string(r.format))
      .bind(4, r.sha256)
      .bind(5, static_cast<int64_t>(r.size))
      .bind(6, r.metrics.dump())
      .bind(11, r.pipeline_run_id)
      .bind(12, classes.dump())
      .bind(14, r.created_ms)
      .bind(15, r.manifest)
      .bind(16, r.signature);
  if (r.dataset) insert->bind(7, r.dataset->name).bind(8, r.dataset->version);
  if (r.parent) insert->bind(9, r.parent->name).bind(10, r.parent->version);
  if (r.arena_bytes) insert->bind(13, static_cast<int64_t>(*r.arena_bytes));
  if (auto s = commit_version(*impl_, *insert, *transaction, EventType::kModelVersion, r); !s) {
    return fail(s.error());
  }
  return r;
}

Result<ModelRecord> Store::get_model(std::string_view name, int64_t version) const {
  return read_row<ModelRecord>(*impl_, select_sql("WHERE name = ?1 AND version = ?2"), from_row,
                               fmt::format("model {} version {} not found", name, version), name,
                               version);
}

Result<ModelRecord> Store::latest_model(std::string_view name) const {
  return read_row<ModelRecord>(*impl_, select_sql("WHERE name = ?1 ORDER BY version DESC LIMIT 1"),
                               from_row, fmt::format("model {} not found", name), name);
}

Result<ModelRecord> Store::resolve_model(std::string_view name, std::string_view ref) const {
  if (auto version = parse_version(ref)) return get_model(name, *version);
  if (ref == "latest") return latest_model(name);
  auto alias = get_alias(name, ref);
  if (!alias) return fail(alias.error());
  return get_model(name, alias->version);
}

Result<std::vector<ModelRecord>> Store::list_models(std::string_view name) const {
  return read_rows<ModelRecord>(*impl_, select_sql("WHERE name = ?1 ORDER BY version"), from_row,
                                name);
}

Result<std::vector<ModelRecord>> Store::list_latest_models() const {
  return read_rows<ModelRecord>(*impl_,
                                select_sql("AS m WHERE version = (SELECT max(version) FROM models "
                                           "WHERE name = m.name) ORDER BY name"),
                                from_row);
}

Result<std::vector<ModelRecord>> Store::models_trained_on(const VersionRef& dataset) const {
  return read_rows<ModelRecord>(
      *impl_, select_sql("WHERE dataset_name = ?1 AND dataset_version = ?2 ORDER BY name, version"),
      from_row, dataset.name, dataset.version);
}

Status Store::delete_model(std::string_view name, int64_t version) {
  Impl::WriteLease db(*impl_);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  if (auto s = require_version(*db, "models", VersionRef{std::string(name), version}, "model");
      !s) {
    return s;
  }
  // Name the referrer; the foreign keys would refuse anyway, without saying who.
  auto alias = first_referrer(*db,
                              "SELECT alias, version FROM aliases WHERE model = ?1 AND version = "
                              "?2 ORDER BY alias LIMIT 1",
                              name, version);
  if (!alias) return fail(alias.error());
  if (*alias) {
    return fail(ErrorCode::kAlreadyExists, "model {} version {} is the target of alias '{}'", name,
                version, (*alias)->first);
  }
  auto child = first_referrer(*db,
                              "SELECT name, version FROM models WHERE parent_name = ?1 AND "
                              "parent_version = ?2 ORDER BY name, version LIMIT 1",
                              name, version);
  if (!child) return fail(child.error());
  if (*child) {
    return fail(ErrorCode::kAlreadyExists,
                "model {} version {} is the parent of model {} version {}", name, version,
                (*child)->first, (*child)->second);
  }
  auto remove = db->prepare("DELETE FROM models WHERE name = ?1 AND version = ?2");
  if (!remove) return fail(remove.error());
  if (auto r = remove->bind(1, name).bind(2, version).run(); !r) return fail(r.error());
  return transaction->commit();
}

}  // namespace aiotops::registry
