// Check 7: the certificate itself, with pki's import checks (validity with a WARN under 30 days,
// issued by a CA, key strength, both EKUs, key usage, name = FQDN). The private key and the
// chain are checks 5 and 4, so they are not repeated here.
#include <fmt/format.h>

#include "doctor/context.hpp"
#include "pki/checks.hpp"

namespace outpost::doctor {

std::vector<Finding> check_certificate(Context& c) {
  c.load_stores();
  const pki::PersonalEntry* entry = c.candidate_entry();
  if (entry == nullptr) return {skipped("no certificate to check (check 5)")};
  const pki::CheckInput input{&entry->certificate,    nullptr,        entry->intermediates,
                              c.trusted.certificates, c.config->fqdn, c.options.now,
                              c.trusted.problems};
  std::vector<Finding> out;
  std::vector<std::string> good;
  for (const auto& r : pki::check_channel_certificate(input)) {
    if (r.name == "private key" || r.name == "chain") continue;
    if (r.verdict == pki::Verdict::pass) {
      good.push_back(fmt::format("{}: {}", r.name, r.detail));
      continue;
    }
    const std::string evidence = fmt::format("{}: {}", r.name, r.detail);
    out.push_back(r.verdict == pki::Verdict::warn
                      ? warned(r.event, evidence, r.fix, entry->certificate.common_name())
                      : failed(r.event, evidence, r.fix, entry->certificate.common_name()));
  }
  if (out.empty()) {
    out.push_back(
        passed(fmt::format("{}", fmt::join(good, "; ")), entry->certificate.common_name()));
  }
  return out;
}

}  // namespace outpost::doctor
