// outpost ca sign --dir D --csr FILE --out FILE [--days N] [--allow-extra-names]
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
  bool allow_extra_names = false;
  bool json = false;
};

// "CN gw1.lab.test; DNS gw1.lab.test, gw1-alias.lab.test": every name the certificate carries.
std::string names_of(const pki::Certificate& c) {
  return fmt::format("CN {}; DNS {}", c.common_name(), fmt::join(c.dns_names(), ", "));
}

int run(const Options& o) {
  auto ca = pki::CertificateAuthority::open(o.dir);
  if (!ca) return report_failure(ca.error());
  auto csr = read_file(o.csr);
  if (!csr) return report_failure(csr.error());
  auto issued = ca->sign(*csr, o.out, o.days,
                         o.allow_extra_names ? pki::ExtraNames::allow : pki::ExtraNames::refuse);
  if (!issued) return report_failure(issued.error());
  const auto& c = issued->certificate;
  const auto extra = c.extra_names();
  if (!extra.empty()) {
    std::cerr << fmt::format(
        "outpost: warning [event {}] the certificate for {} also names {} (--allow-extra-names). "
        "Only its subject CN identifies a computer: Outpost never accepts it as {}, but other "
        "software that matches any DNS name may. Fix: issue {} a certificate that names only "
        "itself when the aliases are no longer needed.\n",
        number(EventId::cert_names_several), c.common_name(), fmt::join(extra, ", "),
        fmt::join(extra, " or "), c.common_name());
  }
  if (o.json) {
    print_json({{"fqdn", c.common_name()},
                {"dns_names", c.dns_names()},
                {"extra_names", extra},
                {"certificate", o.out},
                {"serial", c.serial_hex()},
                {"sha256", c.sha256_hex()},
                {"not_after", format_utc(c.not_after())}});
    return 0;
  }
  std::cout << fmt::format(
      "Signed the request for {} (serial {}, valid until {}) into {}\n  names  {}\n",
      c.common_name(), c.serial_hex(), format_utc(c.not_after()), o.out, names_of(c));
  return 0;
}

}  // namespace

void add_ca_sign(Command& ca, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = ca.subcommand(
      "sign", "sign a certificate request as a computer certificate (never a CA certificate)");
  cmd.option("--dir", o->dir, "the CA folder").required();
  cmd.option("--csr", o->csr, "the request (PEM or DER)").required();
  cmd.option("--out", o->out, "where to write the certificate (PEM)").required();
  cmd.option("--days", o->days, "validity in days").show_default();
  cmd.flag("--allow-extra-names", o->allow_extra_names,
           "sign DNS names besides the subject CN too (refused by default: only the CN "
           "identifies a computer)");
  cmd.flag("--json", o->json, "print the result as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli
