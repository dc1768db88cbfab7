#include "server/admin_rules.hpp"

#include <fmt/format.h>

#include "core/names.hpp"
#include "net/admin_socket.hpp"

namespace outpost::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxRowName = 4096;  // a stored name is at most what a frame could carry

}  // namespace

std::string_view role_with_article(storage::Role role) {
  switch (role) {
    case storage::Role::agent:
      return "an agent";
    case storage::Role::gateway:
      return "a gateway";
    case storage::Role::management_server:
      return "a management server";
  }
  return "a computer";
}

std::string shown_name(std::string_view name) {
  constexpr std::size_t kShown = 200;
  std::string out;
  for (const char c : name.substr(0, kShown)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u >= 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  if (name.size() > kShown) out += fmt::format("... ({} characters)", name.size());
  return out;
}

Result<std::string> requested_fqdn(const json& request, std::string_view what) {
  const std::string name = request.value("fqdn", "");
  if (!is_valid_host_name(name)) {
    return fail(fmt::format("'{}' is not a valid FQDN", shown_name(name)),
                fmt::format("pass the {}'s fully qualified domain name", what));
  }
  return canonical_host_name(name);
}

Result<std::string> requested_row_name(const json& request) {
  const std::string name = request.value("fqdn", "");
  if (name.empty() || name.size() > kMaxRowName) {
    return fail(fmt::format("a name of {} characters cannot name a stored computer", name.size()),
                "copy the name from outpost agent pending --json");
  }
  return is_valid_host_name(name) ? canonical_host_name(name) : name;
}

Result<std::optional<storage::Role>> gateway_role_change(
    const NodeConfig& config, const std::optional<storage::Computer>& known,
    const std::string& fqdn, bool change_role) {
  if (same_host_name(fqdn, config.fqdn)) {
    return fail(fmt::format("{} is this management server; it cannot also be a gateway of "
                            "management group {} (--change-role does not apply to the server "
                            "that runs the command)",
                            fqdn, config.management_group),
                "check the name: pass the gateway's FQDN with --gateway", EventId::role_conflict);
  }
  if (!known || known->role == storage::Role::gateway) return std::optional<storage::Role>{};
  if (!change_role) {
    return fail(
        fmt::format("{} is known as {} in management group {}; approving it as a gateway would "
                    "lock it out in its present role",
                    fqdn, role_with_article(known->role), config.management_group),
        fmt::format("check the name. If {} really is a gateway now, repeat with --change-role "
                    "(and make its own configuration a gateway's)",
                    fqdn),
        EventId::role_conflict);
  }
  return std::optional<storage::Role>{known->role};
}

json wrong_role(const storage::Computer& known, storage::Role wanted, std::string fix) {
  return net::admin_error(
      Error{EventId::role_conflict,
            fmt::format("{} is {}, not {}; nothing changed", shown_name(known.fqdn),
                        role_with_article(known.role), role_with_article(wanted)),
            std::move(fix)});
}

json no_change(const std::string& message, const std::string& fix, bool expected) {
  if (expected) return net::admin_ok({{"message", message}, {"changed", false}});
  return net::admin_error(Error{EventId::admin_no_change, message, fix});
}

json changed_with_event(const std::string& message, EventId event, const std::string& warning) {
  json result{{"message", message}, {"event", number(event)}};
  if (!warning.empty()) result["warning"] = warning;
  return net::admin_ok(std::move(result));
}

void log_admin_outcome(EventLog& log, const json& request, const json& answer) {
  const std::string command = request.value("command", "");
  const json fields{{"command", command}, {"computer", request.value("fqdn", "")}};
  if (!answer.value("ok", false)) {
    const auto event = event_id_from_number(answer.value("event", 0));
    if (event == EventId::role_conflict || event == EventId::admin_no_change ||
        event == EventId::parents_change_refused) {
      (void)log.write(*event,
                      fmt::format("{}: {} Fix: {}", command, answer.value("error", ""),
                                  answer.value("fix", "")),
                      fields);
    }
    return;
  }
  const json result = answer.value("result", json::object());
  if (!result.is_object()) return;
  if (!result.value("changed", true)) {
    (void)log.write(EventId::admin_no_change,
                    fmt::format("{}: {}", command, result.value("message", "")), fields);
  }
  if (const auto event = event_id_from_number(result.value("event", 0))) {
    const std::string warning = result.value("warning", "");
    (void)log.write(
        *event,
        fmt::format("{}: {}", command, warning.empty() ? result.value("message", "") : warning),
        fields);
  }
}

}  // namespace outpost::server
