// Public routes: liveness, the API description and the signing key.

#include "registry/http_json.h"
#include "registry/openapi.h"
#include "registry/server_impl.h"
#include "registry/signing.h"

namespace aiotops::registry {

Status RegistryServer::Impl::get_health(Call& call) {
  call.response.set_content("ok\n", "text/plain; charset=utf-8");
  return {};
}

Status RegistryServer::Impl::get_openapi(Call& call) {
  const std::string_view text = openapi_json();
  call.response.set_content(text.data(), text.size(), "application/json");
  return {};
}

Status RegistryServer::Impl::get_keys(Call& call) {
  const KeyPair& keys = store.keys();
  send_json(call, 200,
            {{"algorithm", "ed25519"},
             {"key_id", key_id(keys.public_key)},
             {"public_key", public_key_base64(keys)}});
  return {};
}

}  // namespace aiotops::registry
