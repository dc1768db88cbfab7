// The `outpost` command: wires the subcommands together and runs the one chosen.
#include <sys/stat.h>

#include <iostream>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace outpost::cli;
  // Daemons, the CA and the certificate stores write keys, databases and logs: whatever a command
  // creates without setting a mode itself is owner-only (issue 11, finding 6).
  ::umask(077);
  CLI::App app{"Outpost: monitoring for computers outside your trust boundary", "outpost"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "outpost 0.1.0");
  Action action;

  auto* ca = app.add_subcommand("ca", "a stand-alone certification authority");
  ca->require_subcommand(1);
  add_ca_init(*ca, action);
  add_ca_issue(*ca, action);
  add_ca_sign(*ca, action);
  add_ca_list(*ca, action);

  auto* cert = app.add_subcommand("cert", "this computer's certificate stores (MOMCertImport)");
  cert->require_subcommand(1);
  add_cert_request(*cert, action);
  add_cert_trust(*cert, action);
  add_cert_import(*cert, action);
  add_cert_show(*cert, action);
  add_cert_verify(*cert, action);

  add_events(app, action);
  add_inventory(app, action);
  add_status(app, action);
  add_perf(app, action);
  add_doctor(app, action);
  add_server(app, action);
  add_agent_admin(*add_agent(app, action), action);
  add_gateway_admin(*add_gateway(app, action), action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return action ? action() : 2;
  } catch (const std::exception& e) {
    std::cerr << "outpost: " << e.what() << '\n';
    return 1;
  }
}
