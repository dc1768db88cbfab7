// The configuration service's document (DESIGN §5): what a management server composes for one
// node — its parent list, primary first, and heartbeat settings — as TOML rendered in a fixed
// order, so that its SHA-256 (the state cookie) changes only when the content does. Parsing is
// strict like the node's own configuration file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"

namespace outpost {

struct NodeDocument {
  std::string target;             // the node's FQDN
  std::vector<Endpoint> parents;  // empty: the node keeps its own [parents]
  int heartbeat_interval_s = 60;
  int heartbeat_missed_allowed = 3;
  std::string collect;  // agents' [collect] section as TOML; "": the node keeps its own
  bool operator==(const NodeDocument&) const = default;
};

[[nodiscard]] std::string render_document(const NodeDocument& document);
[[nodiscard]] Result<NodeDocument> parse_document(std::string_view text);

}  // namespace outpost
