#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include "net/rogue_root.hpp"

namespace outpost::net {
namespace {

// Set on a connection refused for its ALPN, so that the refusal is typed (30074), not guessed
// from OpenSSL's error text.
int alpn_refused_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

char alpn_refused_flag = 1;

void mark_alpn_refused(SSL* ssl) {
  SSL_set_ex_data(ssl, alpn_refused_index(), &alpn_refused_flag);
}

// Without this, a client that offers no ALPN at all is never asked (the select callback runs
// only when the extension is present): refuse it with the no_application_protocol alert.
int require_alpn(SSL* ssl, int* alert, void*) {
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data,
                                &length) == 1 &&
      length > 0) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  mark_alpn_refused(ssl);
  *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
  return SSL_CLIENT_HELLO_ERROR;
}

int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length,
                const unsigned char* in, unsigned int in_length, void*) {
  // `in` is a list of length-prefixed protocol names; accept only ours.
  for (unsigned int i = 0; i < in_length;) {
    const unsigned int length = in[i];
    if (i + 1 + length > in_length) break;
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), length) == kAlpn) {
      *out = in + i + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + length;
  }
  mark_alpn_refused(ssl);
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// The first certificate that failed verification is kept on the connection (as ex_data that
// OpenSSL frees with it), so a refusal can name it: OpenSSL does not keep the peer's
// certificate when its verification fails.
void free_failed_certificate(void*, void* pointer, CRYPTO_EX_DATA*, int, long, void*) {
  X509_free(static_cast<X509*>(pointer));
}

int failed_certificate_index() {
  static const int index =
      SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_failed_certificate);
  return index;
}

// The peer's own certificate (depth 0) of a chain that failed, for the refusal's record.
int presented_certificate_index() {
  static const int index =
      SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_failed_certificate);
  return index;
}

void remember_presented(SSL* ssl, X509_STORE_CTX* store) {
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (leaf != nullptr && SSL_get_ex_data(ssl, presented_certificate_index()) == nullptr &&
      X509_up_ref(leaf) == 1) {
    SSL_set_ex_data(ssl, presented_certificate_index(), leaf);
  }
}

// A rogue root with a known name (30072), found while the failed chain is still at hand: its
// message is kept on the connection like the failed certificate.
void free_text(void*, void* pointer, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(pointer);
}

int rogue_root_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_text);
  return index;
}

void remember_rogue_root(SSL* ssl, X509* failed, X509_STORE_CTX* store) {
  if (SSL_get_ex_data(ssl, rogue_root_index()) != nullptr) return;
  if (auto rogue = find_rogue_root(failed, X509_STORE_CTX_get0_untrusted(store),
                                   X509_STORE_CTX_get0_store(store))) {
    SSL_set_ex_data(ssl, rogue_root_index(), new std::string(std::move(*rogue)));
  }
}

int remember_failure(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 0) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    X509* failed = X509_STORE_CTX_get_current_cert(store);
    if (ssl != nullptr) remember_presented(ssl, store);
    if (ssl != nullptr && failed != nullptr) remember_rogue_root(ssl, failed, store);
    if (ssl != nullptr && failed != nullptr &&
        SSL_get_ex_data(ssl, failed_certificate_index()) == nullptr && X509_up_ref(failed) == 1) {
      SSL_set_ex_data(ssl, failed_certificate_index(), failed);
    }
  }
  return preverify_ok;
}

std::string ssl_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    out += out.empty() ? "" : "; ";
    out += buffer;
  }
  return out;
}

}  // namespace

Result<asio::ssl::context> make_tls_context(const TlsIdentity& identity, TlsSide side,
                                            TlsVersion minimum) {
  asio::ssl::context context(side == TlsSide::accepting ? asio::ssl::context::tls_server
                                                        : asio::ssl::context::tls_client);
  SSL_CTX* ctx = context.native_handle();
  SSL_CTX_set_min_proto_version(ctx,
                                minimum == TlsVersion::tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // An idle connection keeps no OpenSSL record buffers (~33 KiB each): thousands of agents sit
  // idle between heartbeats (docs/performance.md, memory per connection).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (identity.certificate == nullptr || SSL_CTX_use_certificate(ctx, identity.certificate) != 1) {
    return fail("the channel certificate cannot be used for TLS: " + ssl_errors(),
                "import a valid certificate with outpost cert import", EventId::cert_not_found);
  }
  for (X509* c : identity.chain) {
    if (SSL_CTX_add1_chain_cert(ctx, c) != 1) {
      return fail("an intermediate certificate cannot be used for TLS: " + ssl_errors());
    }
  }
  if (identity.key == nullptr || SSL_CTX_use_PrivateKey(ctx, identity.key) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return fail("the channel certificate's private key cannot be used for TLS: " + ssl_errors(),
                "import the certificate together with its private key",
                EventId::cert_no_private_key);
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (X509* c : identity.trusted) {
    X509_STORE_add_cert(store, c);
  }
  ERR_clear_error();  // duplicate certificates in the store are not an error
  // Both directions: a peer without a certificate, or with one we do not trust, is refused;
  // the peer's certificate must allow the role it plays in this connection.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, remember_failure);
  X509_VERIFY_PARAM_set_purpose(SSL_CTX_get0_param(ctx), side == TlsSide::accepting
                                                             ? X509_PURPOSE_SSL_CLIENT
                                                             : X509_PURPOSE_SSL_SERVER);
  if (side == TlsSide::accepting) {
    SSL_CTX_set_client_hello_cb(ctx, require_alpn, nullptr);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  } else {
    std::string protos(1, static_cast<char>(kAlpn.size()));
    protos += kAlpn;
    SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(protos.data()),
                            static_cast<unsigned int>(protos.size()));
  }
  return context;
}

bool alpn_agreed(TlsStream& stream) {
  const unsigned char* selected = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &selected, &length);
  return selected != nullptr &&
         std::string_view(reinterpret_cast<const char*>(selected), length) == kAlpn;
}

HandshakeFailure alpn_failure(bool accepting) {
  return HandshakeFailure{
      EventId::alpn_refused,
      accepting ? fmt::format("the peer did not offer the Outpost protocol (ALPN {}): it is not an "
                              "Outpost node, or speaks another version",
                              kAlpn)
                : fmt::format("the parent did not select the Outpost protocol (ALPN {}): it is "
                              "not an Outpost node, or speaks another version",
                              kAlpn),
      Cause::no_common_protocol};
}

namespace {

// Why this node refused the peer's certificate, as a value (verification's own code).
Cause verify_cause(long verify) {
  switch (verify) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
      return Cause::peer_name_mismatch;
    case X509_V_ERR_INVALID_PURPOSE:
      return Cause::peer_purpose_wrong;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return Cause::peer_expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Cause::peer_not_yet_valid;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return Cause::peer_issuer_unknown;
    default:
      return Cause::peer_untrusted;
  }
}

// The certificate the peer presented: the one verification saw, else the session's.
std::shared_ptr<X509> presented_by_peer(SSL* ssl) {
  if (auto* leaf = static_cast<X509*>(SSL_get_ex_data(ssl, presented_certificate_index()))) {
    return share_certificate(leaf);
  }
  return std::shared_ptr<X509>(SSL_get1_peer_certificate(ssl), X509_free);
}

}  // namespace

HandshakeFailure explain_handshake_failure(TlsStream& stream, const boost::system::error_code& ec) {
  SSL* ssl = stream.native_handle();
  std::shared_ptr<X509> presented = presented_by_peer(ssl);
  if (SSL_get_ex_data(ssl, alpn_refused_index()) != nullptr) {
    ERR_clear_error();
    HandshakeFailure failure = alpn_failure(true);
    failure.presented = std::move(presented);
    return failure;
  }
  if (const auto* rogue = static_cast<std::string*>(SSL_get_ex_data(ssl, rogue_root_index()))) {
    ERR_clear_error();
    return HandshakeFailure{EventId::rogue_root_same_name, *rogue, Cause::peer_root_impostor,
                            std::move(presented)};
  }
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    std::string subject = "(unknown)";
    Cause cause = verify_cause(verify);
    if (const auto* failed = static_cast<X509*>(SSL_get_ex_data(ssl, failed_certificate_index()))) {
      char buffer[256] = {};
      X509_NAME_oneline(X509_get_subject_name(failed), buffer, sizeof buffer);
      subject = buffer;
      // Expiry (or a start date) of a CA in its chain, not of its own certificate: the reason
      // names which; the causes about its own dates do not apply.
      if ((cause == Cause::peer_expired || cause == Cause::peer_not_yet_valid) && presented &&
          X509_cmp(failed, presented.get()) != 0) {
        cause = Cause::peer_untrusted;
      }
    }
    ERR_clear_error();
    return HandshakeFailure{EventId::remote_cert_untrusted,
                            fmt::format("the peer's certificate {} is not trusted here: {}",
                                        subject, X509_verify_cert_error_string(verify)),
                            cause, std::move(presented)};
  }
  std::string what = describe_tls_error(ec);
  const Cause cause = tls_cause(ec);
  ERR_clear_error();
  return HandshakeFailure{EventId::closed_before_auth, what, cause, std::move(presented)};
}

Cause tls_cause(const boost::system::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
      ec == asio::error::connection_reset) {
    return Cause::peer_closed;
  }
  if (ec.category() != asio::error::get_ssl_category()) return Cause::unspecified;
  switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
      return Cause::peer_distrusts_our_issuer;
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return Cause::peer_wants_a_certificate;
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:  // only the accepting side reports this
      return Cause::peer_sent_no_certificate;
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
      return Cause::peer_refused_our_certificate;
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return Cause::peer_untrusted;
    case SSL_R_NO_APPLICATION_PROTOCOL:
    case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
      return Cause::no_common_protocol;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      return Cause::no_common_tls_version;
    default:
      return Cause::unspecified;
  }
}

std::string describe_tls_error(const boost::system::error_code& ec) {
  std::string what = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    const auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    switch (reason) {
      case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        what = "the peer does not trust this node's certificate issuer (alert unknown_ca)";
        break;
      case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        what = "a certificate is required and none was presented";
        break;
      case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
      case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
        what =
            "the peer refused this node's certificate (bad or unsupported certificate; e.g. "
            "its name is not the one the peer dialled)";
        break;
      case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
        what =
            "the peer refused this node's certificate: it has expired (alert "
            "certificate_expired)";
        break;
      case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        what = "the peer refused this node's certificate (alert certificate_unknown)";
        break;
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        what = "the peer's certificate failed verification";
        break;
      case SSL_R_NO_APPLICATION_PROTOCOL:
      case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
        what = fmt::format("the peer does not speak {} (ALPN)", kAlpn);
        break;
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        what = "no TLS version in common (Outpost requires TLS 1.3 unless 1.2 is allowed)";
        break;
      default:
        break;
    }
  }
  return what;
}

X509* peer_certificate(TlsStream& stream) {
  return SSL_get1_peer_certificate(stream.native_handle());
}

std::shared_ptr<X509> share_certificate(X509* certificate) {
  if (certificate == nullptr || X509_up_ref(certificate) != 1) return nullptr;
  return std::shared_ptr<X509>(certificate, X509_free);
}

}  // namespace outpost::net
