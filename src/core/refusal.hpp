// A refused connection as every layer sees it: who tried (the name it claimed, else the one its
// certificate named), from where, why (the typed cause and the event the refusing node logged),
// what it presented, and how often. One node aggregates its refusals per key
// (channel/refusal_table.hpp), a gateway sends them to its management server (wire
// RefusalReport), the server stores them (storage) and `outpost refusals` and doctor show them.
// Never a private key or a password: only what a peer sent in the clear of its handshake.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "core/error.hpp"
#include "core/time.hpp"

namespace outpost {

// What the peer's certificate said; empty when it presented none (or TLS ended before it did).
struct PresentedCertificate {
  std::string subject;  // "CN=agent1.lab.test, O=..."
  std::string issuer;
  std::string serial;  // hex
  std::string sha256;  // lower-case fingerprint of the DER
  TimePoint not_before{};
  TimePoint not_after{};
  [[nodiscard]] bool empty() const { return sha256.empty(); }
};

// What one refusal adds to the aggregate of its key.
struct RefusalKey {
  std::string identity;  // the name claimed in the hello, else the certificate's CN, else ""
  std::string source;    // the address alone: "127.0.0.5", "::1"
  EventId event = EventId::none;  // what the refusing node logged (20072, 20001, 20000 ...)
  Cause cause = Cause::unspecified;

  [[nodiscard]] auto tie() const { return std::tie(identity, source, event, cause); }
  friend bool operator<(const RefusalKey& a, const RefusalKey& b) { return a.tie() < b.tie(); }
  friend bool operator==(const RefusalKey& a, const RefusalKey& b) { return a.tie() == b.tie(); }
};

struct RefusalObservation {
  RefusalKey key;
  int reject_code = 0;  // the wire::RejectCode sent with a refused hello (0 before the hello)
  std::string role;     // the role the hello claimed ("agent", "gateway"), "" before the hello
  std::string management_group;  // the group the hello asked for
  std::string reason;            // the refusing node's words (kept for the latest one)
  PresentedCertificate certificate;
};

// The aggregate of one key on one refusing node (`reporter`). `epoch` is when this node started
// counting this key (its table's entry; a restart or an eviction starts a new epoch) and `count`
// counts since then, so a report that arrives twice is stored once (storage adds epochs).
struct RefusalRecord {
  std::string reporter;
  RefusalObservation last;  // the latest refusal of the key, with everything it presented
  TimePoint first{};        // the first refusal of the key (over all epochs, when stored)
  TimePoint latest{};
  TimePoint epoch{};
  std::uint64_t count = 0;  // in this epoch; in storage: over all epochs
};

}  // namespace outpost
