#include "pki/verify.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace outpost::pki {
namespace {

CheckResult renewal_check(const StatePaths& paths, const ChannelCertificate& channel,
                          const std::string& fqdn) {
  const Certificate& recorded = channel.entry.certificate;
  std::vector<std::string> newer;
  for (const auto& entry : load_personal(paths).entries) {
    if (entry.certificate.is_identity_of(fqdn) &&
        entry.certificate.not_before() > recorded.not_before()) {
      newer.push_back(
          fmt::format("{} (serial {}, valid from {})", entry.certificate_file.filename().string(),
                      entry.certificate.serial_hex(), format_utc(entry.certificate.not_before())));
    }
  }
  if (newer.empty()) {
    return CheckResult{"renewal",
                       Verdict::pass,
                       EventId::none,
                       "no newer certificate for this name waits in the personal store",
                       {}};
  }
  return CheckResult{
      "renewal", Verdict::warn, EventId::cert_not_found,
      fmt::format("the personal store holds a newer certificate for {} that is not the channel "
                  "certificate: {}",
                  fqdn, fmt::join(newer, "; ")),
      fmt::format("import the renewal: outpost cert import --state {} --fqdn {} --subject {}",
                  paths.root.string(), fqdn, fqdn)};
}

}  // namespace

std::vector<CheckResult> verify_channel_certificate(const StatePaths& paths,
                                                    const std::optional<std::string>& fqdn,
                                                    TimePoint now) {
  auto channel = load_channel_certificate(paths);
  if (!channel) {
    return {CheckResult{"recorded certificate", Verdict::fail, channel.error().event,
                        channel.error().message, channel.error().fix}};
  }
  const std::string name = fqdn.value_or(channel->settings.fqdn);
  std::vector<CheckResult> results{CheckResult{
      "recorded certificate",
      Verdict::pass,
      EventId::none,
      fmt::format("{} is in the personal store as {}", channel->entry.certificate.subject(),
                  channel->entry.certificate_file.filename().string()),
      {}}};
  TrustedStore trusted = load_trusted(paths);
  const CheckInput input{&channel->entry.certificate,
                         channel->key.get(),
                         channel->entry.intermediates,
                         std::move(trusted.certificates),
                         name,
                         now,
                         std::move(trusted.problems)};
  std::ranges::move(check_channel_certificate(input), std::back_inserter(results));
  results.push_back(renewal_check(paths, *channel, name));
  return results;
}

}  // namespace outpost::pki
