// Every subcommand's registration function. Each adds its options to `parent` and, when it is
// the one chosen, stores what to run in `action`.
#pragma once

#include "cli/common.hpp"

namespace outpost::cli {

void add_ca_init(Command& ca, Action& action);
void add_ca_issue(Command& ca, Action& action);
void add_ca_sign(Command& ca, Action& action);
void add_ca_list(Command& ca, Action& action);
void add_cert_request(Command& cert, Action& action);
void add_cert_trust(Command& cert, Action& action);
void add_cert_import(Command& cert, Action& action);
void add_cert_show(Command& cert, Action& action);
void add_cert_verify(Command& cert, Action& action);
void add_events(Command& app, Action& action);
void add_server(Command& app, Action& action);
Command add_agent(Command& app, Action& action);  // returns `outpost agent` for its children
void add_agent_admin(Command& agent, Action& action);
void add_gateway_admin(Command& gateway, Action& action);
Command add_gateway(Command& app, Action& action);  // returns `outpost gateway`
void add_inventory(Command& app, Action& action);
void add_status(Command& app, Action& action);
void add_perf(Command& app, Action& action);
void add_doctor(Command& app, Action& action);
void add_alerts(Command& app, Action& action);
void add_maintenance(Command& app, Action& action);
void add_refusals(Command& app, Action& action);
void add_users(Command& app, Action& action);
void add_audit(Command& app, Action& action);

}  // namespace outpost::cli
