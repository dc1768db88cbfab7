// outpost ca sign --dir D --csr FILE --out FILE [--days N]
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/files.hpp"
#include "pki/ca.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string dir;
  std::string csr;
  std::string out;
  int days = 365;
  bool json = false;
};

int run(const Options& o) {
  auto ca = pki::CertificateAuthority::open(o.dir);
  if (!ca) return report_failure(ca.error());
  auto csr = read_file(o.csr);
  if (!csr) return report_failure(csr.error());
  auto issued = ca->sign(*csr, o.out, o.days);
  if (!issued) return report_failure(issued.error());
  const auto& c = issued->certificate;
  if (o.json) {
    print_json({{"fqdn", c.common_name()},
                {"dns_names", c.dns_names()},
                {"certificate", o.out},
                {"serial", c.serial_hex()},
                {"sha256", c.sha256_hex()},
                {"not_after", format_utc(c.not_after())}});
    return 0;
  }
  std::cout << fmt::format("Signed the request for {} (serial {}, valid until {}) into {}\n",
                           c.common_name(), c.serial_hex(), format_utc(c.not_after()), o.out);
  return 0;
}

}  // namespace

void add_ca_sign(CLI::App& ca, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = ca.add_subcommand(
      "sign", "sign a certificate request as a computer certificate (never a CA certificate)");
  cmd->add_option("--dir", o->dir, "the CA folder")->required();
  cmd->add_option("--csr", o->csr, "the request (PEM or DER)")->required();
  cmd->add_option("--out", o->out, "where to write the certificate (PEM)")->required();
  cmd->add_option("--days", o->days, "validity in days")->capture_default_str();
  cmd->add_flag("--json", o->json, "print the result as JSON");
  cmd->callback([o, &action] { action = [o] { return run(*o); }; });
}

}  // namespace outpost::cli
