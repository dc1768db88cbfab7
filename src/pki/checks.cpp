#include "pki/checks.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pki/key.hpp"

namespace outpost::pki {
namespace {

CheckResult pass(std::string name, std::string detail) {
  return CheckResult{std::move(name), Verdict::pass, EventId::none, std::move(detail), {}};
}

CheckResult failed(std::string name, EventId event, std::string detail, std::string fix) {
  return CheckResult{std::move(name), Verdict::fail, event, std::move(detail), std::move(fix)};
}

CheckResult check_key(const CheckInput& in) {
  if (in.private_key == nullptr) {
    return failed("private key", EventId::cert_no_private_key,
                  "no private key was found for the certificate",
                  "import the certificate with its key (--key FILE, or a PFX that contains it)");
  }
  if (EVP_PKEY_eq(in.certificate->public_key(), in.private_key) != 1) {
    ERR_clear_error();
    return failed("private key", EventId::cert_no_private_key,
                  "the private key does not match the certificate's public key",
                  "import the key that the certificate was issued for");
  }
  return pass("private key", "present and matches the certificate");
}

CheckResult check_validity(const CheckInput& in) {
  const Certificate& c = *in.certificate;
  const std::string range =
      fmt::format("valid from {} to {}", format_utc(c.not_before()), format_utc(c.not_after()));
  if (in.now < c.not_before()) {
    return failed("validity period", EventId::cert_not_valid_now,
                  fmt::format("not yet valid: {}", range),
                  "check this computer's clock, or wait until the start of validity");
  }
  if (in.now > c.not_after()) {
    return failed("validity period", EventId::cert_not_valid_now, fmt::format("expired: {}", range),
                  "renew the certificate, then import the new one with outpost cert import");
  }
  const long days = days_until(c.not_after(), in.now);
  if (days < kExpiryWarningDays) {
    return CheckResult{"validity period", Verdict::warn, EventId::cert_not_valid_now,
                       fmt::format("{}; expires in {} days", range, days),
                       "renew the certificate and import the new one before it expires"};
  }
  return pass("validity period", fmt::format("{} ({} days left)", range, days));
}

CheckResult check_end_entity(const CheckInput& in) {
  const Certificate& c = *in.certificate;
  if (c.is_self_issued()) {
    return failed("issued by a CA", EventId::cert_not_end_entity,
                  fmt::format("the certificate is self-signed ({})", c.subject()),
                  "issue the computer's certificate from a CA: outpost ca issue, or a CSR from "
                  "outpost cert request signed by your CA");
  }
  if (c.is_ca()) {
    return failed("issued by a CA", EventId::cert_not_end_entity,
                  "the certificate is a CA certificate (basicConstraints CA:TRUE)",
                  "import a computer certificate, and add CA certificates with outpost cert "
                  "trust instead");
  }
  return pass("issued by a CA", fmt::format("issued by {}", c.issuer()));
}

CheckResult check_key_strength(const CheckInput& in) {
  if (auto weakness = key_weakness(in.certificate->public_key())) {
    return failed("key strength", EventId::cert_key_too_weak, *weakness,
                  "issue a certificate with an RSA key of 2048 bits or more, or EC P-256/P-384");
  }
  return pass("key strength", key_description(in.certificate->public_key()));
}

CheckResult check_eku(const CheckInput& in) {
  const auto ekus = in.certificate->extended_key_usages();
  std::vector<std::string> missing;
  for (auto oid : {kServerAuthOid, kClientAuthOid}) {
    if (std::ranges::find(ekus, oid) == ekus.end()) {
      missing.push_back(fmt::format("{} ({})", eku_name(oid), oid));
    }
  }
  std::vector<std::string> names;
  std::ranges::transform(ekus, std::back_inserter(names), eku_name);
  const std::string has = names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
  if (!missing.empty()) {
    return failed(
        "extended key usage", EventId::cert_eku_missing,
        fmt::format("the certificate lacks {}; it has: {}", fmt::join(missing, " and "), has),
        "issue a certificate with both serverAuth and clientAuth extended key usage "
        "(a gateway both accepts and makes connections)");
  }
  return pass("extended key usage", has);
}

CheckResult check_key_usage(const CheckInput& in) {
  const KeyUsage ku = in.certificate->key_usage();
  if (!ku.present) {
    return pass("key usage", "not restricted (no keyUsage extension)");
  }
  const bool rsa = EVP_PKEY_get_base_id(in.certificate->public_key()) == EVP_PKEY_RSA;
  std::vector<std::string_view> missing;
  if (!ku.digital_signature) missing.push_back("digitalSignature");
  if (rsa && !ku.key_encipherment) missing.push_back("keyEncipherment");
  if (!missing.empty()) {
    return failed("key usage", EventId::cert_key_usage_missing,
                  fmt::format("the key usage lacks {}", fmt::join(missing, " and ")),
                  "issue a certificate with key usage digitalSignature and keyEncipherment");
  }
  return pass("key usage", rsa ? "digitalSignature, keyEncipherment" : "digitalSignature");
}

CheckResult check_name(const CheckInput& in) {
  const Certificate& c = *in.certificate;
  const auto dns = c.dns_names();
  const std::string names =
      fmt::format("CN '{}', DNS names [{}]", c.common_name(), fmt::join(dns, ", "));
  if (!c.is_identity_of(in.fqdn)) {
    return failed("subject name", EventId::cert_name_mismatch,
                  fmt::format("{}: the subject CN is not this computer's FQDN '{}' (only the CN "
                              "identifies a computer)",
                              names, in.fqdn),
                  fmt::format("issue a certificate with CN={} (and DNS name {}), or correct "
                              "--fqdn / [node] fqdn",
                              in.fqdn, in.fqdn));
  }
  if (const auto extra = c.extra_names(); !extra.empty()) {
    return CheckResult{
        "subject name", Verdict::warn, EventId::cert_names_several,
        fmt::format("{}: the CN is '{}', but the certificate also names {}; only the CN "
                    "identifies this computer, so Outpost never accepts it as {}",
                    names, in.fqdn, fmt::join(extra, ", "), fmt::join(extra, " or ")),
        fmt::format("issue {} a certificate that names only itself (outpost ca issue, or a "
                    "request from outpost cert request), and import it",
                    in.fqdn)};
  }
  return pass("subject name", fmt::format("{}: the CN is '{}'", names, in.fqdn));
}

std::string chain_text(STACK_OF(X509) * chain) {
  std::vector<std::string> names;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* x = sk_X509_value(chain, i);
    X509_up_ref(x);
    const Certificate c{X509Ptr(x)};
    names.push_back(c.common_name().empty() ? c.subject() : c.common_name());
  }
  return fmt::format("{} (trusted)", fmt::join(names, " <- "));
}

std::string chain_fix(int error, const std::string& where) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return fmt::format(
          "'{}' has expired: renew it (a CA certificate is renewed on the CA and "
          "trusted again)",
          where);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return fmt::format("'{}' is not valid yet: check this computer's clock", where);
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return "use a certificate issued by a CA, not a self-signed one";
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CERT_REVOKED:
      return fmt::format("'{}' cannot be used: issue a new certificate", where);
    default:
      return fmt::format(
          "trust the CA that issued '{}' (and any intermediate between it and its "
          "root): outpost cert trust --state DIR CA.pem",
          where);
  }
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
      return "PASS";
    case Verdict::warn:
      return "WARN";
    case Verdict::fail:
      return "FAIL";
  }
  return "FAIL";
}

CheckResult check_chain(const CheckInput& in) {
  StorePtr store(X509_STORE_new());
  for (const auto& c : in.trusted) {
    X509_STORE_add_cert(store.get(), c.get());
  }
  X509StackPtr untrusted(sk_X509_new_null());
  for (const auto& c : in.intermediates) {
    X509_up_ref(c.get());
    sk_X509_push(untrusted.get(), c.get());
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), in.certificate->get(), untrusted.get());
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), Clock::to_time_t(in.now));
  if (X509_verify_cert(ctx.get()) == 1) {
    return pass("chain", chain_text(X509_STORE_CTX_get0_chain(ctx.get())));
  }
  ERR_clear_error();
  const int error = X509_STORE_CTX_get_error(ctx.get());
  X509* at = X509_STORE_CTX_get_current_cert(ctx.get());
  std::string where = in.certificate->subject();
  if (at != nullptr) {
    X509_up_ref(at);
    where = Certificate(X509Ptr(at)).subject();
  }
  std::string detail = fmt::format(
      "the chain does not build to a trusted root: {} (at '{}'); the trusted store holds {} "
      "certificate(s)",
      X509_verify_cert_error_string(error), where, in.trusted.size());
  if (!in.trusted_problems.empty()) {
    detail += fmt::format("; {} file(s) of the trusted store could not be read: {}",
                          in.trusted_problems.size(), fmt::join(in.trusted_problems, "; "));
  }
  return failed("chain", EventId::remote_cert_untrusted, detail, chain_fix(error, where));
}

std::vector<CheckResult> check_channel_certificate(const CheckInput& input) {
  return {check_key(input),          check_validity(input), check_end_entity(input),
          check_key_strength(input), check_eku(input),      check_key_usage(input),
          check_name(input),         check_chain(input)};
}

const CheckResult* first_failure(const std::vector<CheckResult>& results) {
  const auto it = std::ranges::find(results, Verdict::fail, &CheckResult::verdict);
  return it == results.end() ? nullptr : &*it;
}

}  // namespace outpost::pki
