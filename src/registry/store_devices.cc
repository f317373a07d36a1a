// Store: devices (provision, activate, report, labels, read, delete).

#include "registry/names.h"
#include "registry/store_impl.h"

namespace aiotops::registry {
namespace {

constexpr std::string_view kSelect =
    "SELECT id, hardware, labels, activated, provisioned_ms, activated_ms, model_version, "
    "firmware_version, last_seen_ms FROM devices";

DeviceRecord from_row(sql::Statement& row) {
  DeviceRecord r;
  r.id = row.text(0);
  r.hardware = parse_hardware_class(row.text(1)).value_or(HardwareClass::kEsp32);  // CHECKed
  nlohmann::json labels = parse_json_column(row.text(2));
  if (labels.is_object()) {
    for (const auto& [key, value] : labels.items()) {
      if (value.is_string()) r.labels.emplace(key, value.get<std::string>());
    }
  }
  r.activated = row.int64(3) != 0;
  r.provisioned_ms = row.int64(4);
  r.activated_ms = row.optional_int64(5);
  r.model_version = row.text(6);
  r.firmware_version = row.text(7);
  r.last_seen_ms = row.optional_int64(8);
  return r;
}

Status validate_labels(const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : labels) {
    if (auto s = validate_name(key, "label name"); !s) return s;
    if (auto s = validate_text(value, fmt::format("label {}", key)); !s) return s;
  }
  return {};
}

std::string labels_json(const std::map<std::string, std::string>& labels) {
  return nlohmann::json(labels).dump();
}

// Reads one device through `db` (inside the caller's transaction, if any).
Result<DeviceRecord> read_device(sql::Connection& db, std::string_view id) {
  auto select = db.prepare(fmt::format("{} WHERE id = ?1", kSelect));
  if (!select) return fail(select.error());
  select->bind(1, id);
  return first_row<DeviceRecord>(*select, from_row,
                                 fmt::format("device {} is not provisioned", id));
}

}  // namespace

// Runs an UPDATE on one device in a write transaction and returns the device afterwards;
// kNotFound when no row changed. `bind` binds every parameter but ?1 (the id).
template <typename Bind>
Result<DeviceRecord> update_device(Store::Impl& impl, std::string_view id, const std::string& sql,
                                   Bind bind) {
  if (auto s = validate_device_id(id); !s) return fail(s.error());
  Store::Impl::WriteLease db(impl);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  auto update = db->prepare(sql);
  if (!update) return fail(update.error());
  update->bind(1, id);
  bind(*update);
  auto changed = update->run();
  if (!changed) return fail(changed.error());
  if (*changed == 0) return fail(ErrorCode::kNotFound, "device {} is not provisioned", id);
  auto device = read_device(*db, id);
  if (!device) return device;
  if (auto s = transaction->commit(); !s) return fail(s.error());
  return device;
}

Result<DeviceRecord> Store::provision_device(const NewDevice& device) {
  if (auto s = validate_device_id(device.id); !s) return fail(s.error());
  if (auto s = validate_labels(device.labels); !s) return fail(s.error());
  Impl::WriteLease db(*impl_);
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  auto insert = db->prepare(
      "INSERT INTO devices (id, hardware, labels, provisioned_ms) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (id) DO NOTHING");
  if (!insert) return fail(insert.error());
  auto inserted = insert->bind(1, device.id)
                      .bind(2, to_string(device.hardware))
                      .bind(3, labels_json(device.labels))
                      .bind(4, impl_->now_ms())
                      .run();
  if (!inserted) return fail(inserted.error());
  if (*inserted == 0) {
    return fail(ErrorCode::kAlreadyExists, "device {} is already provisioned", device.id);
  }
  auto record = read_device(*db, device.id);
  if (!record) return record;
  if (auto s = transaction->commit(); !s) return fail(s.error());
  return record;
}

Result<DeviceRecord> Store::activate_device(std::string_view id) {
  int64_t now = impl_->now_ms();
  return update_device(*impl_, id,
                       "UPDATE devices SET activated = 1, activated_ms = coalesce(activated_ms, "
                       "?2) WHERE id = ?1",
                       [&](sql::Statement& s) { s.bind(2, now); });
}

Result<DeviceRecord> Store::report_device(std::string_view id, const DeviceReport& report) {
  if (auto s = validate_text(report.model_version, "model version"); !s) return fail(s.error());
  if (auto s = validate_text(report.firmware_version, "firmware version"); !s) {
    return fail(s.error());
  }
  int64_t now = impl_->now_ms();
  return update_device(
      *impl_, id,
      "UPDATE devices SET model_version = CASE WHEN ?2 = '' THEN model_version ELSE ?2 END, "
      "firmware_version = CASE WHEN ?3 = '' THEN firmware_version ELSE ?3 END, "
      "last_seen_ms = ?4 WHERE id = ?1",
      [&](sql::Statement& s) {
        s.bind(2, report.model_version).bind(3, report.firmware_version).bind(4, now);
      });
}

Result<DeviceRecord> Store::set_device_labels(std::string_view id,
                                              const std::map<std::string, std::string>& labels) {
  if (auto s = validate_labels(labels); !s) return fail(s.error());
  std::string json = labels_json(labels);
  return update_device(*impl_, id, "UPDATE devices SET labels = ?2 WHERE id = ?1",
                       [&](sql::Statement& s) { s.bind(2, json); });
}

Result<DeviceRecord> Store::get_device(std::string_view id) const {
  Impl::ReadLease db(*impl_);
  return read_device(*db, id);
}

Result<std::vector<DeviceRecord>> Store::list_devices(std::optional<HardwareClass> hardware) const {
  return read_rows<DeviceRecord>(
      *impl_, fmt::format("{} WHERE ?1 = '' OR hardware = ?1 ORDER BY id", kSelect), from_row,
      hardware ? to_string(*hardware) : std::string_view());
}

Status Store::delete_device(std::string_view id) {
  Impl::WriteLease db(*impl_);
  auto remove = db->prepare("DELETE FROM devices WHERE id = ?1");
  if (!remove) return fail(remove.error());
  auto removed = remove->bind(1, id).run();
  if (!removed) return fail(removed.error());
  if (*removed == 0) return fail(ErrorCode::kNotFound, "device {} is not provisioned", id);
  return {};
}

}  // namespace aiotops::registry
