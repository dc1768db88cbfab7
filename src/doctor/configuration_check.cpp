// Check 10: the configuration this node received from the configuration service — its state
// cookie and when it came (21025) — or that none came yet (21023).
#include <fmt/format.h>

#include "channel/configuration.hpp"
#include "core/event_log.hpp"
#include "core/files.hpp"
#include "core/node_document.hpp"
#include "doctor/context.hpp"

namespace outpost::doctor {

std::vector<Finding> check_configuration_received(Context& c) {
  if (c.role == NodeRole::management_server) {
    return {passed("a management server composes configuration; it receives none")};
  }
  const auto file = c.config->state_dir / "configuration.toml";
  auto text = read_file(file);
  if (!text) {
    return {warned(EventId::config_none_requesting,
                   fmt::format("no configuration received yet ({} does not exist)", file.string()),
                   "it comes from the configuration service right after the parent admits this "
                   "node: fix what check 9 names, then look for 21025 in outpost events")};
  }
  auto document = parse_document(*text);
  if (!document) {
    return {failed(EventId::config_invalid,
                   fmt::format("{} is damaged: {}", file.string(), document.error().message),
                   "delete it; the node requests the configuration again when it connects")};
  }
  EventFilter filter;
  filter.id = number(EventId::config_received);
  std::string when = "(no 21025 in the event log)";
  if (auto log = read_events(c.config->state_dir, filter); log && !log->events.empty()) {
    when = "received " + format_utc(log->events.back().time);
  }
  std::string parents;
  for (const auto& p : document->parents)
    parents += (parents.empty() ? "" : ", ") + p.text();
  return {passed(fmt::format(
      "state cookie {} {}; parents: {}; heartbeat every {} s", channel::state_cookie(*text), when,
      parents.empty() ? "this node's own [parents]" : parents, document->heartbeat_interval_s))};
}

}  // namespace outpost::doctor
