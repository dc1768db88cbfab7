#include "core/node_document.hpp"

#include <fmt/format.h>

#include "core/config_reader.hpp"

namespace outpost {

std::string render_document(const NodeDocument& d) {
  std::string out = fmt::format(
      "# Composed by the configuration service for {}. Do not edit: the next update replaces "
      "it.\n[node]\ntarget = \"{}\"\n\n[parents]\nservers = [",
      d.target, d.target);
  for (std::size_t i = 0; i < d.parents.size(); ++i) {
    out += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", d.parents[i].text());
  }
  out += fmt::format("]\n\n[heartbeat]\ninterval_s = {}\nmissed_allowed = {}\n",
                     d.heartbeat_interval_s, d.heartbeat_missed_allowed);
  if (!d.collect.empty()) out += "\n" + d.collect;
  return out;
}

Result<NodeDocument> parse_document(std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view("configuration document"));
  } catch (const toml::parse_error& e) {
    return fail(
        std::string("the configuration document does not parse: ") + std::string(e.description()),
        "", EventId::config_invalid);
  }
  const detail::ConfigReader r(root, "configuration document");
  if (auto known = r.reject_unknown({{"node", {"target"}},
                                     {"parents", {"servers"}},
                                     {"heartbeat", {"interval_s", "missed_allowed"}},
                                     {"collect", {}}});
      !known) {
    return std::unexpected(known.error());
  }
  NodeDocument d;
  auto target = r.text("node", "target");
  if (!target) return std::unexpected(target.error());
  d.target = target->value_or("");
  auto servers = r.text_list("parents", "servers");
  if (!servers) return std::unexpected(servers.error());
  for (const auto& s : servers->value_or(std::vector<std::string>{})) {
    auto endpoint = parse_endpoint(s);
    if (!endpoint) return std::unexpected(r.bad_value("parents", "servers", s, "host:port"));
    d.parents.push_back(*endpoint);
  }
  auto interval = r.integer("heartbeat", "interval_s", 1, 86400);
  if (!interval) return std::unexpected(interval.error());
  d.heartbeat_interval_s = static_cast<int>(interval->value_or(d.heartbeat_interval_s));
  auto missed = r.integer("heartbeat", "missed_allowed", 1, 100);
  if (!missed) return std::unexpected(missed.error());
  d.heartbeat_missed_allowed = static_cast<int>(missed->value_or(d.heartbeat_missed_allowed));
  d.collect = detail::render_section(root, "collect");
  return d;
}

}  // namespace outpost
