// The error value Outpost passes around for expected failures (bad input, validation, I/O).
// Exceptions are for ending an operation; asserts for programmer errors (docs/architecture.md).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "core/events.hpp"

namespace outpost {

// Why a connection failed, set where it is known (net, channel) so that doctor and the daemons
// decide on a value, never on the words of a message.
enum class Cause {
  unspecified,
  connection_refused,  // TCP: nothing listens, or a firewall rejects
  host_unreachable,    // TCP: no route
  timed_out,           // connect, handshake or an awaited message
  peer_closed,         // the peer closed the connection without saying why
  // The peer refused this node during TLS (its alert):
  peer_distrusts_our_issuer,     // unknown_ca
  peer_wants_a_certificate,      // certificate_required
  peer_refused_our_certificate,  // bad, unsupported, unknown or expired certificate
  no_common_tls_version,
  no_common_protocol,  // ALPN outpost/1
  // This node refused the peer's certificate:
  peer_name_mismatch,        // it does not carry the name dialled
  peer_purpose_wrong,        // it lacks the extended key usage for its role
  peer_untrusted,            // any other verification failure
  peer_issuer_unknown,       // its chain does not end in a root trusted here (or it is self-signed)
  peer_expired,              // its certificate (or one of its chain) has expired
  peer_not_yet_valid,        // its certificate is not valid yet (check the clocks)
  peer_sent_no_certificate,  // the accepting side: the connecting peer presented none
  peer_root_impostor,        // its root bears a trusted root's name with another key (30072)
  rejected,                  // the parent's Reject after the hello (Error::reject_code)
};

// A stable name for a cause ("peer_expired"), for files, the database and the wire; the
// reverse gives unspecified for a name it does not know.
[[nodiscard]] std::string_view cause_name(Cause cause);
[[nodiscard]] Cause cause_from_name(std::string_view name);

struct Error {
  EventId event = EventId::none;  // the event a user sees for this failure, if there is one
  std::string message;            // what went wrong, with the evidence
  std::string fix;                // what to do about it; may be empty
  Cause cause = Cause::unspecified;
  int reject_code = 0;                   // with Cause::rejected: the parent's wire::RejectCode
  EventId parent_event = EventId::none;  // with Cause::rejected: the event the parent logged

  // "Message. Fix: fix." in one line; full stops are added where missing.
  [[nodiscard]] std::string describe() const;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning a failure: `return fail("...")`.
inline std::unexpected<Error> fail(std::string message, std::string fix = {},
                                   EventId event = EventId::none) {
  return std::unexpected(Error{event, std::move(message), std::move(fix)});
}

}  // namespace outpost
