// The connecting side of a node (an agent, or a gateway towards its server): keeps one session
// to its parent. Dial, hello, heartbeats every interval the parent's Welcome names (else
// [heartbeat] interval_s) while connected; on any
// failure or loss the event is logged (21005, 21006, 21016, 20070, 20071, 20072, 30023) and the
// link retries with jittered exponential backoff (1 s doubling to 60 s, up to 25 % jitter).
// A Reject from the parent after the hello is logged as 20070 and ends the session.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <random>

#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"

namespace outpost::channel {

struct ParentLink {
  // The node's current connecting TLS context (a reload replaces it between attempts).
  std::function<asio::ssl::context&()> context;
  const NodeConfig* config = nullptr;  // hosts, heartbeat interval; owned by the daemon
  // Whom to dial: the configuration's parents, or the gateway a management server initiates to.
  std::function<std::vector<Endpoint>()> targets;
  LocalNode me;
  EventLog* log = nullptr;
  // A management server dialling a gateway (server-initiated): no heartbeats upward, no 21016.
  bool dialing_a_child = false;
  std::function<bool()> stopping;
  // Every message from the parent except keepalives and Reject.
  Session::MessageHandler on_message;
  std::function<void(const std::shared_ptr<Session>&, const Endpoint&)> on_connected;
  std::function<void()> on_lost;
};

// Sends this node's heartbeat every `interval` while the session is open.
[[nodiscard]] asio::awaitable<void> send_heartbeats(std::shared_ptr<Session> session,
                                                    std::string origin,
                                                    std::chrono::seconds interval);

// Runs until `link.stopping()` is true. Taken by value (a coroutine parameter).
[[nodiscard]] asio::awaitable<void> keep_parent_link(ParentLink link);

// 1 s, 2 s, 4 s ... 60 s for attempt 0, 1, 2 ..., each plus up to 25 % random jitter.
[[nodiscard]] std::chrono::milliseconds reconnect_delay(int attempt, std::mt19937& rng);

}  // namespace outpost::channel
