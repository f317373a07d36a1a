// Store: bearer tokens (create, authenticate, revoke, list).

#include "registry/names.h"
#include "registry/store_impl.h"
#include "registry/tokens.h"

namespace aiotops::registry {
namespace {

// last_used_ms is refreshed at most this often, so authenticating is usually a pure read.
constexpr int64_t kLastUsedResolutionMs = 60'000;

constexpr std::string_view kSelect =
    "SELECT id, role, description, created_ms, last_used_ms, revoked_ms, device_id FROM tokens";

TokenRecord from_row(sql::Statement& row) {
  TokenRecord r;
  r.id = row.text(0);
  r.role = parse_role(row.text(1)).value_or(Role::kDevice);  // CHECKed column
  r.description = row.text(2);
  r.created_ms = row.int64(3);
  r.last_used_ms = row.optional_int64(4);
  r.revoked_ms = row.optional_int64(5);
  r.device_id = row.text(6);
  return r;
}

// A device token names its device; no other token names one.
Status validate_token_device(Role role, std::string_view device_id) {
  if (role != Role::kDevice) {
    if (device_id.empty()) return {};
    return fail(ErrorCode::kInvalidArgument,
                "token device '{}': only a device token is tied to a device (role is {})",
                device_id, to_string(role));
  }
  if (device_id.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "a device token needs the id of the device it belongs to (--device ID)");
  }
  return validate_device_id(device_id);
}

}  // namespace

Result<CreatedToken> Store::create_token(Role role, std::string_view description,
                                         std::string_view device_id) {
  if (auto s = validate_text(description, "token description"); !s) return fail(s.error());
  if (auto s = validate_token_device(role, device_id); !s) return fail(s.error());
  NewToken token = generate_token();
  CreatedToken created;
  created.record.id = token.id;
  created.record.role = role;
  created.record.description = std::string(description);
  created.record.device_id = std::string(device_id);
  created.record.created_ms = impl_->now_ms();
  created.secret = token.secret;
  Impl::WriteLease db(*impl_);
  auto insert = db->prepare(
      "INSERT INTO tokens (id, role, secret_sha256, description, created_ms, device_id) "
      "VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''))");
  if (!insert) return fail(insert.error());
  auto done = insert->bind(1, token.id)
                  .bind(2, to_string(role))
                  .bind(3, token.hash)
                  .bind(4, description)
                  .bind(5, created.record.created_ms)
                  .bind(6, device_id)
                  .run();
  if (!done) return fail(done.error());
  return created;
}

Result<TokenRecord> Store::authenticate(std::string_view secret) {
  if (!looks_like_token(secret)) {
    return fail(ErrorCode::kPermissionDenied, "malformed bearer token");
  }
  auto token = read_row<TokenRecord>(*impl_, fmt::format("{} WHERE secret_sha256 = ?1", kSelect),
                                     from_row, "unknown bearer token", token_hash(secret));
  if (!token) {
    if (token.error().code() != ErrorCode::kNotFound) return token;
    return fail(ErrorCode::kPermissionDenied, "{}", token.error().message());
  }
  if (token->revoked_ms) {
    return fail(ErrorCode::kPermissionDenied, "token {} was revoked", token->id);
  }
  int64_t now = impl_->now_ms();
  if (!token->last_used_ms || now - *token->last_used_ms >= kLastUsedResolutionMs) {
    Impl::WriteLease db(*impl_);
    auto update = db->prepare("UPDATE tokens SET last_used_ms = ?2 WHERE id = ?1");
    // Bookkeeping only: a failed update (say, a busy database) must not refuse a valid token.
    if (update && update->bind(1, token->id).bind(2, now).run()) token->last_used_ms = now;
  }
  return token;
}

Status Store::revoke_token(std::string_view id) {
  Impl::WriteLease db(*impl_);
  auto update =
      db->prepare("UPDATE tokens SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1");
  if (!update) return fail(update.error());
  auto changed = update->bind(1, id).bind(2, impl_->now_ms()).run();
  if (!changed) return fail(changed.error());
  if (*changed == 0) return fail(ErrorCode::kNotFound, "no token with id {}", id);
  return {};
}

Result<std::vector<TokenRecord>> Store::list_tokens() const {
  return read_rows<TokenRecord>(*impl_, fmt::format("{} ORDER BY created_ms, id", kSelect),
                                from_row);
}

Result<size_t> Store::count_live_tokens() const {
  Impl::ReadLease db(*impl_);
  auto select = db->prepare("SELECT count(*) FROM tokens WHERE revoked_ms IS NULL");
  if (!select) return fail(select.error());
  auto row = select->step();
  if (!row) return fail(row.error());
  return static_cast<size_t>(select->int64(0));
}

}  // namespace aiotops::registry
