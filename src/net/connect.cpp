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
  for (const auto& entry : addresses) {
    tried = text(entry.endpoint());
    boost::system::error_code ignored;
    socket.close(ignored);
    asio::steady_timer timer(co_await asio::this_coro::executor, limit);
    auto outcome =
        co_await (socket.async_connect(entry.endpoint(), kTuple) || timer.async_wait(kTuple));
    if (outcome.index() == 1) {
      why = "timed out";
      continue;
    }
    const auto [ec] = std::get<0>(outcome);
    if (!ec) co_return Result<void>{};
    why = ec.message();
  }
  co_return fail(fmt::format("could not connect to {} ({}): {}", parent.text(), tried, why),
                 "check that the parent runs and that the port is open on the path",
                 EventId::parent_connect_failed);
}

// The handshake against the timeout; nullopt when it completed, otherwise why not.
asio::awaitable<std::optional<HandshakeFailure>> handshake(
    TlsStream& stream, asio::ssl::stream_base::handshake_type type,
    std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto outcome = co_await (stream.async_handshake(type, kTuple) || timer.async_wait(kTuple));
  if (outcome.index() == 1) {
    co_return HandshakeFailure{EventId::closed_before_auth, "the TLS handshake timed out"};
  }
  const auto [ec] = std::get<0>(outcome);
  if (!ec) co_return std::nullopt;
  co_return explain_handshake_failure(stream, ec);
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
    co_return fail(fmt::format("TLS with {} failed: {}", parent.text(), why->reason),
                   why->event == EventId::remote_cert_untrusted
                       ? "trust the parent's CA with outpost cert trust, or fix the parent's name"
                       : "run outpost doctor on both ends",
                   why->event);
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

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, ContextSource context, Timeouts timeouts,
                                  SessionHandler on_session, RefusalHandler on_refused) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {  // e.g. EMFILE: the connection is lost; pause instead of spinning, then go on
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(200));
      co_await pause.async_wait(kTuple);
      continue;
    }
    asio::co_spawn(
        acceptor.get_executor(),
        [&tls = context(), timeouts, on_session, on_refused,
         socket = std::move(socket)]() mutable -> asio::awaitable<void> {
          error_code remote_ec;
          const auto peer = socket.remote_endpoint(remote_ec);
          const std::string remote = remote_ec ? std::string("unknown") : text(peer);
          TlsStream stream(std::move(socket), tls);
          if (auto why =
                  co_await handshake(stream, asio::ssl::stream_base::server, timeouts.handshake)) {
            on_refused(Refusal{remote, why->event, why->reason});
            co_return;
          }
          co_await on_session(std::move(stream));
        },
        asio::detached);
  }
}

}  // namespace outpost::net
