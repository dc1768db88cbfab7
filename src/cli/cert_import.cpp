// outpost cert import --state DIR --fqdn F (--pfx FILE [--password-file P] | --cert FILE
// [--key FILE] | --subject NAME): Outpost's MOMCertImport.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/event_log.hpp"
#include "pki/import.hpp"

namespace outpost::cli {
namespace {

struct Options {
  StateOption state;
  std::string fqdn;
  std::string pfx;
  std::string password_file;
  std::string cert;
  std::string key;
  std::string subject;
  bool json = false;
};

Result<pki::ImportSource> source_of(const Options& o) {
  if (!o.pfx.empty()) {
    pki::FromPfx pfx{o.pfx, std::nullopt};
    if (!o.password_file.empty()) pfx.password_file = o.password_file;
    return pfx;
  }
  if (!o.cert.empty()) {
    pki::FromFiles files{o.cert, std::nullopt};
    if (!o.key.empty()) files.key = o.key;
    return files;
  }
  if (!o.subject.empty()) {
    return pki::FromPersonalStore{o.subject};
  }
  return fail("nothing to import", "pass --pfx FILE, --cert FILE --key FILE, or --subject NAME",
              EventId::command_line_invalid);
}

nlohmann::json report_json(const pki::ImportReport& r) {
  nlohmann::json j{{"accepted", r.accepted},
                   {"subject", r.certificate.subject()},
                   {"serial", r.certificate.serial_hex()},
                   {"sha256", r.certificate.sha256_hex()},
                   {"checks", checks_json(r.checks)}};
  if (r.settings) {
    j["ChannelCertificateSerialNumber"] = r.settings->serial_reversed;
    j["ChannelCertificateHash"] = r.settings->sha256;
    j["certificate_file"] = r.stored->certificate_file.string();
  }
  return j;
}

void log_outcome(const pki::StatePaths& paths, const pki::ImportReport& r) {
  if (!std::filesystem::exists(paths.root)) return;  // a refusal creates nothing
  EventLog log(paths.root, "cert", Echo::none);
  if (r.accepted) {
    for (const auto& check : r.checks) {  // accepted with a warning: 30008, 20051 (expiring)
      if (check.verdict != pki::Verdict::warn) continue;
      (void)log.write(check.event,
                      fmt::format("certificate {} imported with a warning ({}): {} Fix: {}",
                                  r.certificate.subject(), check.name, check.detail, check.fix),
                      {{"check", check.name}, {"sha256", r.certificate.sha256_hex()}});
    }
    (void)log.write(
        EventId::cert_loaded,
        fmt::format("The channel certificate {} (serial {}) was imported and loaded "
                    "successfully.",
                    r.certificate.subject(), r.certificate.serial_hex()),
        {{"serial_reversed", r.settings->serial_reversed}, {"sha256", r.settings->sha256}});
    return;
  }
  const pki::CheckResult* first = pki::first_failure(r.checks);
  (void)log.write(first->event, refusal(*first).describe(),
                  {{"check", first->name}, {"sha256", r.certificate.sha256_hex()}});
}

int run(const Options& o) {
  auto state = resolve_state(o.state);
  if (!state) return report_failure(state.error());
  std::string fqdn = o.fqdn;
  if (fqdn.empty() && state->config) fqdn = state->config->fqdn;
  if (fqdn.empty()) {
    return report_failure(Error{EventId::command_line_invalid, "no FQDN given",
                                "pass --fqdn NAME (or --config FILE with [node] fqdn)"});
  }
  auto source = source_of(o);
  if (!source) return report_failure(source.error());
  auto report = pki::import_channel_certificate({state->paths, fqdn, *source, Clock::now()});
  if (!report) return report_failure(report.error());
  log_outcome(state->paths, *report);
  if (o.json) {
    print_json(report_json(*report));
  } else {
    print_checks(report->checks);
  }
  if (!report->accepted) {
    return report_failure(refusal(*pki::first_failure(report->checks)));
  }
  if (!o.json) {
    std::cout << fmt::format(
        "\nImported {} as the channel certificate of {} (event 20053)\n"
        "  ChannelCertificateSerialNumber = {}\n  ChannelCertificateHash = {}\n",
        report->certificate.subject(), state->paths.root.string(),
        report->settings->serial_reversed, report->settings->sha256);
  }
  return 0;
}

}  // namespace

void add_cert_import(Command& cert, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = cert.subcommand("import",
                             "check a certificate and make it this computer's channel certificate");
  add_state_options(cmd, o->state);
  cmd.option("--fqdn", o->fqdn, "this computer's FQDN (default: [node] fqdn of --config)");
  auto pfx = cmd.option("--pfx", o->pfx, "a PKCS#12 file with the certificate and key");
  cmd.option("--password-file", o->password_file,
             "a file whose first line is the PFX "
             "password")
      .needs(pfx);
  auto crt = cmd.option("--cert", o->cert, "a PEM/DER certificate (intermediates may follow)");
  cmd.option("--key", o->key, "its private key (PEM/DER)").needs(crt);
  auto subject = cmd.option("--subject", o->subject,
                            "pick the newest certificate for this name from the personal "
                            "store");
  pfx.excludes(crt).excludes(subject);
  crt.excludes(subject);
  cmd.flag("--json", o->json, "print the checks and the result as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli
