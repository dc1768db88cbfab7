#include "channel/parent_link.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "net/connect.hpp"

namespace outpost::channel {
namespace {

using namespace std::chrono_literals;

asio::awaitable<void> pause(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

asio::awaitable<void> send_heartbeats(std::shared_ptr<Session> session, std::string origin,
                                      std::chrono::seconds interval) {
  while (session->is_open()) {
    wire::Envelope beat;
    auto* h = beat.mutable_heartbeat();
    h->set_origin(origin);
    h->set_produced_unix_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count());
    session->send(std::move(beat));
    co_await pause(interval);
  }
}

namespace {

// One connection attempt: dial and hello. No co_await inside a conditional expression: GCC 12
// miscompiles it.
asio::awaitable<Result<AuthenticatedPeer>> connect_once(const ParentLink& link,
                                                        const Endpoint& parent,
                                                        const net::HostsTable& hosts) {
  auto stream = co_await net::dial(link.context(), parent, hosts, net::Timeouts{});
  if (!stream) co_return std::unexpected(stream.error());
  const HelloTimeouts timeouts;
  co_return co_await send_hello(std::move(*stream), link.me, timeouts, parent.host);
}

}  // namespace

std::chrono::milliseconds reconnect_delay(int attempt, std::mt19937& rng) {
  const auto base = std::chrono::milliseconds(1000) * (1 << std::min(attempt, 6));
  const auto capped = std::min<std::chrono::milliseconds>(base, 60s);
  std::uniform_int_distribution<long> jitter(0, capped.count() / 4);
  return capped + std::chrono::milliseconds(jitter(rng));
}

asio::awaitable<void> keep_parent_link(ParentLink link) {
  std::mt19937 rng(std::random_device{}());
  EventLog& log = *link.log;
  const auto executor = co_await asio::this_coro::executor;
  for (int attempt = 0; !link.stopping();) {
    const auto targets = link.targets();
    if (targets.empty()) break;
    const Endpoint parent = targets.front();
    const net::HostsTable hosts(link.config->hosts.begin(), link.config->hosts.end());
    auto peer = co_await connect_once(link, parent, hosts);
    if (peer) {
      attempt = 0;
      const std::string parent_name = peer->identity().fqdn;
      const std::uint32_t interval =
          peer->identity().heartbeat_interval_s != 0
              ? peer->identity().heartbeat_interval_s
              : static_cast<std::uint32_t>(link.config->heartbeat_interval_s);
      asio::steady_timer closed(executor, std::chrono::steady_clock::time_point::max());
      std::string why;
      auto session = Session::start(
          std::move(*peer), SessionSettings{},
          [&link, &log](const std::shared_ptr<Session>& s, wire::Envelope e) {
            if (!e.has_reject()) {
              if (link.on_message) link.on_message(s, std::move(e));
              return;
            }
            const std::string reason =
                fmt::format("the parent refused this node ({}, parent event {}): {}",
                            wire::RejectCode_Name(e.reject().code()), e.reject().event_id(),
                            e.reject().reason());
            (void)log.write(EventId::closed_after_auth, reason);
            s->close(reason);
          },
          [&closed, &why](const auto&, const std::string& reason) {
            why = reason;
            closed.cancel();
          });
      (void)log.write(EventId::peer_admitted,
                      fmt::format("Connected to {} ({}) and admitted.", parent_name, parent.text()),
                      {{"parent", parent_name}});
      if (link.on_connected) link.on_connected(session, parent);
      if (!link.dialing_a_child) {
        asio::co_spawn(executor,
                       send_heartbeats(session, link.me.fqdn, std::chrono::seconds(interval)),
                       asio::detached);
      }
      if (session->is_open()) {
        boost::system::error_code ignored;
        co_await closed.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      }
      if (link.on_lost) link.on_lost();
      if (link.stopping()) break;
      (void)log.write(EventId::peer_disconnected,
                      fmt::format("The connection to {} closed: {}", parent_name, why));
    } else {
      (void)log.write(peer.error().event, peer.error().describe(), {{"parent", parent.text()}});
      if (!link.dialing_a_child && (peer.error().event == EventId::parent_connect_failed ||
                                    peer.error().event == EventId::parent_name_unresolved)) {
        (void)log.write(EventId::no_parent_left,
                        fmt::format("No parent could be reached ({}) and no failover parent is "
                                    "configured; retrying.",
                                    parent.text()));
      }
    }
    co_await pause(reconnect_delay(attempt++, rng));
  }
}

}  // namespace outpost::channel
