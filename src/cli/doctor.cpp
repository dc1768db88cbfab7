// outpost doctor --config FILE [--json] [--computer FQDN]: what is wrong with this node, in the
// order to fix it (the doctor library), or on a management server, its view of one computer.
// Exit status 1 when any check FAILs.
#include <iostream>

#include "cli/commands.hpp"
#include "doctor/doctor.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
  std::string computer;
  bool json = false;
};

int run(const Options& o) {
  doctor::Options options;
  options.config = o.config;
  const doctor::Report report = o.computer.empty() ? doctor::run_node_checks(options)
                                                   : doctor::run_computer_view(options, o.computer);
  if (o.json) {
    print_json(doctor::to_json(report));
  } else {
    std::cout << doctor::format_text(report);
  }
  return doctor::exit_code(report);
}

}  // namespace

void add_doctor(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd =
      app.subcommand("doctor",
                     "check this node (configuration, names, reachability, certificates, TLS, "
                     "admission) and say what to fix first");
  cmd.option("--config", o->config, "the node's configuration file").required();
  cmd.option("--computer", o->computer,
             "on a management server: the server's view of this computer (FQDN)");
  cmd.flag("--json", o->json, "print the checks as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli
