// The hello exchange that turns a verified TLS stream into an AuthenticatedPeer: the one type
// the daemons accept for an admitted connection. It can only be made here, after the chain
// (by TLS), the name (hello FQDN = the certificate's subject CN), the management group and the
// admission decision were all checked, so there is no "verify later" flag to forget.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/refusal.hpp"
#include "core/time.hpp"
#include "net/tls.hpp"
#include "pki/ossl.hpp"
#include "wire/frame.hpp"

namespace outpost::channel {

namespace asio = boost::asio;

struct LocalNode {
  std::string fqdn;
  std::string management_group;
  wire::Role role = wire::ROLE_UNSPECIFIED;
  std::string config_cookie;
  std::uint32_t max_frame_bytes = wire::kDefaultFrameLimit;
  std::uint32_t heartbeat_interval_s = 60;
};

struct PeerIdentity {
  std::string fqdn;  // from the hello, equal to a name in the certificate
  wire::Role role = wire::ROLE_UNSPECIFIED;
  std::string management_group;
  std::string config_cookie;
  std::string certificate_sha256;
  TimePoint certificate_not_after;
  std::uint32_t heartbeat_interval_s = 0;        // a parent's, from its Welcome; 0 when not said
  std::string key_sha256{};                      // SHA-256 of the certificate's public key (SPKI)
  std::vector<std::string> certificate_chain{};  // DER, the peer's certificate first
};

// The accepting daemon's decision about a peer whose certificate and name already passed.
struct Admission {
  bool admitted = false;
  wire::RejectCode code = wire::REJECT_UNSPECIFIED;
  EventId event = EventId::none;  // what the accepting side logs
  std::string reason;             // sent to the peer and logged on both sides
};
// Asks the connecting peer, before its Welcome, to sign a statement over `nonce` with the key of
// its certificate (pki/proof.hpp): returns the signature, or why it did not come. One use per
// hello; a gateway relays a management server's challenge this way.
using Prover = std::function<asio::awaitable<Result<std::string>>(std::string nonce)>;
using AdmissionCheck = std::function<asio::awaitable<Admission>(PeerIdentity, Prover)>;

class AuthenticatedPeer {
 public:
  [[nodiscard]] const PeerIdentity& identity() const { return identity_; }
  [[nodiscard]] net::TlsStream& stream() { return stream_; }
  [[nodiscard]] wire::FrameDecoder& decoder() { return decoder_; }

 private:
  friend struct HelloAccess;
  AuthenticatedPeer(net::TlsStream stream, wire::FrameDecoder decoder, PeerIdentity identity)
      : stream_(std::move(stream)), decoder_(std::move(decoder)), identity_(std::move(identity)) {}

  net::TlsStream stream_;
  wire::FrameDecoder decoder_;
  PeerIdentity identity_;
};

struct HelloTimeouts {
  std::chrono::milliseconds hello{10000};
  std::chrono::milliseconds write{10000};
};

// A hello that did not end in a Welcome: the error to log here, and what the peer claimed and
// presented, for its refusal record (key: the claimed name, else the certificate's CN; the
// event of the error; Cause::rejected with the Reject's code when this node refused it).
struct HelloRefusal {
  Error error;
  RefusalObservation observed;
};

// The accepting side: reads the Hello, checks it, asks `admit`, answers Welcome or Reject.
// A refusal comes back with an Error whose event is the one to log here (20000, 20052, ...).
[[nodiscard]] asio::awaitable<std::expected<AuthenticatedPeer, HelloRefusal>> accept_hello(
    net::TlsStream stream, LocalNode me, AdmissionCheck admit, HelloTimeouts timeouts);

// The connecting side: sends the Hello and waits for Welcome or Reject, answering one Challenge
// on the way (signed with this connection's own key, see Prover). A Reject comes back as
// an Error with event 20070 and the parent's reason; silence or a close as 20071. When
// `expected_parent` is a name (not an address), the Welcome must come from that FQDN.
[[nodiscard]] asio::awaitable<Result<AuthenticatedPeer>> send_hello(
    net::TlsStream stream, LocalNode me, HelloTimeouts timeouts, std::string expected_parent = {});

[[nodiscard]] std::string_view role_name(wire::Role role);

// The private key this end of `stream` authenticated with (a reference of its own).
[[nodiscard]] pki::KeyPtr connection_key(net::TlsStream& stream);

// The answer to a Challenge (before or after the Welcome): the statement over its nonce, this
// node's name, the parent's name and the group, signed with `key` (connection_key).
[[nodiscard]] Result<wire::Envelope> answer_challenge(EVP_PKEY* key,
                                                      const wire::Challenge& challenge,
                                                      std::string_view me, std::string_view parent,
                                                      std::string_view management_group);

}  // namespace outpost::channel
