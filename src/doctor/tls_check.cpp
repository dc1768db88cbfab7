// Checks 8 and 9: one real connection to each parent as this node, exactly as its daemon makes
// it (the channel certificate machine-settings.toml names, the trusted store, TLS 1.3, the
// hello with this node's role, FQDN and management group), closed right after the parent's
// Welcome or Reject. Check 8 reports the TLS outcome, check 9 the parent's verdict.
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <fmt/format.h>

#include "channel/hello.hpp"
#include "core/files.hpp"
#include "core/names.hpp"
#include "doctor/context.hpp"
#include "doctor/explain.hpp"
#include "net/connect.hpp"
#include "pki/key.hpp"

namespace outpost::doctor {
namespace {

namespace asio = boost::asio;

std::string describe_session(net::TlsStream& stream) {
  SSL* ssl = stream.native_handle();
  std::string evidence = fmt::format("{} ({})", SSL_get_version(ssl),
                                     SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
  if (X509* x = net::peer_certificate(stream)) {
    const pki::Certificate parent{pki::X509Ptr(x)};
    evidence += fmt::format("; the parent's certificate {} issued by {}, valid until {}, trusted",
                            parent.subject(), parent.issuer(), format_utc(parent.not_after()));
  }
  return evidence;
}

// Coroutine parameters by value; no temporaries inside the co_await expressions (GCC 12).
asio::awaitable<void> probe(asio::ssl::context& context, Endpoint parent, net::HostsTable hosts,
                            channel::LocalNode me, net::Timeouts timeouts,
                            channel::HelloTimeouts hello_timeouts, ParentProbe* out) {
  out->ran = true;
  auto stream = co_await net::dial(context, parent, hosts, timeouts);
  if (!stream) {
    const bool tcp = stream.error().event == EventId::remote_cert_untrusted ||
                     stream.error().event == EventId::rogue_root_same_name ||
                     stream.error().event == EventId::alpn_refused ||
                     stream.error().event == EventId::closed_before_auth;
    (tcp ? out->tls_error : out->connect_error) = stream.error();
    co_return;
  }
  out->tls_evidence = describe_session(*stream);
  const std::string expected = parent.host;
  auto peer = co_await channel::send_hello(std::move(*stream), me, hello_timeouts, expected);
  if (!peer) {
    if (peer.error().event == EventId::closed_before_auth && is_tls_refusal(peer.error().cause)) {
      out->tls_error = peer.error();
    } else {
      out->hello_error = peer.error();
    }
    co_return;
  }
  out->welcome = fmt::format("admitted by {} (management group {})", peer->identity().fqdn,
                             peer->identity().management_group);
  boost::system::error_code ignored;
  peer->stream().lowest_layer().close(ignored);
}

}  // namespace

// The daemon's TLS identity, built without writing to the node's event log.
net::asio::ssl::context* tls_context(Context& c) {
  if (c.tls_loaded) return c.tls.get();
  c.tls_loaded = true;
  c.load_stores();
  const pki::PersonalEntry* entry = c.recorded_entry();
  if (entry == nullptr) {
    c.tls_unavailable = "no usable channel certificate is recorded (check 6)";
    return nullptr;
  }
  auto text = read_file(entry->key_file);
  auto key = text ? pki::load_private_key(*text) : std::unexpected(text.error());
  if (!key) {
    c.tls_unavailable = "the channel certificate has no usable private key (check 5)";
    return nullptr;
  }
  net::TlsIdentity identity{entry->certificate.get(), {}, key->get(), {}};
  for (const auto& i : entry->intermediates)
    identity.chain.push_back(i.get());
  for (const auto& t : c.trusted.certificates)
    identity.trusted.push_back(t.get());
  auto context = net::make_tls_context(identity, net::TlsSide::connecting, net::TlsVersion::tls13);
  if (!context) {
    c.tls_unavailable = context.error().message;
    return nullptr;
  }
  c.tls = std::make_unique<asio::ssl::context>(std::move(*context));
  return c.tls.get();
}

void probe_parent(Context& c, ParentState& parent) {
  asio::ssl::context* context = tls_context(c);
  if (parent.probe.ran || context == nullptr || parent.addresses.empty()) return;
  net::HostsTable hosts;  // the address check 2 found: no second lookup
  hosts[canonical_host_name(parent.endpoint.host)] = parent.addresses.front();
  const channel::LocalNode me{c.config->fqdn,
                              c.config->management_group,
                              c.role == NodeRole::gateway ? wire::ROLE_GATEWAY : wire::ROLE_AGENT,
                              "",
                              wire::kDefaultFrameLimit,
                              static_cast<std::uint32_t>(c.config->heartbeat_interval_s)};
  const net::Timeouts timeouts{c.options.network, c.options.network, c.options.network};
  const channel::HelloTimeouts hello{c.options.hello, c.options.network};
  asio::io_context io;
  asio::co_spawn(io, probe(*context, parent.endpoint, hosts, me, timeouts, hello, &parent.probe),
                 asio::detached);
  io.run_for(3 * c.options.network + c.options.hello + std::chrono::seconds(1));
  if (!parent.probe.connect_error) parent.reachable = true;
}

namespace {

LocalFacts facts(const Context& c) {
  const pki::PersonalEntry* entry = c.recorded_entry();
  return LocalFacts{c.config->fqdn, c.options.config.string(), c.state_dir(),
                    entry != nullptr ? entry->certificate.issuer() : std::string("(unknown)")};
}

}  // namespace

std::vector<Finding> check_tls(Context& c) {
  if (c.parents.empty()) return {skipped("a management server has no parent")};
  std::vector<Finding> out;
  for (auto& parent : c.parents) {
    const std::string subject = parent.endpoint.text();
    if (!parent.reachable) {
      out.push_back(skipped("not tried: no TCP connection (check 3)", subject));
      continue;
    }
    if (tls_context(c) == nullptr) {
      out.push_back(skipped("not tried: " + c.tls_unavailable, subject));
      continue;
    }
    probe_parent(c, parent);
    if (parent.probe.tls_error) {
      const Explanation why =
          explain_tls_failure(*parent.probe.tls_error,
                              ParentFacts{parent.endpoint.host, parent.addresses.front(),
                                          parent.source, parent.source_text},
                              facts(c));
      out.push_back(failed(why.event, why.evidence, why.fix, subject));
    } else if (!parent.probe.tls_evidence.empty()) {
      out.push_back(passed(parent.probe.tls_evidence, subject));
    } else {
      out.push_back(failed(EventId::closed_before_auth,
                           "the connection attempt did not finish in time",
                           "look at the parent's event log for its reason", subject));
    }
  }
  return out;
}

std::vector<Finding> check_admission(Context& c) {
  if (c.parents.empty()) return {skipped("a management server has no parent")};
  std::vector<Finding> out;
  for (auto& parent : c.parents) {
    const std::string subject = parent.endpoint.text();
    const ParentProbe& p = parent.probe;
    if (!p.ran || p.tls_error || p.tls_evidence.empty()) {
      out.push_back(skipped("not asked: no TLS connection (check 8)", subject));
    } else if (p.hello_error) {
      const Explanation why =
          explain_admission_failure(*p.hello_error, c.role == NodeRole::gateway, facts(c));
      out.push_back(failed(why.event, why.evidence, why.fix, subject));
    } else if (!p.welcome.empty()) {
      out.push_back(passed(p.welcome, subject));
    } else {
      out.push_back(failed(EventId::closed_before_auth, "the parent gave no verdict in time",
                           "look at the parent's event log for its reason", subject));
    }
  }
  return out;
}

}  // namespace outpost::doctor
