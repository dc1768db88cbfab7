#include "core/error.hpp"

#include <utility>

namespace outpost {

namespace {

std::string sentence(const std::string& text) {
  if (text.empty() || text.back() == '.' || text.back() == '?' || text.back() == '!') {
    return text;
  }
  return text + '.';
}

constexpr std::pair<Cause, std::string_view> kCauseNames[] = {
    {Cause::unspecified, "unspecified"},
    {Cause::connection_refused, "connection_refused"},
    {Cause::host_unreachable, "host_unreachable"},
    {Cause::timed_out, "timed_out"},
    {Cause::peer_closed, "peer_closed"},
    {Cause::peer_distrusts_our_issuer, "peer_distrusts_our_issuer"},
    {Cause::peer_wants_a_certificate, "peer_wants_a_certificate"},
    {Cause::peer_refused_our_certificate, "peer_refused_our_certificate"},
    {Cause::no_common_tls_version, "no_common_tls_version"},
    {Cause::no_common_protocol, "no_common_protocol"},
    {Cause::peer_name_mismatch, "peer_name_mismatch"},
    {Cause::peer_purpose_wrong, "peer_purpose_wrong"},
    {Cause::peer_untrusted, "peer_untrusted"},
    {Cause::peer_issuer_unknown, "peer_issuer_unknown"},
    {Cause::peer_expired, "peer_expired"},
    {Cause::peer_not_yet_valid, "peer_not_yet_valid"},
    {Cause::peer_sent_no_certificate, "peer_sent_no_certificate"},
    {Cause::peer_root_impostor, "peer_root_impostor"},
    {Cause::rejected, "rejected"},
};

}  // namespace

std::string_view cause_name(Cause cause) {
  for (const auto& [value, name] : kCauseNames) {
    if (value == cause) return name;
  }
  return "unspecified";
}

Cause cause_from_name(std::string_view name) {
  for (const auto& [value, text] : kCauseNames) {
    if (text == name) return value;
  }
  return Cause::unspecified;
}

std::string Error::describe() const {
  if (fix.empty()) {
    return sentence(message);
  }
  return sentence(message) + " Fix: " + sentence(fix);
}

}  // namespace outpost
