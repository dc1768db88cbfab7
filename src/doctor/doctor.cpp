#include "doctor/doctor.hpp"

#include <fmt/format.h>

#include "doctor/context.hpp"

namespace outpost::doctor {

// The order is the order to fix things in: a later check often cannot run until an earlier one
// passes. Adding a check is one function and one line here.
std::vector<Check> node_checks() {
  return {
      {1, "configuration", check_configuration},
      {2, "name resolution", check_name_resolution},
      {3, "reachability", check_reachability},
      {4, "trusted store", check_trusted_store},
      {5, "personal store", check_personal_store},
      {6, "machine settings", check_machine_settings},
      {7, "certificate", check_certificate},
      {8, "TLS", check_tls},
      {9, "admission", check_admission},
      {10, "configuration received", check_configuration_received},
      {11, "data flow", check_data_flow},
  };
}

Report run_node_checks(const Options& options) {
  Context context;
  context.options = options;
  Report report;
  report.heading = options.config.string();
  for (const Check& check : node_checks()) {
    for (Finding& f : check.run(context)) {
      f.check = check.number;
      f.name = std::string(check.name);
      report.findings.push_back(std::move(f));
    }
    if (!context.config) break;  // nothing else can run without the configuration
  }
  if (context.config) {
    report.heading = fmt::format("{}: {} in management group {} ({})", context.config->fqdn,
                                 node_role_name(context.role), context.config->management_group,
                                 options.config.string());
  }
  return report;
}

}  // namespace outpost::doctor
