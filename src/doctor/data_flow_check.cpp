// Check 11: the data flow of an agent, as the running agent reports it through its admin socket:
// how many items wait in its durable queue, how old the oldest is, when the last Ack came, and
// whether a cap dropped anything (2023, 2120).
#include <fmt/format.h>

#include "doctor/context.hpp"
#include "net/admin_socket.hpp"

namespace outpost::doctor {
namespace {

using namespace std::chrono_literals;

// Items older than this while nothing is acknowledged mean the data does not get through.
constexpr std::int64_t kStuckAfterS = 300;

}  // namespace

std::vector<Finding> check_data_flow(Context& c) {
  if (c.role == NodeRole::management_server) {
    return {passed("a management server writes data to its database; it has no queue")};
  }
  if (c.role == NodeRole::gateway) {
    return {
        passed("a gateway relays its agents' data without a queue of its own; run doctor on "
               "an agent to see its queue")};
  }
  const auto socket = net::admin_socket_path(c.config->state_dir);
  auto answer = net::admin_request(socket, {{"command", "status"}}, 3s);
  if (!answer) {
    if (answer.error().not_running) {
      return {
          warned(EventId::none,
                 fmt::format("the agent is not running (nothing answers on {}): nothing is "
                             "collected or sent",
                             socket.string()),
                 fmt::format("start it: outpost agent --config {}", c.options.config.string()))};
    }
    return {warned(EventId::none, "the agent did not answer: " + answer.error().error.describe(),
                   "look at outpost events --config " + c.options.config.string())};
  }
  const auto queue =
      answer->value("result", nlohmann::json::object()).value("queue", nlohmann::json{});
  if (!queue.is_object()) {
    return {warned(EventId::none, "the running agent reports no queue (an older version?)",
                   "restart the agent with this version")};
  }
  const auto depth = queue.value("depth", std::uint64_t{0});
  const auto oldest_s = queue.value("oldest_age_s", std::int64_t{0});
  const std::string last_ack = queue.value("last_ack", "");
  const auto evidence = fmt::format(
      "{} items queued ({} bytes), oldest {} s old; sequence {} acknowledged through {}; last "
      "ack {}",
      depth, queue.value("bytes", std::uint64_t{0}), oldest_s,
      queue.value("next_seq", std::uint64_t{1}) - 1, queue.value("acked_through", std::uint64_t{0}),
      last_ack.empty() ? "none since the agent started" : last_ack);
  std::vector<Finding> out;
  if (const auto n = queue.value("dropped_for_size", std::uint64_t{0}); n > 0) {
    out.push_back(warned(EventId::queue_over_size_cap,
                         fmt::format("{} items were dropped at the queue's byte cap", n),
                         "the data could not get out for too long: fix the connection, or raise "
                         "[queue] max_mb"));
  }
  if (const auto n = queue.value("dropped_for_age", std::uint64_t{0}); n > 0) {
    out.push_back(warned(EventId::queue_items_expired,
                         fmt::format("{} items were dropped at the queue's age cap", n),
                         "the data could not get out for too long: fix the connection, or raise "
                         "[queue] max_age_h"));
  }
  if (depth > 0 && oldest_s > kStuckAfterS) {
    out.push_back(failed(EventId::none, evidence + ": the data does not get through",
                         "the items are kept; fix what checks 8 and 9 name, and look at the "
                         "parent's connection to its management server (outpost status there)"));
  } else if (out.empty()) {
    out.push_back(passed(evidence));
  }
  return out;
}

}  // namespace outpost::doctor
