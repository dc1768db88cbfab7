#include "channel/node_context.hpp"

#include <fmt/format.h>

namespace outpost::channel {
namespace {

// The first setting a reload cannot apply, or empty.
std::string needs_restart(const NodeConfig& before, const NodeConfig& after) {
  if (before.fqdn != after.fqdn) return "[node] fqdn";
  if (before.management_group != after.management_group) return "[node] management_group";
  if (before.state_dir != after.state_dir) return "[node] state_dir";
  if (before.listen != after.listen) return "[listen]";
  if (before.database_url != after.database_url) return "[database] url";
  if (before.server_initiates != after.server_initiates) return "[parents] server_initiates";
  return "";
}

}  // namespace

Result<NodeContext> NodeContext::load(NodeConfig config, EventLog& log) {
  auto tls = load_node_tls(config, log);
  if (!tls) return std::unexpected(tls.error());
  return NodeContext(std::move(config), std::make_shared<NodeTls>(std::move(*tls)));
}

bool NodeContext::reload(EventLog& log, const ConfigCheck& check) {
  const auto refuse = [&](const std::string& why) {
    (void)log.write(EventId::config_reload_failed,
                    "The reload failed; the previous configuration stays in effect: " + why);
    return false;
  };
  auto fresh = load_node_config(config_.file);
  if (!fresh) return refuse(fresh.error().describe());
  if (const std::string key = needs_restart(config_, *fresh); !key.empty()) {
    return refuse(fmt::format("{} changed in {}; restart the service to apply it", key,
                              config_.file.string()));
  }
  if (check) {
    if (auto checked = check(*fresh); !checked) return refuse(checked.error().describe());
  }
  auto tls = load_node_tls(*fresh, log);
  if (!tls) return refuse(tls.error().describe());
  retired_.push_back(std::move(tls_));
  tls_ = std::make_shared<NodeTls>(std::move(*tls));
  config_ = std::move(*fresh);
  (void)log.write(EventId::config_reloaded,
                  fmt::format("Reloaded {} and the channel certificate {}; connections stay up.",
                              config_.file.string(), tls_->certificate.entry.certificate.subject()),
                  {{"sha256", tls_->certificate.entry.certificate.sha256_hex()}});
  return true;
}

}  // namespace outpost::channel
