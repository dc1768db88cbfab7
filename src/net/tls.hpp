// TLS for Outpost's one port: contexts that always require and verify the peer's certificate in
// both directions (TLS 1.3 by default, 1.2 when configured), ALPN "outpost/1", and the purpose
// check of the peer's extended key usage. The certificate material comes in as OpenSSL objects;
// which certificate a node uses is decided above this layer (channel, from pki's stores).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace outpost::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

inline constexpr std::string_view kAlpn = "outpost/1";

enum class TlsSide { accepting, connecting };
enum class TlsVersion { tls12, tls13 };

// Borrowed pointers; make_tls_context takes its own references.
struct TlsIdentity {
  X509* certificate = nullptr;
  std::vector<X509*> chain;  // intermediates sent after the certificate
  EVP_PKEY* key = nullptr;
  std::vector<X509*> trusted;  // roots and intermediates this node trusts
};

// Errors carry the event a user would see (20066/20068 for our own certificate problems).
[[nodiscard]] Result<asio::ssl::context> make_tls_context(const TlsIdentity& identity, TlsSide side,
                                                          TlsVersion minimum);

// Why a handshake failed, in words an operator can act on: which side refused and why.
struct HandshakeFailure {
  EventId event = EventId::closed_before_auth;  // 20072 when we do not trust the peer
  std::string reason;
  Cause cause = Cause::unspecified;
  // The certificate the peer presented (its own, not a chain member), when it sent one: kept
  // from verification, since OpenSSL keeps no peer certificate when verification fails.
  std::shared_ptr<X509> presented{};
};
[[nodiscard]] HandshakeFailure explain_handshake_failure(TlsStream& stream,
                                                         const boost::system::error_code& ec);

// After a handshake: both sides agreed on ALPN outpost/1 (required both ways).
[[nodiscard]] bool alpn_agreed(TlsStream& stream);
// The refusal (30074) of a peer that did not agree on ALPN outpost/1.
[[nodiscard]] HandshakeFailure alpn_failure(bool accepting);

// A TLS error (handshake or later: TLS 1.3 reports a refused client certificate on the first
// read) in words an operator can act on.
[[nodiscard]] std::string describe_tls_error(const boost::system::error_code& ec);
// The same error as a value: which side refused and why (unspecified when TLS did not say).
[[nodiscard]] Cause tls_cause(const boost::system::error_code& ec);

// The peer's certificate after a successful handshake (null if none, which verification
// forbids).
[[nodiscard]] X509* peer_certificate(TlsStream& stream);  // caller owns the reference

// A reference of its own to `certificate` (null stays null), freed with the last copy.
[[nodiscard]] std::shared_ptr<X509> share_certificate(X509* certificate);

}  // namespace outpost::net
