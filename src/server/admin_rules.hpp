// The rules every approval command follows (issue 11, finding 5): a computer has one role,
// changed only on purpose (--change-role, 30012); a name known in another role is refused
// (30011); a command that changes nothing says so (30013) and, when the operator could not have
// expected it, fails (the command line exits 3). The commands build their answers with these;
// run_admin_command logs what an answer says happened.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

// "an agent", "a gateway", "a management server".
[[nodiscard]] std::string_view role_with_article(storage::Role role);

// A name as a message may show it: control and non-ASCII bytes escaped, at most 200 characters
// (a stored name may be junk a gateway sent).
[[nodiscard]] std::string shown_name(std::string_view name);

// The FQDN a command names ("fqdn" of the request), canonical; refuses what is not a host name.
[[nodiscard]] Result<std::string> requested_fqdn(const nlohmann::json& request,
                                                 std::string_view what);
// The name of a stored row, for the commands that must reach any row (agent reject, forget): a
// host name is canonicalised; anything else is used exactly as given (it only finds a row stored
// under that very name), so junk names in `agent pending` can be removed.
[[nodiscard]] Result<std::string> requested_row_name(const nlohmann::json& request);

// Whether `fqdn` may be approved as a gateway. Never this management server itself; a name
// known as an agent or a management server only with `change_role`. Returns the role the name
// had when the approval changes it (the caller warns with 30012), nullopt otherwise; fails
// with 30011.
[[nodiscard]] Result<std::optional<storage::Role>> gateway_role_change(
    const NodeConfig& config, const std::optional<storage::Computer>& known,
    const std::string& fqdn, bool change_role);

// "X is a gateway, not an agent" (30011) for a command about one role given a name of another.
[[nodiscard]] nlohmann::json wrong_role(const storage::Computer& known, storage::Role wanted,
                                        std::string fix);

// An answer for a command that changed nothing. `expected`: the computer already was as asked
// (ok, "changed": false, exit 0); otherwise the name is not known (an error with 30013: the
// command line exits 3). Both are logged as 30013.
[[nodiscard]] nlohmann::json no_change(const std::string& message, const std::string& fix,
                                       bool expected);

// A successful change that is logged as `event` (30012 role changed, 30014 forgotten), with
// `warning` shown by the command line on stderr when not empty.
[[nodiscard]] nlohmann::json changed_with_event(const std::string& message, EventId event,
                                                const std::string& warning = "");

// Writes what an answer says happened (30011, 30012, 30013, 30014) to the event log.
void log_admin_outcome(EventLog& log, const nlohmann::json& request, const nlohmann::json& answer);

}  // namespace outpost::server
