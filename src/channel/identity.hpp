// What a daemon needs before it can speak: its channel certificate (the one
// machine-settings.toml names, checked like an import), the trusted store, and TLS contexts for
// both directions. Logs 20053 when the certificate is loaded; fails with 20066 / 20068 / the
// failing check's event otherwise.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/event_log.hpp"
#include "net/tls.hpp"
#include "pki/stores.hpp"

namespace outpost::channel {

struct NodeTls {
  pki::ChannelCertificate certificate;
  std::vector<pki::Certificate> trusted;
  std::unique_ptr<net::asio::ssl::context> accepting;
  std::unique_ptr<net::asio::ssl::context> connecting;
};

[[nodiscard]] Result<NodeTls> load_node_tls(const NodeConfig& config, EventLog& log);

}  // namespace outpost::channel
