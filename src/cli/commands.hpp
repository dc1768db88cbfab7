// Every subcommand's registration function. Each adds its options to `parent` and, when it is
// the one chosen, stores what to run in `action`.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace outpost::cli {

void add_ca_init(CLI::App& ca, Action& action);
void add_ca_issue(CLI::App& ca, Action& action);
void add_ca_sign(CLI::App& ca, Action& action);
void add_ca_list(CLI::App& ca, Action& action);
void add_cert_request(CLI::App& cert, Action& action);
void add_cert_trust(CLI::App& cert, Action& action);
void add_cert_import(CLI::App& cert, Action& action);
void add_cert_show(CLI::App& cert, Action& action);
void add_cert_verify(CLI::App& cert, Action& action);
void add_events(CLI::App& app, Action& action);
void add_server(CLI::App& app, Action& action);
CLI::App* add_agent(CLI::App& app, Action& action);  // returns `outpost agent` for its children
void add_agent_admin(CLI::App& agent, Action& action);
void add_gateway_admin(CLI::App& gateway, Action& action);
CLI::App* add_gateway(CLI::App& app, Action& action);  // returns `outpost gateway`
void add_inventory(CLI::App& app, Action& action);
void add_status(CLI::App& app, Action& action);
void add_perf(CLI::App& app, Action& action);
void add_doctor(CLI::App& app, Action& action);

}  // namespace outpost::cli
