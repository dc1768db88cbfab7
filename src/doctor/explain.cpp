#include "doctor/explain.hpp"

#include <fmt/format.h>

namespace outpost::doctor {

std::string connect_failure_reason(Cause cause, std::string_view os_message) {
  switch (cause) {
    case Cause::connection_refused:
      return "connection refused (nothing listens on the port, or a firewall rejects it)";
    case Cause::timed_out:
      return "timed out (a firewall drops the packets, or the host is down)";
    case Cause::host_unreachable:
      return fmt::format("no route to the host ({})", os_message);
    default:
      return std::string(os_message);
  }
}

bool is_tls_refusal(Cause cause) {
  switch (cause) {
    case Cause::peer_distrusts_our_issuer:
    case Cause::peer_refused_our_certificate:
    case Cause::peer_wants_a_certificate:
    case Cause::no_common_tls_version:
    case Cause::no_common_protocol:
      return true;
    default:
      return false;
  }
}

namespace {

// The remedy for a parent whose certificate does not carry the dialled name: first the mapping
// that sent this node to that address, then naming or reissuing the parent.
std::string name_mismatch_fix(const ParentFacts& parent, const LocalFacts& me) {
  std::string mapping;
  switch (parent.source) {
    case NameSource::hosts_table:
      mapping = fmt::format("correct [hosts] \"{}\" = \"{}\" in {} to the parent's address",
                            parent.host, parent.address, me.config_file);
      break;
    case NameSource::hosts_file:
      mapping = fmt::format("correct the line for {} in {} to the parent's address", parent.host,
                            parent.source_text);
      break;
    default:
      mapping = fmt::format("correct the DNS record of {} to the parent's address", parent.host);
      break;
  }
  return fmt::format(
      "{} resolved to {} ({}), and the computer there presents another name. If "
      "that computer is not the parent, {}. If it is the parent, name it in "
      "[parents] servers of {} by the FQDN in its certificate, or reissue its "
      "certificate with CN={}",
      parent.host, parent.address, parent.source_text, mapping, me.config_file, parent.host);
}

}  // namespace

Explanation explain_tls_failure(const Error& error, const ParentFacts& parent,
                                const LocalFacts& me) {
  const std::string& m = error.message;
  const std::string& parent_host = parent.host;
  switch (error.cause) {
    case Cause::peer_distrusts_our_issuer:
      return {fmt::format("the parent refused this node: it does not trust this node's issuer {} "
                          "({})",
                          me.issuer, m),
              fmt::format("on the parent {}, trust the CA that issued this node's certificate: "
                          "outpost cert trust --state PARENT-STATE-DIR ROOT-CA.crt (the root of "
                          "'{}')",
                          parent_host, me.issuer),
              EventId::closed_before_auth};
    case Cause::peer_refused_our_certificate:
      return {fmt::format("the parent refused this node's certificate ({})", m),
              "fix this node's certificate (check 7: both EKUs, valid now) and import it again; "
              "the parent's event log (20071/20072) says what it disliked",
              EventId::closed_before_auth};
    case Cause::peer_wants_a_certificate:
      return {fmt::format("the parent says this node presented no certificate ({})", m),
              fmt::format("import the channel certificate: outpost cert import --state {} --fqdn "
                          "{} ...",
                          me.state_dir, me.fqdn),
              EventId::closed_before_auth};
    case Cause::no_common_tls_version:
      return {fmt::format("no TLS protocol version in common with the parent ({})", m),
              "run TLS 1.3 on both ends (Outpost requires TLS 1.3 unless 1.2 is allowed)",
              EventId::closed_before_auth};
    case Cause::no_common_protocol:
      return {fmt::format("the parent does not speak the Outpost protocol ({})", m),
              fmt::format("check that [parents] servers in {} names the port of an outpost server "
                          "or gateway",
                          me.config_file),
              error.event == EventId::none ? EventId::alpn_refused : error.event};
    case Cause::peer_name_mismatch:
      return {fmt::format("this node refused the parent: its certificate does not carry the name "
                          "{} ({})",
                          parent_host, m),
              name_mismatch_fix(parent, me), EventId::remote_cert_untrusted};
    case Cause::peer_purpose_wrong:
      return {
          fmt::format("this node refused the parent's certificate: it lacks serverAuth ({})", m),
          "reissue the parent's certificate with both serverAuth and clientAuth",
          EventId::remote_cert_untrusted};
    case Cause::peer_root_impostor:  // never advise trusting that root
      return {fmt::format("the parent's root only bears the name of a trusted root ({})", m),
              "compare both SHA-256 fingerprints with your CA's out of band; if the parent's root "
              "is not the one your CA published, the parent is not who it claims to be",
              EventId::rogue_root_same_name};
    case Cause::peer_untrusted:
      return {fmt::format("this node does not trust the parent's certificate ({})", m),
              fmt::format("trust the parent's root CA here: outpost cert trust --state {} "
                          "PARENT-ROOT-CA.crt (and any intermediate)",
                          me.state_dir),
              EventId::remote_cert_untrusted};
    case Cause::timed_out:
      return {fmt::format("the TLS handshake did not complete in time ({})", m),
              "the parent accepted TCP but did not complete TLS: check that it is an Outpost "
              "node and not overloaded, and look at its event log",
              EventId::closed_before_auth};
    default:
      return {fmt::format("the connection closed during TLS ({})", m),
              fmt::format("look for the reason in the parent's event log: outpost events "
                          "--config PARENT.toml --id 20071 (and 20072); it names {}",
                          me.fqdn),
              error.event == EventId::none ? EventId::closed_before_auth : error.event};
  }
}

Explanation explain_admission_failure(const Error& error, bool gateway, const LocalFacts& me) {
  const std::string& m = error.message;
  if (error.cause != Cause::rejected) {
    if (error.event == EventId::cert_name_mismatch) {
      return {
          m,
          fmt::format("name the parent in [parents] servers of {} by its own FQDN", me.config_file),
          EventId::cert_name_mismatch};
    }
    return {fmt::format("the parent gave no verdict: {}", m),
            "look for the reason in the parent's event log (outpost events --config PARENT.toml "
            "--since 15m); a gateway refuses agents while its own server is unreachable",
            error.event == EventId::none ? EventId::closed_before_auth : error.event};
  }
  // The event the parent logged names the cause more precisely than the Reject code: a gateway
  // with another key is refused as "not approved" too.
  const EventId event =
      error.parent_event == EventId::none ? EventId::closed_after_auth : error.parent_event;
  if (event == EventId::gateway_key_mismatch) {
    return {m,
            fmt::format("the management server has {} bound to another key. If you renewed this "
                        "gateway's key on purpose: outpost gateway approve --config SERVER.toml "
                        "--gateway {} --rebind. If not, find out which computer holds that key",
                        me.fqdn, me.fqdn),
            event};
  }
  std::string fix;
  switch (static_cast<wire::RejectCode>(error.reject_code)) {
    case wire::REJECT_PENDING_APPROVAL:
      fix = fmt::format(
          "approve it on the management server: outpost agent approve {} --config "
          "SERVER.toml",
          me.fqdn);
      break;
    case wire::REJECT_NOT_APPROVED:
      fix = fmt::format(
          "approve the gateway on the management server: outpost gateway approve "
          "--config SERVER.toml --gateway {}",
          me.fqdn);
      break;
    case wire::REJECT_REJECTED:
      fix = fmt::format(
          "an operator or the admission policy rejected it; if it belongs here: "
          "outpost agent approve {} --config SERVER.toml",
          me.fqdn);
      break;
    case wire::REJECT_WRONG_MANAGEMENT_GROUP:
      fix = fmt::format(
          "set [node] management_group in {} to the parent's group (the reason "
          "names it)",
          me.config_file);
      break;
    case wire::REJECT_NAME_MISMATCH:
      fix = fmt::format("set [node] fqdn in {} to the name in this node's certificate",
                        me.config_file);
      break;
    case wire::REJECT_PROTOCOL_VERSION:
      fix = "run the same Outpost version on this node and its parent";
      break;
    case wire::REJECT_SHUTTING_DOWN:
      fix = "the parent is stopping; run outpost doctor again when it is back";
      break;
    default:
      fix = gateway ? "correct what the reason names, then look at the server's event log"
                    : "correct what the reason names";
      break;
  }
  return {m, std::move(fix), event};
}

}  // namespace outpost::doctor
