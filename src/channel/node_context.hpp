// What every daemon holds of itself: its configuration and its TLS (channel certificate,
// trusted store, contexts for both directions), reloadable on SIGHUP. A reload re-reads the
// configuration file and the certificate stores; new connections use the new contexts, while
// connections already up keep theirs (the old contexts are retired, not freed). Settings that
// only a restart can change (identity, group, state directory, listen address, database) make
// the reload fail with 30025, and the daemon goes on as it was.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "channel/identity.hpp"

namespace outpost::channel {

class NodeContext {
 public:
  [[nodiscard]] static Result<NodeContext> load(NodeConfig config, EventLog& log);

  [[nodiscard]] const NodeConfig& config() const { return config_; }
  [[nodiscard]] const pki::ChannelCertificate& certificate() const { return tls_->certificate; }
  [[nodiscard]] const std::vector<pki::Certificate>& trusted() const { return tls_->trusted; }
  [[nodiscard]] net::asio::ssl::context& accepting() const { return *tls_->accepting; }
  [[nodiscard]] net::asio::ssl::context& connecting() const { return *tls_->connecting; }

  // Logs 30024 when the new configuration and certificate are in effect, 30025 (and changes
  // nothing) when they cannot be. `check` may refuse the new configuration (e.g. collection rules
  // that do not parse) before anything changes.
  using ConfigCheck = std::function<Result<void>(const NodeConfig&)>;
  bool reload(EventLog& log, const ConfigCheck& check = {});

 private:
  NodeContext(NodeConfig config, std::shared_ptr<NodeTls> tls)
      : config_(std::move(config)), tls_(std::move(tls)) {}

  NodeConfig config_;
  std::shared_ptr<NodeTls> tls_;
  std::vector<std::shared_ptr<NodeTls>> retired_;
};

}  // namespace outpost::channel
