// The management server's side of the console and the REST API ([web], src/web): it opens the
// listener with the channel certificate (or [web] cert_file), gives the API its own database
// connections, and wires the API's changes to the same admin commands the command line sends,
// run on the server's thread with their side effects (ManagementServer::on_admin).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "server/admin_commands.hpp"
#include "server/management_server.hpp"

namespace outpost::server {

Result<void> ManagementServer::start_web() {
  const NodeConfig& config = node_->config();
  if (!config.web) return {};
  {
    const std::lock_guard lock(web_config_mutex_);
    web_config_ = std::make_shared<const NodeConfig>(config);
  }
  const auto& certificate = node_->certificate();
  auto tls = web::console_tls(*config.web, certificate.entry.certificate.get(),
                              certificate.key.get(), certificate.entry.intermediates);
  if (!tls) return std::unexpected(tls.error());
  web_pool_ = std::make_unique<web::StoragePool>(*config.database_url,
                                                 static_cast<std::size_t>(config.web->threads));
  web::Backend backend;
  backend.change = [this](nlohmann::json request) { return web_change(std::move(request)); };
  backend.query = [this](storage::Storage& db, const nlohmann::json& request) {
    std::shared_ptr<const NodeConfig> snapshot;
    {
      const std::lock_guard lock(web_config_mutex_);
      snapshot = web_config_;
    }
    return admin_command(db, *snapshot, request);
  };
  if (views_.computer) {
    backend.doctor = [this, file = config.file](const std::string& fqdn) {
      return views_.computer(file, fqdn);
    };
  }
  if (views_.refusal) {
    backend.refusal = [this, file = config.file,
                       group = config.management_group](const RefusalRecord& record) {
      return views_.refusal(record, file, group);
    };
  }
  api_ = std::make_unique<web::Api>(
      std::move(backend), *web_pool_,
      web::SessionPolicy{std::chrono::minutes(config.web->session_idle_min),
                         std::chrono::hours(config.web->session_max_h)},
      log_);
  auto server = web::WebServer::open(*config.web, std::move(*tls), *api_, log_);
  if (!server) return std::unexpected(server.error());
  web_ = std::move(*server);
  web_->start();
  return {};
}

void ManagementServer::web_config_reloaded() {
  const std::lock_guard lock(web_config_mutex_);
  if (web_config_) web_config_ = std::make_shared<const NodeConfig>(node_->config());
}

// Runs on the server's io_context whatever thread the API awaits from; the answer comes back to
// the API's connection.
asio::awaitable<nlohmann::json> ManagementServer::web_change(nlohmann::json request) {
  auto run = [this, request = std::move(request)]() -> asio::awaitable<nlohmann::json> {
    co_return on_admin(request);
  };
  auto answer = asio::co_spawn(io_, std::move(run), asio::use_awaitable);
  co_return co_await std::move(answer);
}

}  // namespace outpost::server
