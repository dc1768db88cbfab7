#include "channel/hello.hpp"

#include <fmt/format.h>

#include "channel/frames_io.hpp"
#include "core/names.hpp"
#include "pki/certificate.hpp"
#include "pki/proof.hpp"

namespace outpost::channel {

struct HelloAccess {
  static AuthenticatedPeer make(net::TlsStream stream, wire::FrameDecoder decoder,
                                PeerIdentity identity) {
    return AuthenticatedPeer(std::move(stream), std::move(decoder), std::move(identity));
  }
};

namespace {

constexpr std::uint32_t kProtocolVersion = 1;

std::optional<pki::Certificate> certificate_of(net::TlsStream& stream) {
  X509* x = net::peer_certificate(stream);
  if (x == nullptr) return std::nullopt;
  return pki::Certificate(pki::X509Ptr(x));
}

// The peer's certificate and the intermediates it sent, DER, its own first (the chain a gateway
// relays so that the management server verifies the agent itself).
std::vector<std::string> peer_chain_der(net::TlsStream& stream, const pki::Certificate& leaf) {
  std::vector<std::string> chain;
  auto add = [&chain](X509* x) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(x, &der);
    if (length > 0) chain.emplace_back(reinterpret_cast<const char*>(der), length);
    OPENSSL_free(der);
  };
  add(leaf.get());
  STACK_OF(X509)* sent = SSL_get_peer_cert_chain(stream.native_handle());
  for (int i = 0; sent != nullptr && i < sk_X509_num(sent); ++i) {
    X509* x = sk_X509_value(sent, i);
    if (X509_cmp(x, leaf.get()) != 0 && chain.size() < pki::kMaxChainCertificates) add(x);
  }
  return chain;
}

wire::Envelope reject(wire::RejectCode code, const std::string& reason, EventId event) {
  wire::Envelope e;
  auto* r = e.mutable_reject();
  r->set_code(code);
  r->set_reason(reason);
  r->set_event_id(static_cast<std::uint32_t>(number(event)));
  return e;
}

// What the hello says, checked against the certificate and this node; nullopt when it passes.
std::optional<Admission> check_hello(const wire::Hello& hello, const pki::Certificate& cert,
                                     const LocalNode& me) {
  if (hello.protocol_version() != kProtocolVersion) {
    return Admission{false, wire::REJECT_PROTOCOL_VERSION, EventId::closed_before_auth,
                     fmt::format("protocol version {} is not supported; this node speaks {}",
                                 hello.protocol_version(), kProtocolVersion)};
  }
  if (!is_valid_host_name(hello.fqdn()) || !cert.is_identity_of(hello.fqdn())) {
    return Admission{false, wire::REJECT_NAME_MISMATCH, EventId::cert_name_mismatch,
                     fmt::format("the hello claims to be '{}' but the certificate names '{}'",
                                 hello.fqdn(), cert.common_name())};
  }
  if (hello.management_group() != me.management_group) {
    return Admission{false, wire::REJECT_WRONG_MANAGEMENT_GROUP, EventId::device_wrong_group,
                     fmt::format("'{}' asked for management group '{}', but this is '{}'",
                                 hello.fqdn(), hello.management_group(), me.management_group)};
  }
  if (hello.role() == wire::ROLE_UNSPECIFIED) {
    return Admission{false, wire::REJECT_PROTOCOL_ERROR, EventId::closed_before_auth,
                     "the hello names no role"};
  }
  return std::nullopt;
}

}  // namespace

std::string_view role_name(wire::Role role) {
  switch (role) {
    case wire::ROLE_AGENT:
      return "agent";
    case wire::ROLE_GATEWAY:
      return "gateway";
    case wire::ROLE_MANAGEMENT_SERVER:
      return "management server";
    default:
      return "unknown role";
  }
}

pki::KeyPtr connection_key(net::TlsStream& stream) {
  EVP_PKEY* key = SSL_get_privatekey(stream.native_handle());
  if (key != nullptr) EVP_PKEY_up_ref(key);
  return pki::KeyPtr(key);
}

Result<wire::Envelope> answer_challenge(EVP_PKEY* key, const wire::Challenge& challenge,
                                        std::string_view me, std::string_view parent,
                                        std::string_view management_group) {
  if (challenge.nonce().size() != pki::kNonceBytes) {
    return fail(fmt::format("the parent sent a challenge of {} bytes (expected {})",
                            challenge.nonce().size(), pki::kNonceBytes),
                "", EventId::closed_before_auth);
  }
  auto signature =
      pki::sign_proof(key, pki::ProofContext{challenge.nonce(), me, parent, management_group});
  if (!signature) return std::unexpected(signature.error());
  wire::Envelope response;
  response.mutable_challenge_response()->set_nonce(challenge.nonce());
  response.mutable_challenge_response()->set_signature(std::move(*signature));
  return response;
}

namespace {

// accept_hello, noting in `seen` what the peer presented and claimed as it goes.
asio::awaitable<Result<AuthenticatedPeer>> accept_hello_noting(net::TlsStream stream, LocalNode me,
                                                               AdmissionCheck admit,
                                                               HelloTimeouts timeouts,
                                                               RefusalObservation* seen) {
  auto cert = certificate_of(stream);
  if (!cert) {
    seen->key.cause = Cause::peer_sent_no_certificate;
    co_return fail("the peer presented no certificate", "", EventId::closed_before_auth);
  }
  seen->certificate = pki::presented(*cert);
  seen->key.identity = cert->common_name();
  wire::FrameDecoder decoder(wire::kPreHelloLimit);
  auto first = co_await read_envelope(stream, decoder, timeouts.hello);
  if (!first) co_return std::unexpected(first.error());
  std::optional<Admission> refusal;
  if (!first->has_hello()) {
    refusal = Admission{false, wire::REJECT_PROTOCOL_ERROR, EventId::closed_before_auth,
                        "the first message was not a hello"};
  } else {
    const wire::Hello& hello = first->hello();
    // The name it claims only when its certificate carries it; else the certificate's CN (a
    // name mismatch is keyed by the certificate, its claim is in the reason).
    if (is_valid_host_name(hello.fqdn()) && cert->is_identity_of(hello.fqdn())) {
      seen->key.identity = canonical_host_name(hello.fqdn());
    }
    seen->role = std::string(role_name(hello.role()));
    seen->management_group = hello.management_group();
    refusal = check_hello(hello, *cert, me);
  }
  PeerIdentity peer;
  if (!refusal) {
    const wire::Hello& hello = first->hello();
    peer = PeerIdentity{canonical_host_name(hello.fqdn()),
                        hello.role(),
                        hello.management_group(),
                        hello.config_cookie(),
                        cert->sha256_hex(),
                        cert->not_after()};
    peer.key_sha256 = pki::public_key_sha256_hex(cert->public_key());
    peer.certificate_chain = peer_chain_der(stream, *cert);
    bool challenged = false;
    Prover prove = [&stream, &decoder, &challenged,
                    timeouts](std::string nonce) -> asio::awaitable<Result<std::string>> {
      if (challenged) co_return fail("a second challenge in one hello", "", EventId::none);
      challenged = true;
      wire::Envelope challenge;
      challenge.mutable_challenge()->set_nonce(nonce);
      auto sent = co_await write_envelope(stream, std::move(challenge), wire::kPreHelloLimit,
                                          timeouts.write);
      if (!sent) co_return std::unexpected(sent.error());
      auto answer = co_await read_envelope(stream, decoder, timeouts.hello);
      if (!answer) co_return std::unexpected(answer.error());
      if (!answer->has_challenge_response() || answer->challenge_response().nonce() != nonce) {
        co_return fail("the peer did not answer the challenge", "", EventId::agent_proof_refused);
      }
      co_return std::string(answer->challenge_response().signature());
    };
    Admission decision = co_await admit(peer, prove);
    if (!decision.admitted) refusal = std::move(decision);
  }
  if (refusal) {
    const std::string who = first->has_hello() ? first->hello().fqdn() : cert->common_name();
    wire::Envelope refusal_message = reject(refusal->code, refusal->reason, refusal->event);
    auto sent = co_await write_envelope(stream, std::move(refusal_message), wire::kPreHelloLimit,
                                        timeouts.write);
    (void)sent;  // the refusal is logged here whether or not the peer could read it
    seen->key.cause = Cause::rejected;
    seen->reject_code = refusal->code;
    co_return fail(fmt::format("refused {}: {}", who, refusal->reason), "", refusal->event);
  }
  wire::Envelope welcome;
  auto* w = welcome.mutable_welcome();
  w->set_fqdn(me.fqdn);
  w->set_management_group(me.management_group);
  w->set_protocol_version(kProtocolVersion);
  w->set_max_frame_bytes(me.max_frame_bytes);
  w->set_heartbeat_interval_s(me.heartbeat_interval_s);
  w->set_role(me.role);
  if (auto sent = co_await write_envelope(stream, welcome, wire::kPreHelloLimit, timeouts.write);
      !sent) {
    co_return std::unexpected(sent.error());
  }
  decoder.set_limit(me.max_frame_bytes);
  co_return HelloAccess::make(std::move(stream), std::move(decoder), std::move(peer));
}

}  // namespace

asio::awaitable<std::expected<AuthenticatedPeer, HelloRefusal>> accept_hello(
    net::TlsStream stream, LocalNode me, AdmissionCheck admit, HelloTimeouts timeouts) {
  RefusalObservation seen;
  auto peer = co_await accept_hello_noting(std::move(stream), std::move(me), std::move(admit),
                                           timeouts, &seen);
  if (peer) co_return std::move(*peer);
  HelloRefusal refused{std::move(peer.error()), std::move(seen)};
  const Error& error = refused.error;
  refused.observed.key.event =
      error.event == EventId::none ? EventId::closed_before_auth : error.event;
  if (refused.observed.key.cause == Cause::unspecified) refused.observed.key.cause = error.cause;
  refused.observed.reason = error.message;
  co_return std::unexpected(std::move(refused));
}

asio::awaitable<Result<AuthenticatedPeer>> send_hello(net::TlsStream stream, LocalNode me,
                                                      HelloTimeouts timeouts,
                                                      std::string expected_parent) {
  auto cert = certificate_of(stream);
  if (!cert) {
    co_return fail("the parent presented no certificate", "", EventId::closed_before_auth);
  }
  wire::Envelope hello;
  auto* h = hello.mutable_hello();
  h->set_role(me.role);
  h->set_fqdn(me.fqdn);
  h->set_management_group(me.management_group);
  h->set_protocol_version(kProtocolVersion);
  h->set_config_cookie(me.config_cookie);
  if (auto sent = co_await write_envelope(stream, hello, wire::kPreHelloLimit, timeouts.write);
      !sent) {
    co_return std::unexpected(sent.error());
  }
  wire::FrameDecoder decoder(wire::kPreHelloLimit);
  auto answer = co_await read_envelope(stream, decoder, timeouts.hello);
  if (answer && answer->has_challenge()) {  // a gateway relays the management server's
    auto key = connection_key(stream);
    auto response = answer_challenge(key.get(), answer->challenge(), me.fqdn, cert->common_name(),
                                     me.management_group);
    if (!response) co_return std::unexpected(response.error());
    if (auto sent = co_await write_envelope(stream, std::move(*response), wire::kPreHelloLimit,
                                            timeouts.write);
        !sent) {
      co_return std::unexpected(sent.error());
    }
    answer = co_await read_envelope(stream, decoder, timeouts.hello);
  }
  if (!answer) {
    auto failure = fail(
        "the parent closed the connection before admitting this node: " + answer.error().message,
        "look for the reason in the parent's event log", EventId::closed_before_auth);
    failure.error().cause = answer.error().cause;
    co_return failure;
  }
  if (answer->has_reject()) {
    const wire::Reject& r = answer->reject();
    auto failure =
        fail(fmt::format("the parent refused this node ({}, parent event {}): {}",
                         wire::RejectCode_Name(r.code()), r.event_id(), r.reason()),
             r.code() == wire::REJECT_PENDING_APPROVAL || r.code() == wire::REJECT_NOT_APPROVED
                 ? "approve this computer on the management server"
                 : "correct what the reason names",
             EventId::closed_after_auth);
    failure.error().cause = Cause::rejected;
    failure.error().reject_code = r.code();
    failure.error().parent_event =
        event_id_from_number(static_cast<int>(r.event_id())).value_or(EventId::none);
    co_return failure;
  }
  if (!answer->has_welcome()) {
    co_return fail("the parent answered the hello with something other than a welcome", "",
                   EventId::closed_before_auth);
  }
  const wire::Welcome& w = answer->welcome();
  if (!cert->is_identity_of(w.fqdn()) || w.management_group() != me.management_group) {
    co_return fail(
        fmt::format("the parent's welcome names '{}' in group '{}', which does not "
                    "match its certificate '{}' or this node's group '{}'",
                    w.fqdn(), w.management_group(), cert->common_name(), me.management_group),
        "check the parent's configuration", EventId::cert_name_mismatch);
  }
  if (!expected_parent.empty() && is_valid_host_name(expected_parent) &&
      !same_host_name(w.fqdn(), expected_parent)) {
    co_return fail(fmt::format("dialled parent {} but {} answered", expected_parent, w.fqdn()),
                   "check [parents] servers and the [hosts] table", EventId::cert_name_mismatch);
  }
  // A parent may not raise the frame limit beyond Outpost's default.
  decoder.set_limit(w.max_frame_bytes() != 0
                        ? std::min<std::uint32_t>(w.max_frame_bytes(), wire::kDefaultFrameLimit)
                        : wire::kDefaultFrameLimit);
  PeerIdentity parent{canonical_host_name(w.fqdn()),
                      w.role(),
                      w.management_group(),
                      "",
                      cert->sha256_hex(),
                      cert->not_after(),
                      w.heartbeat_interval_s()};
  parent.key_sha256 = pki::public_key_sha256_hex(cert->public_key());
  co_return HelloAccess::make(std::move(stream), std::move(decoder), std::move(parent));
}

}  // namespace outpost::channel
