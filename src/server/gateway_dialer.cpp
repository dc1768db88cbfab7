#include "server/gateway_dialer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <fmt/format.h>

#include "channel/parent_link.hpp"

namespace outpost::server {

GatewayDialer::GatewayDialer(boost::asio::io_context& io, const channel::NodeContext& node,
                             EventLog& log, DialerHooks hooks,
                             std::shared_ptr<channel::BufferBudget> budget)
    : io_(io), node_(node), log_(log), hooks_(std::move(hooks)), budget_(std::move(budget)) {}

GatewayDialer::~GatewayDialer() {
  stop_all();
}

void GatewayDialer::stop_all() {
  for (auto& [fqdn, link] : links_) {
    *link.stop = true;
    if (auto session = link.session.lock()) session->close("the management server stops dialling");
  }
  links_.clear();
}

void GatewayDialer::refresh(const std::vector<storage::Computer>& computers) {
  std::map<std::string, const storage::Computer*> wanted;
  for (const auto& c : computers) {
    if (c.role == storage::Role::gateway && c.approval == storage::Approval::approved &&
        c.server_initiates && parse_endpoint(c.address)) {
      wanted[c.fqdn] = &c;
    }
  }
  for (auto it = links_.begin(); it != links_.end();) {
    const auto w = wanted.find(it->first);
    if (w != wanted.end() && w->second->address == it->second.address) {
      ++it;
      continue;
    }
    *it->second.stop = true;
    if (auto session = it->second.session.lock()) {
      session->close("the gateway's server-initiated approval was removed or changed");
    }
    it = links_.erase(it);
  }
  for (const auto& [fqdn, gateway] : wanted) {
    if (!links_.contains(fqdn)) start(*gateway);
  }
}

void GatewayDialer::start(const storage::Computer& gateway) {
  const Endpoint target = *parse_endpoint(gateway.address);
  auto stop = std::make_shared<bool>(false);
  links_[gateway.fqdn] = Link{gateway.address, stop, {}};
  const NodeConfig& config = node_.config();
  (void)log_.write(
      EventId::daemon_started,
      fmt::format("Dialling server-initiated gateway {} at {}.", gateway.fqdn, target.text()),
      {{"gateway", gateway.fqdn}});
  const std::string fqdn = gateway.fqdn;
  channel::ParentLink link{
      [this]() -> boost::asio::ssl::context& { return node_.connecting(); },
      &node_.config(),
      [target] { return std::vector<Endpoint>{target}; },
      channel::LocalNode{config.fqdn, config.management_group, wire::ROLE_MANAGEMENT_SERVER, ""},
      {},
      &log_,
      true,
      [stop] { return *stop; },
      hooks_.on_message,
      [this, fqdn, stop](const std::shared_ptr<channel::Session>& s, const Endpoint&) {
        if (s->peer().fqdn != fqdn) {  // an address answered by another computer
          (void)log_.write(EventId::cert_name_mismatch,
                           fmt::format("Dialled gateway {} but {} answered; check the address "
                                       "given to outpost gateway approve --address",
                                       fqdn, s->peer().fqdn));
          s->close("not the approved gateway");
          return;
        }
        if (auto it = links_.find(fqdn); it != links_.end() && !*stop) it->second.session = s;
        hooks_.on_connected(s);
      },
      [this, fqdn] { hooks_.on_lost(fqdn); },
      budget_,
      {}};  // no pushed heartbeat interval: a server sends no heartbeats to a gateway
  boost::asio::co_spawn(io_, channel::keep_parent_link(std::move(link)), boost::asio::detached);
}

}  // namespace outpost::server
