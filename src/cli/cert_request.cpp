// outpost cert request --fqdn F --out DIR [--key TYPE]
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/files.hpp"
#include "core/names.hpp"
#include "pki/csr.hpp"
#include "pki/key.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string fqdn;
  std::string out;
  std::string key = "rsa2048";
  bool json = false;
};

int run(const Options& o) {
  if (!is_valid_host_name(o.fqdn)) {
    return report_failure(Error{EventId::command_line_invalid,
                                fmt::format("'{}' is not a valid FQDN", o.fqdn),
                                "pass the computer's DNS name, e.g. gw1.lab.test"});
  }
  const std::string fqdn = canonical_host_name(o.fqdn);
  const std::filesystem::path dir(o.out);
  const auto key_file = dir / (fqdn + ".key");
  const auto csr_file = dir / (fqdn + ".csr");
  if (std::filesystem::exists(key_file)) {
    return report_failure(Error{EventId::command_line_invalid,
                                key_file.string() + " already exists",
                                "use another --out folder; a key is never overwritten"});
  }
  auto key = pki::generate_key(*pki::key_type_from_name(o.key));
  if (!key) return report_failure(key.error());
  auto csr = pki::make_csr(fqdn, key->get());
  if (!csr) return report_failure(csr.error());
  auto key_pem = pki::private_key_pem(key->get());
  if (!key_pem) return report_failure(key_pem.error());
  if (auto ok = ensure_private_dir(dir); !ok) return report_failure(ok.error());
  if (auto ok = write_file_atomic(key_file, *key_pem, 0600); !ok) {
    return report_failure(ok.error());
  }
  if (auto ok = write_file_atomic(csr_file, *csr, 0644); !ok) return report_failure(ok.error());
  if (o.json) {
    print_json({{"fqdn", fqdn}, {"key", key_file.string()}, {"csr", csr_file.string()}});
    return 0;
  }
  std::cout << fmt::format(
      "Wrote {} (mode 0600) and {}\nSubmit the request to your CA (a template with Server and "
      "Client Authentication), then import the result:\n  outpost cert import --state DIR "
      "--fqdn {} --cert CERT.crt --key {}\n",
      key_file.string(), csr_file.string(), fqdn, key_file.string());
  return 0;
}

}  // namespace

void add_cert_request(Command& cert, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = cert.subcommand("request", "create a key and a certificate request (CSR)");
  cmd.option("--fqdn", o->fqdn, "this computer's FQDN").required();
  cmd.option("--out", o->out, "folder for <fqdn>.key and <fqdn>.csr").required();
  cmd.option("--key", o->key, "key type").one_of({"rsa2048", "rsa3072", "ec256"}).show_default();
  cmd.flag("--json", o->json, "print the result as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli
