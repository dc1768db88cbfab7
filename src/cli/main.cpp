// The `outpost` command: wires the subcommands together and runs the one chosen.
#include <sys/stat.h>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace outpost::cli;
  // Daemons, the CA and the certificate stores write keys, databases and logs: whatever a command
  // creates without setting a mode itself is owner-only (issue 11, finding 6).
  ::umask(077);
  const Program program{"outpost", "Outpost: monitoring for computers outside your trust boundary",
                        "outpost 0.1.0"};
  return parse_and_run(argc, argv, program, [](Command& app, Action& action) {
    auto ca = app.subcommand("ca", "a stand-alone certification authority");
    ca.require_subcommand(1, 1);
    add_ca_init(ca, action);
    add_ca_issue(ca, action);
    add_ca_sign(ca, action);
    add_ca_list(ca, action);

    auto cert = app.subcommand("cert", "this computer's certificate stores (MOMCertImport)");
    cert.require_subcommand(1, 1);
    add_cert_request(cert, action);
    add_cert_trust(cert, action);
    add_cert_import(cert, action);
    add_cert_show(cert, action);
    add_cert_verify(cert, action);

    add_events(app, action);
    add_inventory(app, action);
    add_alerts(app, action);
    add_maintenance(app, action);
    add_refusals(app, action);
    add_users(app, action);
    add_audit(app, action);
    add_status(app, action);
    add_perf(app, action);
    add_doctor(app, action);
    add_server(app, action);
    auto agent = add_agent(app, action);
    add_agent_admin(agent, action);
    auto gateway = add_gateway(app, action);
    add_gateway_admin(gateway, action);
  });
}
