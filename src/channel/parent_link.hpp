// The connecting side of a node (an agent, or a gateway towards its servers): keeps one session
// to one of its parents, N-way (DESIGN §5). Each round tries the parents in order, primary
// first; a connect or TLS error moves on to the next parent at once (21005/21006/20071/20072
// and 20070 for each failure). Connected to a parent other than the primary it logs 21015 and
// probes the primary every [failover] failback_interval_s (a TLS handshake, nothing more); when
// the primary answers it drops the failover session and reconnects to the primary (21019). A
// round in which no parent answers logs 21016 and waits with jittered exponential backoff (1 s
// doubling to 60 s, up to 25 % jitter). A parent that sends nothing for [failover]
// dead_peer_timeout_s is given up (keepalives every quarter of that). While connected, the
// node's heartbeat goes up at the parent's interval with the node's state cookie.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>

#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"

namespace outpost::channel {

struct ParentLink {
  // The node's current connecting TLS context (a reload replaces it between attempts).
  std::function<asio::ssl::context&()> context;
  const NodeConfig* config = nullptr;  // hosts, heartbeat and failover settings; the daemon's
  // Whom to dial, primary first: the parents in force (received configuration or the file), or
  // the gateway a management server initiates to. Asked again before every round.
  std::function<std::vector<Endpoint>()> targets;
  LocalNode me;  // its config_cookie is replaced by `cookie()` at each attempt
  std::function<std::string()> cookie;
  EventLog* log = nullptr;
  // A management server dialling a gateway (server-initiated): no heartbeats upward, no 21016,
  // 21015 or 21019.
  bool dialing_a_child = false;
  std::function<bool()> stopping;
  // Every message from the parent except keepalives and Reject.
  Session::MessageHandler on_message;
  std::function<void(const std::shared_ptr<Session>&, const Endpoint&)> on_connected;
  std::function<void()> on_lost;
  std::shared_ptr<BufferBudget> budget;  // the daemon's, shared with its other sessions; or none
  // The heartbeat interval the configuration service pushed, once it did: it outranks the one
  // the parent's Welcome offers (a gateway offers the group's too, but a node may connect
  // before its parent has one). Empty: the Welcome's.
  std::function<std::optional<int>()> pushed_interval;
};

// Runs until `link.stopping()` is true. Taken by value (a coroutine parameter).
[[nodiscard]] asio::awaitable<void> keep_parent_link(ParentLink link);

// Sends this node's heartbeat, with its cookie, every `interval()` while the session is open.
[[nodiscard]] asio::awaitable<void> send_heartbeats(std::shared_ptr<Session> session,
                                                    std::string origin,
                                                    std::function<std::string()> cookie,
                                                    std::function<std::chrono::seconds()> interval);

// 1 s, 2 s, 4 s ... 60 s for attempt 0, 1, 2 ..., each plus up to 25 % random jitter.
[[nodiscard]] std::chrono::milliseconds reconnect_delay(int attempt, std::mt19937& rng);

}  // namespace outpost::channel
