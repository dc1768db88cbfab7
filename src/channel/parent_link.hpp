// The connecting side of a node (an agent, or a gateway towards its server): keeps one session
// to its parent. Dial, hello, heartbeats every [heartbeat] interval_s while connected; on any
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
  asio::ssl::context* context = nullptr;  // the node's connecting TLS context
  NodeConfig config;                      // parents, hosts, heartbeat interval
  LocalNode me;
  EventLog* log = nullptr;
  std::function<bool()> stopping;
  // Every message from the parent except keepalives and Reject.
  Session::MessageHandler on_message;
  std::function<void(const std::shared_ptr<Session>&)> on_connected;
  std::function<void()> on_lost;
};

// Runs until `link.stopping()` is true. Taken by value (a coroutine parameter).
[[nodiscard]] asio::awaitable<void> keep_parent_link(ParentLink link);

// 1 s, 2 s, 4 s ... 60 s for attempt 0, 1, 2 ..., each plus up to 25 % random jitter.
[[nodiscard]] std::chrono::milliseconds reconnect_delay(int attempt, std::mt19937& rng);

}  // namespace outpost::channel
