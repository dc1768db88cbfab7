// Pure functions that turn what the channel reports about a failed dial or hello into doctor's
// findings: which side refused and why, and what to do. They decide on the failure's typed cause
// (Error::cause, set by net and channel where it is known), never on the message's words; the
// message is only quoted as evidence.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "doctor/names.hpp"
#include "wire/frame.hpp"

namespace outpost::doctor {

struct Explanation {
  std::string evidence;  // the side that refused, why, and the original message
  std::string fix;
  EventId event = EventId::none;
};

struct LocalFacts {
  std::string fqdn;
  std::string config_file;
  std::string state_dir;
  std::string issuer;  // the issuer of this node's certificate, for "trust it on the parent"
};

// The parent as this node found it (check 2): the name dialled, the address it resolved to and
// which source answered, so that a name mapped to the wrong computer is blamed on the mapping.
struct ParentFacts {
  std::string host;
  std::string address;
  NameSource source = NameSource::none;
  std::string source_text;  // "[hosts]", "the hosts file /etc/hosts", "DNS"
};

// Check 3: a failed TCP connect in words: refused, timed out, no route (the OS message otherwise).
[[nodiscard]] std::string connect_failure_reason(Cause cause, std::string_view os_message);

// A 20071 from the hello that is really the TLS layer: TLS 1.3 reports the parent's refusal of
// this node's certificate on the first read, after the handshake seemed to complete.
[[nodiscard]] bool is_tls_refusal(Cause cause);

// Check 8: a failed dial (20072 / 20071) or a TLS refusal read during the hello.
[[nodiscard]] Explanation explain_tls_failure(const Error& error, const ParentFacts& parent,
                                              const LocalFacts& me);

// Check 9: the parent's verdict when it was not a Welcome.
[[nodiscard]] Explanation explain_admission_failure(const Error& error, bool gateway,
                                                    const LocalFacts& me);

}  // namespace outpost::doctor
