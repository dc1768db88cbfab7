// outpost ca issue --dir D --fqdn F --out DIR [--days N] [--key TYPE]
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "pki/ca.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string dir;
  std::string fqdn;
  std::string out;
  int days = 365;
  std::string key;
  bool json = false;
};

int run(const Options& o) {
  auto ca = pki::CertificateAuthority::open(o.dir);
  if (!ca) return report_failure(ca.error());
  std::optional<pki::KeyType> key_type;
  if (!o.key.empty()) key_type = pki::key_type_from_name(o.key);
  auto issued = ca->issue(o.fqdn, o.out, o.days, key_type);
  if (!issued) return report_failure(issued.error());
  const auto& c = issued->certificate;
  if (o.json) {
    print_json({{"fqdn", c.common_name()},
                {"certificate", issued->certificate_file.string()},
                {"key", issued->key_file.string()},
                {"serial", c.serial_hex()},
                {"sha256", c.sha256_hex()},
                {"not_after", format_utc(c.not_after())}});
    return 0;
  }
  std::cout << fmt::format(
      "Issued {} (serial {}, valid until {})\n  certificate  {}\n  private key  {} (mode 0600)\n"
      "Import it on {}: outpost cert import --state DIR --fqdn {} --cert {} --key {}\n",
      c.common_name(), c.serial_hex(), format_utc(c.not_after()), issued->certificate_file.string(),
      issued->key_file.string(), c.common_name(), c.common_name(),
      issued->certificate_file.string(), issued->key_file.string());
  return 0;
}

}  // namespace

void add_ca_issue(Command& ca, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = ca.subcommand(
      "issue", "issue a key and a computer certificate (serverAuth + clientAuth, CN = SAN = FQDN)");
  cmd.option("--dir", o->dir, "the CA folder").required();
  cmd.option("--fqdn", o->fqdn, "the computer's FQDN").required();
  cmd.option("--out", o->out, "folder for <fqdn>.crt and <fqdn>.key").required();
  cmd.option("--days", o->days, "validity in days").show_default();
  cmd.option("--key", o->key, "key type (default: like the CA's key)")
      .one_of({"rsa2048", "rsa3072", "ec256"});
  cmd.flag("--json", o->json, "print the result as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli
