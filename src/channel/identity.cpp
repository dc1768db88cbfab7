#include "channel/identity.hpp"

#include <fmt/format.h>

#include "pki/checks.hpp"

namespace outpost::channel {

Result<NodeTls> load_node_tls(const NodeConfig& config, EventLog& log) {
  const pki::StatePaths paths{config.state_dir};
  auto channel = pki::load_channel_certificate(paths);
  if (!channel) {
    (void)log.write(channel.error().event, channel.error().describe());
    return std::unexpected(channel.error());
  }
  pki::TrustedStore trusted = pki::load_trusted(paths);
  const auto checks = pki::check_channel_certificate(
      {&channel->entry.certificate, channel->key.get(), channel->entry.intermediates,
       trusted.certificates, config.fqdn, Clock::now(), trusted.problems});
  for (const auto& check : checks) {
    if (check.verdict == pki::Verdict::pass) continue;
    const Error error{check.event,
                      fmt::format("channel certificate, {}: {}", check.name, check.detail),
                      check.fix};
    (void)log.write(check.event, error.describe());
    if (check.verdict == pki::Verdict::fail) return std::unexpected(error);
  }
  net::TlsIdentity identity{channel->entry.certificate.get(), {}, channel->key.get(), {}};
  for (const auto& c : channel->entry.intermediates)
    identity.chain.push_back(c.get());
  for (const auto& c : trusted.certificates)
    identity.trusted.push_back(c.get());
  const auto minimum = config.allow_tls12 ? net::TlsVersion::tls12 : net::TlsVersion::tls13;
  auto accepting = net::make_tls_context(identity, net::TlsSide::accepting, minimum);
  if (!accepting) return std::unexpected(accepting.error());
  auto connecting = net::make_tls_context(identity, net::TlsSide::connecting, minimum);
  if (!connecting) return std::unexpected(connecting.error());
  (void)log.write(
      EventId::cert_loaded,
      fmt::format("The channel certificate {} (serial {}) was loaded.",
                  channel->entry.certificate.subject(), channel->entry.certificate.serial_hex()),
      {{"sha256", channel->entry.certificate.sha256_hex()}});
  return NodeTls{std::move(*channel), std::move(trusted.certificates),
                 std::make_unique<net::asio::ssl::context>(std::move(*accepting)),
                 std::make_unique<net::asio::ssl::context>(std::move(*connecting))};
}

}  // namespace outpost::channel
