// The reference system's routes (http_reference.h): uploads by file name, folder listings and
// files, device activation and provisioning with form fields and TRUE/FALSE answers.

#include <algorithm>
#include <map>

#include "common/files.h"
#include "registry/http_json.h"
#include "registry/http_reference.h"
#include "registry/names.h"
#include "registry/server_impl.h"

namespace aiotops::registry {
namespace {

using Impl = RegistryServer::Impl;

enum class Folder { kFull, kQuantized, kNormalized, kTraining };

bool holds_models(Folder folder) { return folder == Folder::kFull || folder == Folder::kQuantized; }

// The bytes of a committed blob, for the format check of a quantized model.
std::string blob_bytes(const Store& store, const std::string& sha256) {
  auto path = store.blobs().path_of(sha256);
  return path ? read_file(*path).value_or(std::string()) : std::string();
}

Status upload(Impl& impl, Call& call, Folder folder) {
  auto received = impl.receive_upload(call);
  if (!received) return fail(received.error());
  auto name = reference_artifact_name(received->filename);
  if (!name) return fail(name.error());
  nlohmann::json answer;
  if (holds_models(folder)) {
    NewModel spec;
    if (!received->metadata.empty()) {
      auto parsed = parse_model_metadata(received->metadata, *name);
      if (!parsed) return fail(parsed.error());
      spec = std::move(*parsed);
    } else {
      const bool quantized = folder == Folder::kQuantized;
      spec.name = *name;
      spec.format = reference_model_format(
          quantized, received->filename,
          quantized ? blob_bytes(impl.store, received->blob.sha256) : std::string());
    }
    auto record = impl.store.add_model(spec, received->blob);
    if (!record) return fail(record.error());
    answer = to_json(*record);
  } else {
    auto spec = parse_dataset_metadata(received->metadata, *name);
    if (!spec) return fail(spec.error());
    auto record = impl.store.add_dataset(*spec, received->blob);
    if (!record) return fail(record.error());
    answer = to_json(*record);
  }
  send_json(call, 200, answer);
  return {};
}

// Latest versions as (created, name) pairs sorted oldest first, then their names.
template <typename Record, typename Keep>
std::vector<std::string> oldest_first(const std::vector<Record>& records, Keep keep) {
  std::vector<std::pair<int64_t, std::string>> kept;
  for (const Record& record : records) {
    if (keep(record)) kept.emplace_back(record.created_ms, record.name);
  }
  std::ranges::sort(kept);
  std::vector<std::string> names;
  for (auto& entry : kept) names.push_back(std::move(entry.second));
  return names;
}

Status list(Impl& impl, Call& call, Folder folder) {
  std::vector<std::string> names;
  if (holds_models(folder)) {
    auto latest = impl.store.list_latest_models();
    if (!latest) return fail(latest.error());
    const bool quantized = folder == Folder::kQuantized;
    names = oldest_first(*latest, [quantized](const ModelRecord& record) {
      return is_quantized_format(record.format) == quantized;
    });
  } else {
    auto latest = impl.store.list_latest_datasets();
    if (!latest) return fail(latest.error());
    const bool labelled = folder == Folder::kNormalized;
    names = oldest_first(*latest, [labelled](const DatasetRecord& record) {
      const auto label = record.stats.find("label");
      return (label != record.stats.end() && label->is_string()) == labelled;
    });
  }
  call.response.set_content(reference_listing_html(names), "text/html; charset=utf-8");
  return {};
}

// One file: the latest version of the name the file name maps to.
Status file(Impl& impl, Call& call, bool model) {
  auto name = reference_artifact_name(call.param(0));
  if (!name) return fail(name.error());
  if (model) {
    auto record = impl.store.latest_model(*name);
    if (!record) return fail(record.error());
    call.response.set_header("X-Version", std::to_string(record->version));
    return impl.send_blob(call, record->sha256, "application/octet-stream");
  }
  auto record = impl.store.latest_dataset(*name);
  if (!record) return fail(record.error());
  call.response.set_header("X-Version", std::to_string(record->version));
  return impl.send_blob(call, record->sha256, "text/csv");
}

using Form = std::map<std::string, std::string>;

// Form fields from the query, an application/x-www-form-urlencoded body or a multipart body
// (a field given twice: the last one).
Result<Form> read_form(Impl& impl, Call& call) {
  Form form;
  auto add = [&form](const httplib::Params& params) {
    for (const auto& [key, value] : params) form[key] = value;
  };
  add(call.request.params);
  if (!call.request.is_multipart_form_data()) {
    auto body = impl.read_body(call, impl.options.max_json_bytes);
    if (!body) return fail(body.error());
    httplib::Params params;
    httplib::detail::parse_query_text(*body, params);
    add(params);
    return form;
  }
  call.body_read = true;
  std::string* field = nullptr;
  size_t total = 0;
  const bool complete = (*call.reader)(
      [&](const httplib::MultipartFormData& part) {
        field = &form[part.name];
        field->clear();
        return true;
      },
      [&](const char* data, size_t size) {
        total += size;
        if (total > impl.options.max_json_bytes) return false;
        field->append(data, size);
        return true;
      });
  if (total > impl.options.max_json_bytes || call.response.status == 413) {
    return fail(ErrorCode::kResourceExhausted, "form larger than {} bytes",
                impl.options.max_json_bytes);
  }
  if (!complete) return fail(ErrorCode::kInvalidArgument, "malformed multipart/form-data body");
  return form;
}

// The form's device_id, validated; `form` receives the other fields.
Result<std::string> device_id_field(Impl& impl, Call& call, Form& form) {
  auto read = read_form(impl, call);
  if (!read) return fail(read.error());
  form = std::move(*read);
  auto it = form.find("device_id");
  if (it == form.end()) {
    return fail(ErrorCode::kInvalidArgument, "form field 'device_id' is missing");
  }
  if (Status s = validate_device_id(it->second); !s) return fail(s.error());
  return it->second;
}

void answer_text(Call& call, bool yes) {
  call.response.status = 200;
  call.response.set_content(yes ? "TRUE" : "FALSE", "text/plain; charset=utf-8");
}

}  // namespace

Status Impl::reference_upload_model(Call& call) { return upload(*this, call, Folder::kFull); }
Status Impl::reference_upload_quantized(Call& call) {
  return upload(*this, call, Folder::kQuantized);
}
Status Impl::reference_upload_normalized(Call& call) {
  return upload(*this, call, Folder::kNormalized);
}
Status Impl::reference_upload_training(Call& call) {
  return upload(*this, call, Folder::kTraining);
}
Status Impl::reference_list_full(Call& call) { return list(*this, call, Folder::kFull); }
Status Impl::reference_list_quantized(Call& call) { return list(*this, call, Folder::kQuantized); }
Status Impl::reference_list_normalized(Call& call) {
  return list(*this, call, Folder::kNormalized);
}
Status Impl::reference_list_training(Call& call) { return list(*this, call, Folder::kTraining); }
Status Impl::reference_get_model(Call& call) { return file(*this, call, true); }
Status Impl::reference_get_dataset(Call& call) { return file(*this, call, false); }

Status Impl::reference_confirm_activation(Call& call) {
  Form fields;
  auto id = device_id_field(*this, call, fields);
  if (!id) return fail(id.error());
  if (Status s = require_own_device(call, *id); !s) return s;
  auto record = store.activate_device(*id);
  if (!record && record.error().code() != ErrorCode::kNotFound) return fail(record.error());
  answer_text(call, record.has_value());
  return {};
}

Status Impl::reference_provision_device(Call& call) {
  Form fields;
  auto id = device_id_field(*this, call, fields);
  if (!id) return fail(id.error());
  NewDevice device;
  device.id = *id;
  if (auto it = fields.find("hardware"); it != fields.end()) {
    auto hardware = parse_hardware_class(it->second);
    if (!hardware) return fail(hardware.error().with_context("form field 'hardware'"));
    device.hardware = *hardware;
  }
  auto record = store.provision_device(device);
  // Provisioning twice is not an error here: the device is provisioned either way.
  if (!record && record.error().code() != ErrorCode::kAlreadyExists) return fail(record.error());
  answer_text(call, true);
  return {};
}

}  // namespace aiotops::registry
