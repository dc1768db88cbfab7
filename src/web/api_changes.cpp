// The REST API's changes (docs/api.md). Changes to the management group become the admin
// commands the command line sends (Api::Forward: the server runs them with their side effects);
// users are changed here, on the web listener's connection. Api::dispatch writes each to the
// audit log.

#include <fmt/format.h>

#include "core/names.hpp"
#include "core/text.hpp"
#include "web/api.hpp"
#include "web/secrets.hpp"

namespace outpost::web {
namespace {

using nlohmann::json;
using Outcome = Api::Outcome;

// {"parents": ["a", "b"]} -> the admin command's "primary" and "failover".
Outcome topology(const Api::Call& call, const char* command) {
  const auto it = call.body.find("parents");
  if (it == call.body.end() || !it->is_array() || it->empty() || it->size() > 16) {
    return bad_request("\"parents\" must be a list of 1 to 16 names, primary first",
                       "e.g. {\"parents\": [\"ms1.example.com\", \"ms2.example.com\"]}");
  }
  json failover = json::array();
  for (const auto& p : *it) {
    if (!p.is_string() || p.get_ref<const std::string&>().size() > 260)
      return bad_request("each parent is an FQDN or FQDN:PORT");
    if (&p != &it->front()) failover.push_back(p);
  }
  return Api::Forward{{{"command", command},
                       {"fqdn", call.params.at(0)},
                       {"primary", it->front()},
                       {"failover", failover},
                       {"force", false}}};
}

Outcome alert_change(const Api::Call& call, const char* command) {
  auto id = positive_id(call.params.at(0), "an alert");
  if (!id) return bad_request(id.error().message);
  auto comment = text_field(call.body, "comment", 1000);
  if (!comment) return bad_request(comment.error().message);
  return Api::Forward{{{"command", command}, {"id", *id}, {"comment", *comment}}};
}

}  // namespace

Outcome Api::approve_agent(Call& call) {
  return Forward{{{"command", "agent.approve"}, {"fqdn", call.params.at(0)}}};
}

Outcome Api::reject_agent(Call& call) {
  return Forward{{{"command", "agent.reject"}, {"fqdn", call.params.at(0)}}};
}

Outcome Api::approve_gateway(Call& call) {
  const auto initiates = call.body.value("server_initiates", json(false));
  if (!initiates.is_boolean()) return bad_request("\"server_initiates\" is true or false");
  auto address = text_field(call.body, "address", 300);
  if (!address) return bad_request(address.error().message);
  return Forward{{{"command", "gateway.approve"},
                  {"fqdn", call.params.at(0)},
                  {"server_initiates", initiates},
                  {"address", *address}},
                 201};
}

Outcome Api::remove_gateway(Call& call) {
  return Forward{{{"command", "gateway.remove"}, {"fqdn", call.params.at(0)}}};
}

Outcome Api::set_failover(Call& call) {
  return topology(call, "gateway.set-failover");
}

Outcome Api::set_agent_parents(Call& call) {
  return topology(call, "agent.set-parent");
}

Outcome Api::ack_alert(Call& call) {
  return alert_change(call, "alerts.ack");
}

Outcome Api::close_alert(Call& call) {
  return alert_change(call, "alerts.close");
}

Outcome Api::start_maintenance(Call& call) {
  auto computer = text_field(call.body, "computer", 255);
  if (!computer) return bad_request(computer.error().message);
  auto reason = text_field(call.body, "reason", 1000);
  if (!reason) return bad_request(reason.error().message);
  const auto minutes = call.body.value("minutes", json(60));
  if (!minutes.is_number_integer()) return bad_request("\"minutes\" is a whole number");
  return Forward{{{"command", "maintenance.start"},
                  {"fqdn", *computer},
                  {"minutes", minutes},
                  {"reason", *reason}}};
}

Outcome Api::stop_maintenance(Call& call) {
  return Forward{{{"command", "maintenance.stop"}, {"fqdn", call.params.at(0)}}};
}

Outcome Api::add_user(Call& call) {
  auto name = text_field(call.body, "name", 64);
  if (!name) return bad_request(name.error().message);
  if (!valid_user_name(*name)) {
    return bad_request("a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'", "");
  }
  auto role_text = text_field(call.body, "role", 32);
  if (!role_text) return bad_request(role_text.error().message);
  const auto role = storage::user_role_from_name(*role_text);
  if (!role) return bad_request("\"role\" is administrator, operator or read-only");
  auto password = text_field(call.body, "password", kMaxPasswordLength);
  if (!password) return bad_request(password.error().message);
  if (auto ok = check_password_rules(*password); !ok)
    return bad_request(ok.error().message, ok.error().fix);
  auto hash = hash_password(*password);
  if (!hash) return error_response(hash.error());
  auto added = call.db.add_user({*name, *role, *hash, Clock::now(), std::nullopt});
  if (!added) return error_response(added.error());
  if (!*added) {
    return error_response(409, EventId::web_request_invalid,
                          fmt::format("there already is a user named {}", *name),
                          "choose another name, or remove that user first");
  }
  (void)log_.write(EventId::web_user_changed,
                   fmt::format("{} added the {} user {}", call.principal.audit_name(),
                               storage::user_role_name(*role), *name),
                   {{"user", *name}});
  return json_response({{"name", *name}, {"role", storage::user_role_name(*role)}}, 201);
}

Outcome Api::remove_user(Call& call) {
  const std::string& name = call.params.at(0);
  if (name == call.principal.user) {
    return error_response(409, EventId::web_request_invalid, "you cannot remove yourself",
                          "log in as another administrator to remove this user");
  }
  auto removed = call.db.remove_user(name);
  if (!removed) return error_response(removed.error());
  if (!*removed) {
    return error_response(404, EventId::web_not_found,
                          fmt::format("there is no user named {}", clean_text(name, 64)), "");
  }
  (void)log_.write(EventId::web_user_changed,
                   fmt::format("{} removed the user {}", call.principal.audit_name(), name),
                   {{"user", name}});
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace outpost::web
