// outpost ca init --dir D --name NAME [--days N] [--key rsa2048|rsa3072|ec256]
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "pki/ca.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string dir;
  std::string name;
  int days = 3650;
  std::string key = "rsa3072";
  bool json = false;
};

int run(const Options& o) {
  auto ca = pki::CertificateAuthority::init(o.dir, o.name, o.days, *pki::key_type_from_name(o.key));
  if (!ca) return report_failure(ca.error());
  const auto& c = ca->certificate();
  if (o.json) {
    print_json({{"dir", o.dir},
                {"subject", c.subject()},
                {"serial", c.serial_hex()},
                {"sha256", c.sha256_hex()},
                {"not_after", format_utc(c.not_after())}});
    return 0;
  }
  std::cout << fmt::format(
      "Created CA '{}' in {}\n  certificate  {}/ca.crt (distribute to every computer: outpost "
      "cert trust)\n  private key  {}/ca.key (mode 0600; keep it off the computers)\n  valid until "
      " {}\n",
      o.name, o.dir, o.dir, o.dir, format_utc(c.not_after()));
  return 0;
}

}  // namespace

void add_ca_init(Command& ca, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = ca.subcommand("init", "create a new root CA in a folder");
  cmd.option("--dir", o->dir, "folder for the CA (created with mode 0700)").required();
  cmd.option("--name", o->name, "the CA's common name, e.g. \"LAB Root CA\"").required();
  cmd.option("--days", o->days, "validity in days").show_default();
  cmd.option("--key", o->key, "key type").one_of({"rsa2048", "rsa3072", "ec256"}).show_default();
  cmd.flag("--json", o->json, "print the result as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli
