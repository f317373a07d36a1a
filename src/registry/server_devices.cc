// /api/v1/devices (provisioning, activation, status reports, labels) and /api/v1/tokens.

#include <fmt/format.h>

#include "registry/http_json.h"
#include "registry/names.h"
#include "registry/server_impl.h"

namespace aiotops::registry {
Status RegistryServer::Impl::provision_device(Call& call) {
  auto body = read_body(call, options.max_json_bytes);
  if (!body) return fail(body.error());
  auto device = parse_new_device(*body);
  if (!device) return fail(device.error());
  auto record = store.provision_device(*device);
  if (!record) return fail(record.error());
  call.response.set_header("Location", fmt::format("/api/v1/devices/{}", record->id));
  send_json(call, 201, to_json(*record));
  return {};
}

Status RegistryServer::Impl::list_devices(Call& call) {
  std::optional<HardwareClass> hardware;
  if (call.request.has_param("hardware")) {
    auto parsed = parse_hardware_class(call.request.get_param_value("hardware"));
    if (!parsed) return fail(parsed.error().with_context("hardware"));
    hardware = *parsed;
  }
  auto devices = store.list_devices(hardware);
  if (!devices) return fail(devices.error());
  nlohmann::json list = nlohmann::json::array();
  for (const DeviceRecord& device : *devices) list.push_back(to_json(device));
  send_json(call, 200, {{"devices", std::move(list)}});
  return {};
}

Status RegistryServer::Impl::get_device(Call& call) {
  if (Status s = validate_device_id(call.param(0)); !s) return s;
  auto record = store.get_device(call.param(0));
  if (!record) return fail(record.error());
  send_json(call, 200, to_json(*record));
  return {};
}

Status RegistryServer::Impl::delete_device(Call& call) {
  if (Status s = validate_device_id(call.param(0)); !s) return s;
  if (Status s = store.delete_device(call.param(0)); !s) return s;
  call.response.status = 204;
  return {};
}

Status RegistryServer::Impl::put_device_labels(Call& call) {
  if (Status s = validate_device_id(call.param(0)); !s) return s;
  auto body = read_body(call, options.max_json_bytes);
  if (!body) return fail(body.error());
  auto labels = parse_device_labels(*body);
  if (!labels) return fail(labels.error());
  auto record = store.set_device_labels(call.param(0), *labels);
  if (!record) return fail(record.error());
  send_json(call, 200, to_json(*record));
  return {};
}

Status RegistryServer::Impl::activate_device(Call& call) {
  if (Status s = validate_device_id(call.param(0)); !s) return s;
  if (Status s = require_own_device(call, call.param(0)); !s) return s;
  auto record = store.activate_device(call.param(0));
  if (!record) return fail(record.error());
  send_json(call, 200, to_json(*record));
  return {};
}

Status RegistryServer::Impl::report_device(Call& call) {
  if (Status s = validate_device_id(call.param(0)); !s) return s;
  if (Status s = require_own_device(call, call.param(0)); !s) return s;
  auto body = read_body(call, options.max_json_bytes);
  if (!body) return fail(body.error());
  auto report = parse_device_report(*body);
  if (!report) return fail(report.error());
  auto record = store.report_device(call.param(0), *report);
  if (!record) return fail(record.error());
  send_json(call, 200, to_json(*record));
  return {};
}

Status RegistryServer::Impl::create_token(Call& call) {
  auto body = read_body(call, options.max_json_bytes);
  if (!body) return fail(body.error());
  auto request = parse_token_request(*body);
  if (!request) return fail(request.error());
  auto created = store.create_token(request->role, request->description, request->device_id);
  if (!created) return fail(created.error());
  refresh_auth();  // the first token turns authentication on at once
  nlohmann::json json = to_json(created->record);
  json["token"] = created->secret;
  send_json(call, 201, json);
  return {};
}

Status RegistryServer::Impl::list_tokens(Call& call) {
  auto tokens = store.list_tokens();
  if (!tokens) return fail(tokens.error());
  nlohmann::json list = nlohmann::json::array();
  for (const TokenRecord& token : *tokens) list.push_back(to_json(token));
  send_json(call, 200, {{"tokens", std::move(list)}});
  return {};
}

Status RegistryServer::Impl::revoke_token(Call& call) {
  if (Status s = store.revoke_token(call.param(0)); !s) return s;
  refresh_auth();
  call.response.status = 204;
  return {};
}

}  // namespace aiotops::registry
