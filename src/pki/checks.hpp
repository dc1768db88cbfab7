// The channel-certificate checks MOMCertImport should have made: each one named, with the event
// id and the fix for a failure. `outpost cert import` refuses on any FAIL; `outpost cert verify`
// and (later) `outpost doctor` print them all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/events.hpp"
#include "core/time.hpp"
#include "pki/certificate.hpp"

namespace outpost::pki {

enum class Verdict { pass, warn, fail };

[[nodiscard]] std::string_view verdict_name(Verdict verdict);  // "PASS", "WARN", "FAIL"

struct CheckResult {
  std::string name;  // "private key", "extended key usage", ...
  Verdict verdict = Verdict::pass;
  EventId event = EventId::none;  // set for WARN and FAIL
  std::string detail;             // the evidence
  std::string fix;                // for WARN and FAIL
};

struct CheckInput {
  const Certificate* certificate = nullptr;  // required
  const EVP_PKEY* private_key = nullptr;     // null when no key was found
  std::vector<Certificate> intermediates;    // sent along with the certificate
  std::vector<Certificate> trusted;          // the trusted store: roots and intermediates
  std::string fqdn;                          // this computer's name
  TimePoint now;
  std::vector<std::string> trusted_problems;  // trusted-store files that could not be read
};

inline constexpr int kExpiryWarningDays = 30;

// Runs every check in a fixed order (the first FAIL is the one to fix first).
[[nodiscard]] std::vector<CheckResult> check_channel_certificate(const CheckInput& input);

// The chain check alone, for `cert show`: "agent1.lab.test <- LAB Root CA (trusted)" or why not.
[[nodiscard]] CheckResult check_chain(const CheckInput& input);

[[nodiscard]] const CheckResult* first_failure(const std::vector<CheckResult>& results);

}  // namespace outpost::pki
