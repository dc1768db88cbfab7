#include "channel/parent_link.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/close_on_failure.hpp"
#include "net/connect.hpp"

namespace outpost::channel {
namespace {

using namespace std::chrono_literals;

asio::awaitable<void> pause(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

std::string list_text(const std::vector<Endpoint>& parents) {
  std::string out;
  for (const auto& p : parents)
    out += (out.empty() ? "" : ", ") + p.text();
  return out;
}

// One connection attempt: dial and hello. No co_await inside a conditional expression: GCC 12
// miscompiles it.
asio::awaitable<Result<AuthenticatedPeer>> connect_once(const ParentLink& link,
                                                        const Endpoint& parent,
                                                        const net::HostsTable& hosts) {
  const net::Timeouts dial_timeouts;  // named: no temporaries in co_await expressions (GCC 12)
  auto stream = co_await net::dial(link.context(), parent, hosts, dial_timeouts);
  if (!stream) co_return std::unexpected(stream.error());
  const HelloTimeouts timeouts;
  LocalNode me = link.me;
  if (link.cookie) me.config_cookie = link.cookie();
  co_return co_await send_hello(std::move(*stream), me, timeouts, parent.host);
}

// While the session is open and its parent is not the primary (it failed over, or a new
// configuration named another primary): every failback interval, a TLS handshake with the
// primary; when it succeeds the session is closed so that the link reconnects, primary first.
asio::awaitable<void> probe_primary(std::weak_ptr<Session> current, const ParentLink& link,
                                    Endpoint parent, net::HostsTable hosts) {
  for (;;) {
    co_await pause(std::chrono::seconds(link.config->failback_interval_s));
    auto session = current.lock();
    if (!session || !session->is_open()) co_return;
    const auto targets = link.targets();
    if (targets.empty() || targets.front() == parent) continue;
    const Endpoint primary = targets.front();
    const net::Timeouts quick{3s, 3s, 5s};
    auto answer = co_await net::dial(link.context(), primary, hosts, quick);
    if (!answer) continue;
    boost::system::error_code ignored;
    answer->next_layer().close(ignored);
    session = current.lock();
    if (session && session->is_open()) {
      session->close(fmt::format("the primary parent {} answers: failing back", primary.text()));
    }
    co_return;
  }
}

struct Connected {
  std::shared_ptr<Session> session;
  std::string parent_name;
};

// Starts the session on an admitted connection; Reject from the parent ends it with 20070.
Connected start_session(const ParentLink& link, AuthenticatedPeer peer, asio::steady_timer& closed,
                        Closure& why) {
  EventLog& log = *link.log;
  const std::string parent_name = peer.identity().fqdn;
  const std::uint32_t offered = peer.identity().heartbeat_interval_s;
  SessionSettings settings = session_settings(*link.config, link.budget);
  settings.dead_peer = std::chrono::seconds(link.config->dead_peer_timeout_s);
  settings.keepalive = std::max<std::chrono::milliseconds>(settings.dead_peer / 4, 500ms);
  // A management server keeps checking, through the gateway, that this agent is alive: each
  // Challenge is answered with the key this connection authenticated with.
  std::shared_ptr<EVP_PKEY> key(connection_key(peer.stream()).release(), EVP_PKEY_free);
  auto session = Session::start(
      std::move(peer), settings,
      [&link, &log, key, parent_name](const std::shared_ptr<Session>& s, wire::Envelope e) {
        if (e.has_challenge()) {
          auto response = answer_challenge(key.get(), e.challenge(), link.me.fqdn, parent_name,
                                           link.me.management_group);
          if (response) {
            s->send(std::move(*response));
          } else {
            s->close(response.error().describe());
          }
          return;
        }
        if (!e.has_reject()) {
          if (link.on_message) link.on_message(s, std::move(e));
          return;
        }
        const std::string reason = fmt::format(
            "the parent refused this node ({}, parent event {}): {}",
            wire::RejectCode_Name(e.reject().code()), e.reject().event_id(), e.reject().reason());
        (void)log.write(EventId::closed_after_auth, reason);
        s->close(reason);
      },
      [&closed, &why](const auto&, const Closure& closure) {
        why = closure;
        closed.cancel();
      });
  if (!link.dialing_a_child) {
    const NodeConfig* config = link.config;
    asio::co_spawn(
        closed.get_executor(),
        send_heartbeats(session, link.me.fqdn, link.cookie,
                        [offered, config, pushed = link.pushed_interval] {
                          if (pushed) {
                            if (const auto interval = pushed())
                              return std::chrono::seconds(*interval);
                          }
                          return std::chrono::seconds(offered != 0 ? static_cast<int>(offered)
                                                                   : config->heartbeat_interval_s);
                        }),
        close_on_failure(session, "heartbeat sender"));
  }
  return {session, parent_name};
}

}  // namespace

asio::awaitable<void> send_heartbeats(std::shared_ptr<Session> session, std::string origin,
                                      std::function<std::string()> cookie,
                                      std::function<std::chrono::seconds()> interval) {
  while (session->is_open()) {
    wire::Envelope beat;
    auto* h = beat.mutable_heartbeat();
    h->set_origin(origin);
    h->set_produced_unix_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count());
    if (cookie) h->set_config_cookie(cookie());
    session->send(std::move(beat));
    co_await pause(interval());
  }
}

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
  bool on_failover = false;
  for (int failed_rounds = 0; !link.stopping();) {
    const auto targets = link.targets();
    if (targets.empty()) break;
    const net::HostsTable hosts(link.config->hosts.begin(), link.config->hosts.end());
    bool connected = false;
    std::vector<Endpoint> unreachable;
    std::chrono::steady_clock::duration lasted{};
    for (std::size_t i = 0; i < targets.size() && !link.stopping() && !connected; ++i) {
      const Endpoint& parent = targets[i];
      auto peer = co_await connect_once(link, parent, hosts);
      if (!peer) {
        (void)log.write(peer.error().event, peer.error().describe(), {{"parent", parent.text()}});
        // A parent that refused this node (20070) answered: it is not unreachable.
        if (peer.error().event != EventId::closed_after_auth) unreachable.push_back(parent);
        continue;
      }
      connected = true;
      failed_rounds = 0;
      asio::steady_timer closed(executor, std::chrono::steady_clock::time_point::max());
      Closure why;
      auto [session, parent_name] = start_session(link, std::move(*peer), closed, why);
      const auto began = std::chrono::steady_clock::now();
      (void)log.write(EventId::peer_admitted,
                      fmt::format("Connected to {} ({}) and admitted.", parent_name, parent.text()),
                      {{"parent", parent_name}});
      if (!link.dialing_a_child && i > 0) {
        (void)log.write(EventId::failed_over,
                        fmt::format("Failed over: communication resumes through {} ({}); the "
                                    "primary {} will be probed every {} s.",
                                    parent_name, parent.text(), targets.front().text(),
                                    link.config->failback_interval_s),
                        {{"parent", parent_name}, {"primary", targets.front().text()}});
      } else if (!link.dialing_a_child && on_failover) {
        (void)log.write(
            EventId::failed_back,
            fmt::format("Failed back to the primary parent {} ({}).", parent_name, parent.text()),
            {{"parent", parent_name}});
      }
      if (!link.dialing_a_child) {
        asio::co_spawn(executor, probe_primary(session, link, parent, hosts),
                       close_on_failure(session, "probe of the primary parent"));
      }
      if (link.cookie && !link.cookie().empty()) {
        (void)log.write(EventId::config_out_of_date,
                        fmt::format("The configuration may be out of date after connecting to {}; "
                                    "the current state cookie '{}' was sent and an update is "
                                    "requested if it differs.",
                                    parent_name, link.cookie()),
                        {{"cookie", link.cookie()}});
      }
      if (link.on_connected) link.on_connected(session, parent);
      if (session->is_open()) {
        boost::system::error_code ignored;
        co_await closed.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      }
      lasted = std::chrono::steady_clock::now() - began;
      const auto now_targets = link.targets();
      on_failover = now_targets.empty() || !(now_targets.front() == parent);
      if (link.on_lost) link.on_lost();
      if (link.stopping()) co_return;
      (void)log.write(why.event,
                      fmt::format("The connection to {} closed: {}", parent_name, why.reason));
    }
    if (connected && lasted >= 2s) continue;  // lost after a while: try again at once
    if (!connected && !link.dialing_a_child && !unreachable.empty()) {
      (void)log.write(EventId::no_parent_left,
                      fmt::format("No parent could be reached ({}) and no failover parent is "
                                  "left; retrying.",
                                  list_text(unreachable)));
    }
    co_await pause(reconnect_delay(failed_rounds++, rng));
  }
}

}  // namespace outpost::channel
