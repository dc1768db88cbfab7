#include "net/connect.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <variant>

#include <fmt/format.h>

#include "core/names.hpp"

namespace outpost::net {
namespace {

using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;

std::string text(const tcp::endpoint& endpoint) {
  return endpoint.address().is_v6()
             ? fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port())
             : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

// Every wait is raced against a timer; `as_tuple` turns errors into values.
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<Result<tcp::resolver::results_type>> resolve(Endpoint parent, HostsTable hosts,
                                                             Timeouts timeouts) {
  tcp::resolver resolver(co_await asio::this_coro::executor);
  std::string host = parent.host;
  if (auto it = hosts.find(canonical_host_name(parent.host)); it != hosts.end()) {
    host = it->second;  // [hosts] answers before DNS
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, timeouts.resolve);
  const std::string service = std::to_string(parent.port);
  auto outcome =
      co_await (resolver.async_resolve(host, service, kTuple) || timer.async_wait(kTuple));
  std::string why = "timed out";
  if (outcome.index() == 0) {
    auto [ec, results] = std::get<0>(std::move(outcome));
    if (!ec && !results.empty()) co_return results;
    why = ec ? ec.message() : "no address";
  }
  co_return fail(fmt::format("the parent's name {} could not be resolved: {}", parent.host, why),
                 "fix DNS, or add the name to the [hosts] table of the configuration",
                 EventId::parent_name_unresolved);
}

// Connects to the first address that answers; the error of the last attempt otherwise.
asio::awaitable<Result<void>> connect_any(tcp::socket& socket,
                                          tcp::resolver::results_type addresses, Endpoint parent,
                                          std::chrono::milliseconds limit) {
  std::string tried;
  std::string why = "no address";
  Cause cause = Cause::unspecified;
  for (const auto& entry : addresses) {
    tried = text(entry.endpoint());
    boost::system::error_code ignored;
    socket.close(ignored);
    asio::steady_timer timer(co_await asio::this_coro::executor, limit);
    auto outcome =
        co_await (socket.async_connect(entry.endpoint(), kTuple) || timer.async_wait(kTuple));
    if (outcome.index() == 1) {
      why = "timed out";
      cause = Cause::timed_out;
      continue;
    }
    const auto [ec] = std::get<0>(outcome);
    if (!ec) co_return Result<void>{};
    why = ec.message();
    cause = connect_cause(ec);
  }
  auto failure = fail(fmt::format("could not connect to {} ({}): {}", parent.text(), tried, why),
                      "check that the parent runs and that the port is open on the path",
                      EventId::parent_connect_failed);
  failure.error().cause = cause;
  co_return failure;
}

// The handshake against the timeout; nullopt when it completed, otherwise why not.
asio::awaitable<std::optional<HandshakeFailure>> handshake(
    TlsStream& stream, asio::ssl::stream_base::handshake_type type,
    std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto outcome = co_await (stream.async_handshake(type, kTuple) || timer.async_wait(kTuple));
  if (outcome.index() == 1) {
    co_return HandshakeFailure{EventId::closed_before_auth, "the TLS handshake timed out",
                               Cause::timed_out};
  }
  const auto [ec] = std::get<0>(outcome);
  if (ec) co_return explain_handshake_failure(stream, ec);
  if (!alpn_agreed(stream)) co_return alpn_failure(type == asio::ssl::stream_base::server);
  co_return std::nullopt;
}

std::string fix_for(EventId event) {
  switch (event) {
    case EventId::remote_cert_untrusted:
      return "trust the parent's CA with outpost cert trust, or fix the parent's name";
    case EventId::rogue_root_same_name:
      return "compare both fingerprints with your CA's out of band; never trust the parent's root "
             "because of its name";
    case EventId::alpn_refused:
      return "dial an Outpost node of a matching version on this port";
    default:
      return "run outpost doctor on both ends";
  }
}

}  // namespace

asio::awaitable<Result<TlsStream>> dial(asio::ssl::context& context, Endpoint parent,
                                        HostsTable hosts, Timeouts timeouts) {
  auto addresses = co_await resolve(parent, std::move(hosts), timeouts);
  if (!addresses) co_return std::unexpected(addresses.error());
  TlsStream stream(co_await asio::this_coro::executor, context);
  auto connected =
      co_await connect_any(stream.next_layer(), std::move(*addresses), parent, timeouts.connect);
  if (!connected) co_return std::unexpected(connected.error());
  boost::system::error_code ignored;
  stream.next_layer().set_option(tcp::no_delay(true), ignored);
  stream.next_layer().set_option(asio::socket_base::keep_alive(true), ignored);

  SSL* ssl = stream.native_handle();
  boost::system::error_code not_an_address;
  asio::ip::make_address(parent.host, not_an_address);
  if (not_an_address) {  // a name: the parent's certificate must carry it, and it goes in SNI
    if (SSL_set1_host(ssl, parent.host.c_str()) != 1) {
      co_return fail(
          fmt::format("cannot require the name {} of the parent's certificate", parent.host),
          "check [parents] servers", EventId::config_invalid);
    }
    // SSL_set_tlsext_host_name without the macro's C cast:
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(parent.host.c_str()));
  }
  if (auto why = co_await handshake(stream, asio::ssl::stream_base::client, timeouts.handshake)) {
    auto failure = fail(fmt::format("TLS with {} failed: {}", parent.text(), why->reason),
                        fix_for(why->event), why->event);
    failure.error().cause = why->cause;
    co_return failure;
  }
  co_return std::move(stream);
}

Result<tcp::acceptor> listen_on(const asio::any_io_executor& executor, const Endpoint& listen) {
  error_code ec;
  const auto address = asio::ip::make_address(listen.host, ec);
  if (ec) {
    return fail(fmt::format("cannot listen on {}: not an IP address", listen.text()),
                "set [listen] address to an address of this computer");
  }
  tcp::acceptor acceptor(executor);
  const tcp::endpoint endpoint(address, listen.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(fmt::format("cannot listen on {}: {}", listen.text(), ec.message()),
                "check that no other process uses the port and that the address is local");
  }
  return acceptor;
}

Cause connect_cause(const error_code& ec) {
  if (ec == asio::error::connection_refused) return Cause::connection_refused;
  if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable) {
    return Cause::host_unreachable;
  }
  if (ec == asio::error::timed_out) return Cause::timed_out;
  return Cause::unspecified;
}

std::string remote_text(const tcp::socket& socket) {
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : text(peer);
}

namespace {

// One accepted connection inside the budget: its first bytes, the handshake and the session
// handler's hello, raced against one deadline. Until its first bytes arrive it has no TLS
// state (a junk connection costs a socket and this frame) and the budget may close it to make
// room for a newer one. The slot is released when this coroutine ends.
asio::awaitable<void> admit_within_deadline(tcp::socket socket, asio::ssl::context& tls,
                                            std::chrono::milliseconds deadline, AcceptBudget budget,
                                            AcceptBudget::Slot slot, std::string remote,
                                            std::string source, SessionHandler on_session,
                                            RefusalHandler on_refused) {
  // Silent: nothing has arrived since accept. Waiting for readability consumes nothing, so bytes
  // that arrived while this coroutine waits to run still count.
  slot.watch(
      [&socket] {
        error_code ec;
        return socket.available(ec) == 0 && !ec;
      },
      [&socket, &remote, &source, &on_refused] {
        error_code ignored;
        socket.close(ignored);
        on_refused(Refusal{remote, EventId::preauth_budget_exceeded,
                           "to make room for a newer connection: every place for "
                           "unauthenticated connections was taken and this one had sent "
                           "nothing ([limits] preauth_max_connections)",
                           source});
      });
  std::shared_ptr<X509> presented;  // once TLS completed: for a refusal at the deadline
  auto handshake_then_hello = [&]() -> asio::awaitable<void> {
    auto [waited] = co_await socket.async_wait(tcp::socket::wait_read, kTuple);
    if (slot.evicted() || waited == asio::error::operation_aborted) co_return;
    if (error_code ec; socket.available(ec) == 0) {  // readable with nothing to read: it closed
      on_refused(Refusal{remote, EventId::closed_before_auth,
                         "the peer closed the connection without sending anything (a port "
                         "check or a scan)",
                         source, Cause::peer_closed});
      co_return;
    }
    TlsStream stream(std::move(socket), tls);
    // Until its ClientHello is complete it may still be closed to make room: one byte and then
    // silence holds no place.
    // (OpenSSL's server stays in TLS_ST_BEFORE, then TLS_ST_SR_CLNT_HELLO, until the whole
    // ClientHello is read and processed.)
    slot.watch(
        [&stream] {
          const OSSL_HANDSHAKE_STATE state = SSL_get_state(stream.native_handle());
          return state == TLS_ST_BEFORE || state == TLS_ST_SR_CLNT_HELLO;
        },
        [&stream, &remote, &source, &on_refused] {
          error_code ignored;
          stream.next_layer().close(ignored);
          on_refused(Refusal{remote, EventId::preauth_budget_exceeded,
                             "to make room for a newer connection: every place for "
                             "unauthenticated connections was taken and this one had not "
                             "completed its TLS ClientHello ([limits] "
                             "preauth_max_connections)",
                             source});
        });
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    slot.talking();  // handshake done (or failed): never closed to make room from here on
    if (slot.evicted()) co_return;                        // reported when it was closed
    if (ec == asio::error::operation_aborted) co_return;  // the deadline; reported below
    if (ec) {
      HandshakeFailure why = explain_handshake_failure(stream, ec);
      on_refused(
          Refusal{remote, why.event, why.reason, source, why.cause, std::move(why.presented)});
      co_return;
    }
    if (!alpn_agreed(stream)) {  // the callbacks refuse it already; never admit without
      const HandshakeFailure why = alpn_failure(true);
      on_refused(Refusal{remote, why.event, why.reason, source, why.cause,
                         std::shared_ptr<X509>(peer_certificate(stream), X509_free)});
      co_return;
    }
    presented = std::shared_ptr<X509>(peer_certificate(stream), X509_free);
    co_await on_session(std::move(stream));
  };
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto outcome = co_await (handshake_then_hello() || timer.async_wait(kTuple));
  if (outcome.index() == 1) {  // the handler was cancelled; its stream is closed by now
    budget.note_deadline_expired();
    on_refused(
        Refusal{remote, EventId::closed_before_auth,
                fmt::format("no admission within {} s of the connection (TLS handshake and "
                            "hello); closed",
                            std::chrono::duration_cast<std::chrono::seconds>(deadline).count()),
                source, Cause::timed_out, std::move(presented)});
  }
}

}  // namespace

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, ContextSource context, Timeouts timeouts,
                                  AcceptBudget budget, SessionHandler on_session,
                                  RefusalHandler on_refused) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {  // e.g. EMFILE: the connection is lost; pause instead of spinning, then go on
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(200));
      co_await pause.async_wait(kTuple);
      continue;
    }
    error_code remote_ec;
    const auto peer = socket.remote_endpoint(remote_ec);
    const std::string remote = remote_ec ? std::string("unknown") : text(peer);
    const std::string source = remote_ec ? std::string("unknown") : peer.address().to_string();
    auto decision = budget.admit(source);
    if (!decision.slot) {  // closed before any TLS work; the handler summarises these
      socket.close(remote_ec);
      const BudgetLimits& limits = budget.limits();
      on_refused(Refusal{remote, EventId::preauth_budget_exceeded,
                         decision.refusal == BudgetRefusal::per_source
                             ? fmt::format("at accept: {} connections from {} are already being "
                                           "authenticated ([limits] preauth_max_per_source)",
                                           limits.max_per_source, source)
                             : fmt::format("at accept: {} connections are already being "
                                           "authenticated and all are talking ([limits] "
                                           "preauth_max_connections)",
                                           limits.max_connections),
                         source});
      continue;
    }
    asio::co_spawn(
        acceptor.get_executor(),
        admit_within_deadline(std::move(socket), context(), timeouts.handshake, budget,
                              std::move(*decision.slot), remote, source, on_session, on_refused),
        asio::detached);
  }
}

}  // namespace outpost::net
