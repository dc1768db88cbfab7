#include "doctor/refusal_advice.hpp"

#include <fmt/format.h>

#include "core/names.hpp"
#include "wire/frame.hpp"

namespace outpost::doctor {
namespace {

struct Facts {
  const RefusalRecord& r;
  std::string who;  // "agent1.lab.test" or "the computer at 127.0.0.9"
  const std::string& config;
  const std::string& group;
};

RefusalAdvice untrusted(const Facts& f) {
  const PresentedCertificate& c = f.r.last.certificate;
  const std::string& reporter = f.r.reporter;
  switch (f.r.last.key.cause) {
    case Cause::peer_issuer_unknown:
      return {fmt::format("its certificate was issued by '{}', which {} does not trust",
                          c.issuer.empty() ? "(unknown)" : c.issuer, reporter),
              fmt::format("issue {} a certificate from this group's CA and import it there "
                          "(outpost cert import); if '{}' is a CA of yours (compare its "
                          "fingerprint with your CA's out of band), trust its root on {} "
                          "(outpost cert trust --state STATE-DIR ROOT-CA.crt)",
                          f.who, c.issuer, reporter)};
    case Cause::peer_expired:
      return {c.empty() ? std::string("its certificate has expired")
                        : fmt::format("its certificate expired on {}", format_utc(c.not_after)),
              fmt::format("issue {} a new certificate and import it there (outpost cert import)",
                          f.who)};
    case Cause::peer_not_yet_valid:
      return {c.empty()
                  ? std::string("its certificate is not valid yet")
                  : fmt::format("its certificate is valid only from {}", format_utc(c.not_before)),
              fmt::format("check the clocks of {} and {} (NTP); the certificate was issued for "
                          "a later date",
                          f.who, reporter)};
    case Cause::peer_purpose_wrong:
      return {"its certificate lacks the extended key usage its role needs",
              fmt::format("issue {} a certificate with both serverAuth and clientAuth (outpost "
                          "ca issue does) and import it there",
                          f.who)};
    default:
      return {fmt::format("its certificate is not trusted by {}: {}", reporter, f.r.last.reason),
              fmt::format("check it against this group's CA on {} (outpost cert verify), then "
                          "issue it a certificate from that CA",
                          f.who)};
  }
}

RefusalAdvice closed_early(const Facts& f) {
  const std::string& reporter = f.r.reporter;
  switch (f.r.last.key.cause) {
    case Cause::peer_sent_no_certificate:
      return {"it presented no certificate",
              fmt::format("import a channel certificate on {} (outpost cert import)", f.who)};
    case Cause::peer_distrusts_our_issuer:
      return {fmt::format("it does not trust the CA of {}'s certificate", reporter),
              fmt::format("trust this group's root CA on {} (outpost cert trust --state "
                          "STATE-DIR ROOT-CA.crt)",
                          f.who)};
    case Cause::peer_refused_our_certificate:
      return {fmt::format("it refused {}'s certificate", reporter),
              fmt::format("its event log says why (20072); run outpost doctor on {}", f.who)};
    case Cause::no_common_tls_version:
      return {
          "it has no TLS version in common with this node",
          fmt::format("run TLS 1.3 on {} (or allow 1.2 on both: [tls] minimum_version)", f.who)};
    case Cause::timed_out:
      return {"it did not complete TLS and its hello in time ([limits] handshake_timeout_s)",
              fmt::format("a slow link or a client that is not Outpost; run outpost doctor on {}",
                          f.who)};
    case Cause::peer_closed:
      return {
          "it closed the connection before authentication (a port check, a scanner, or a "
          "peer that refused this node's certificate)",
          fmt::format("if {} is an Outpost node, run outpost doctor there: it says which "
                      "side refused and why",
                      f.who)};
    default:
      return {fmt::format("the connection closed before authentication: {}", f.r.last.reason),
              fmt::format("run outpost doctor on {}", f.who)};
  }
}

RefusalAdvice rejected(const Facts& f) {
  const RefusalObservation& o = f.r.last;
  const std::string name = is_valid_host_name(o.key.identity) ? o.key.identity : "NAME";
  if (o.key.event == EventId::gateway_key_mismatch) {
    return {"the gateway's certificate has another key than the one approved",
            fmt::format("if its key was renewed on purpose: outpost gateway approve --config {} "
                        "--gateway {} --rebind; if not, find out which computer holds that key",
                        f.config, name)};
  }
  switch (static_cast<wire::RejectCode>(o.reject_code)) {
    case wire::REJECT_PENDING_APPROVAL:
      return {"it is pending approval",
              fmt::format("outpost agent approve {} --config {}", name, f.config)};
    case wire::REJECT_NOT_APPROVED:
      return {"it is not an approved gateway",
              fmt::format("outpost gateway approve --config {} --gateway {}", f.config, name)};
    case wire::REJECT_REJECTED:
      return {
          "it was rejected (by an operator or the admission policy)",
          fmt::format("if it belongs here: outpost agent approve {} --config {}", name, f.config)};
    case wire::REJECT_WRONG_MANAGEMENT_GROUP:
      return {fmt::format("it asked for management group '{}'; this is '{}'", o.management_group,
                          f.group),
              fmt::format("set [node] management_group = \"{}\" in {}'s configuration, or point "
                          "it at a gateway of '{}'",
                          f.group, f.who, o.management_group)};
    case wire::REJECT_NAME_MISMATCH:
      return {fmt::format("its hello claims '{}' but its certificate names '{}'", name,
                          o.certificate.subject),
              "set [node] fqdn on that computer to the name in its certificate, or issue it a "
              "certificate for its name"};
    case wire::REJECT_PROTOCOL_VERSION:
      return {"it speaks another protocol version",
              fmt::format("run the same Outpost version on {} and {}", f.who, f.r.reporter)};
    case wire::REJECT_SHUTTING_DOWN:
      return {fmt::format("{} was stopping", f.r.reporter), "nothing: it reconnects by itself"};
    default:
      return {fmt::format("its hello was refused: {}", o.reason),
              fmt::format("run outpost doctor on {}", f.who)};
  }
}

}  // namespace

RefusalAdvice advise_refusal(const RefusalRecord& record, const std::string& server_config,
                             const std::string& management_group) {
  const RefusalKey& key = record.last.key;
  // A name goes into the advice (and its commands) only when it is a host name.
  std::string who = key.identity.empty() ? fmt::format("the computer at {}", key.source)
                    : is_valid_host_name(key.identity)
                        ? key.identity
                        : fmt::format("the computer at {} (its certificate names '{}')", key.source,
                                      key.identity);
  const Facts facts{record, std::move(who), server_config, management_group};
  if (key.cause == Cause::rejected) return rejected(facts);
  switch (key.event) {
    case EventId::preauth_budget_exceeded:
      return {"over the pre-authentication budget: refused at accept, before any TLS",
              fmt::format("if {} is legitimate (many agents behind one NAT address), raise "
                          "[limits] preauth_max_per_source on {}; if not, block it at the "
                          "firewall",
                          key.source, record.reporter)};
    case EventId::alpn_refused:
      return {"it does not speak the Outpost protocol (ALPN outpost/1)",
              fmt::format("point only Outpost agents and gateways at {}'s port; if {} is one, "
                          "run the same version",
                          record.reporter, facts.who)};
    case EventId::rogue_root_same_name:
      return {"its root CA only bears the name of a trusted root (another key)",
              fmt::format("do not trust that root; find out which computer at {} presents it, "
                          "and issue {} a certificate from this group's CA",
                          key.source, facts.who)};
    case EventId::remote_cert_untrusted:
      return untrusted(facts);
    case EventId::closed_before_auth:
      return closed_early(facts);
    default:
      return {fmt::format("refused: {}", record.last.reason),
              fmt::format("run outpost doctor on {}", facts.who)};
  }
}

}  // namespace outpost::doctor

namespace outpost::doctor {

std::string rejected_as(const RefusalObservation& o) {
  if (o.key.cause != Cause::rejected) return "";
  return wire::RejectCode_Name(static_cast<wire::RejectCode>(o.reject_code));
}

nlohmann::json refusal_json(const RefusalRecord& r, const RefusalAdvice& advice) {
  const RefusalObservation& o = r.last;
  nlohmann::json out{{"identity", o.key.identity},
                     {"source", o.key.source},
                     {"reporter", r.reporter},
                     {"event", number(o.key.event)},
                     {"cause", cause_name(o.key.cause)},
                     {"reject_code", o.reject_code},
                     {"reject", rejected_as(o)},
                     {"role", o.role},
                     {"management_group", o.management_group},
                     {"count", r.count},
                     {"first", format_utc(r.first)},
                     {"last", format_utc(r.latest)},
                     {"reason", o.reason},
                     {"meaning", advice.cause},
                     {"fix", advice.fix},
                     {"certificate", nullptr}};
  if (!o.certificate.empty()) {
    out["certificate"] = {{"subject", o.certificate.subject},
                          {"issuer", o.certificate.issuer},
                          {"serial", o.certificate.serial},
                          {"sha256", o.certificate.sha256},
                          {"not_before", format_utc(o.certificate.not_before)},
                          {"not_after", format_utc(o.certificate.not_after)}};
  }
  return out;
}

}  // namespace outpost::doctor
