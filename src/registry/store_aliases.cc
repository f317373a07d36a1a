// Store: model aliases (set, delete, read, history). A move replaces the alias row and appends
// to alias_history in one transaction, so readers see the old or the new target, never none.

#include "registry/names.h"
#include "registry/store_impl.h"

namespace aiotops::registry {
namespace {

AliasRecord alias_from_row(sql::Statement& row) {
  return AliasRecord{row.text(0), row.text(1), row.int64(2), row.int64(3)};
}

AliasMove move_from_row(sql::Statement& row) {
  return AliasMove{row.text(0),           row.text(1), row.optional_int64(2),
                   row.optional_int64(3), row.text(4), row.int64(5)};
}

// The alias's current target inside a transaction, or nullopt.
Result<std::optional<int64_t>> current_target(sql::Connection& db, std::string_view model,
                                              std::string_view alias) {
  auto select = db.prepare("SELECT version FROM aliases WHERE model = ?1 AND alias = ?2");
  if (!select) return fail(select.error());
  select->bind(1, model).bind(2, alias);
  auto row = select->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(select->int64(0));
}

Status record_move(sql::Connection& db, const AliasMove& move) {
  auto insert = db.prepare(
      "INSERT INTO alias_history (model, alias, from_version, to_version, actor, time_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert) return fail(insert.error());
  auto done = insert->bind(1, move.model)
                  .bind(2, move.alias)
                  .bind(3, move.from_version)
                  .bind(4, move.to_version)
                  .bind(5, move.actor)
                  .bind(6, move.time_ms)
                  .run();
  if (!done) return fail(done.error());
  return {};
}

Event event_of(const AliasMove& move) {
  Event event;
  event.type = EventType::kAliasMoved;
  event.name = move.model;
  event.version = move.to_version.value_or(0);
  event.alias = move.alias;
  event.from_version = move.from_version;
  event.time_ms = move.time_ms;
  return event;
}

Status validate_move(std::string_view model, std::string_view alias, std::string_view actor) {
  if (auto s = validate_name(model, "model name"); !s) return s;
  if (auto s = validate_alias(alias); !s) return s;
  return validate_text(actor, "actor");
}

}  // namespace

Result<AliasMove> Store::set_alias(std::string_view model, std::string_view alias, int64_t version,
                                   std::string_view actor) {
  if (auto s = validate_move(model, alias, actor); !s) return fail(s.error());
  Impl::WriteLease db(*impl_);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  auto exists =
      row_exists(*db, "SELECT 1 FROM models WHERE name = ?1 AND version = ?2", model, version);
  if (!exists) return fail(exists.error());
  if (!*exists) {
    return fail(ErrorCode::kNotFound, "model {} version {} does not exist", model, version);
  }
  auto from = current_target(*db, model, alias);
  if (!from) return fail(from.error());
  AliasMove move{std::string(model), std::string(alias), *from, version,
                 std::string(actor), impl_->now_ms()};
  auto upsert = db->prepare(
      "INSERT INTO aliases (model, alias, version, updated_ms) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, "
      "updated_ms = excluded.updated_ms");
  if (!upsert) return fail(upsert.error());
  if (auto r = upsert->bind(1, model).bind(2, alias).bind(3, version).bind(4, move.time_ms).run();
      !r) {
    return fail(r.error());
  }
  if (auto s = record_move(*db, move); !s) return fail(s.error());
  if (auto s = transaction->commit(); !s) return fail(s.error());
  impl_->announce(event_of(move));
  return move;
}

Result<AliasMove> Store::delete_alias(std::string_view model, std::string_view alias,
                                      std::string_view actor) {
  if (auto s = validate_move(model, alias, actor); !s) return fail(s.error());
  Impl::WriteLease db(*impl_);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  auto from = current_target(*db, model, alias);
  if (!from) return fail(from.error());
  if (!*from) return fail(ErrorCode::kNotFound, "model {} has no alias '{}'", model, alias);
  AliasMove move{std::string(model), std::string(alias), *from,
                 std::nullopt,       std::string(actor), impl_->now_ms()};
  auto remove = db->prepare("DELETE FROM aliases WHERE model = ?1 AND alias = ?2");
  if (!remove) return fail(remove.error());
  if (auto r = remove->bind(1, model).bind(2, alias).run(); !r) return fail(r.error());
  if (auto s = record_move(*db, move); !s) return fail(s.error());
  if (auto s = transaction->commit(); !s) return fail(s.error());
  impl_->announce(event_of(move));
  return move;
}

Result<AliasRecord> Store::get_alias(std::string_view model, std::string_view alias) const {
  if (auto s = validate_alias(alias); !s) return fail(s.error());
  return read_row<AliasRecord>(
      *impl_,
      "SELECT model, alias, version, updated_ms FROM aliases WHERE model = ?1 AND alias = ?2",
      alias_from_row, fmt::format("model {} has no alias '{}'", model, alias), model, alias);
}

Result<std::vector<AliasRecord>> Store::list_aliases(std::string_view model) const {
  return read_rows<AliasRecord>(
      *impl_,
      "SELECT model, alias, version, updated_ms FROM aliases WHERE model = ?1 ORDER BY alias",
      alias_from_row, model);
}

Result<std::vector<AliasMove>> Store::alias_history(std::string_view model,
                                                    std::string_view alias) const {
  return read_rows<AliasMove>(
      *impl_,
      "SELECT model, alias, from_version, to_version, actor, time_ms FROM alias_history "
      "WHERE model = ?1 AND (?2 = '' OR alias = ?2) ORDER BY id",
      move_from_row, model, alias);
}

}  // namespace aiotops::registry
