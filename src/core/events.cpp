#include "core/events.hpp"

#include <algorithm>
#include <array>
#include <cassert>

namespace outpost {
namespace {

constexpr std::array kCatalogue{
    EventInfo{EventId::queue_over_size_cap, Level::error,
              "The durable queue reached its size cap; items were dropped.",
              "Restore the link to the parent, or raise the queue's byte cap."},
    EventInfo{EventId::queue_items_expired, Level::error,
              "Items older than the queue's age cap were dropped.",
              "Restore the link to the parent, or raise the queue's age cap."},
    EventInfo{EventId::device_not_in_group, Level::warning,
              "A device that is not part of this management group tried to connect.",
              "Approve it (outpost gateway approve / outpost agent approve) if it belongs here."},
    EventInfo{EventId::device_wrong_group, Level::error,
              "A device of another management group tried to connect and was rejected.",
              "Correct [node] management_group on the device, or point it at its own group's "
              "servers."},
    EventInfo{EventId::device_not_authenticated, Level::error,
              "A device attempted to connect but could not be authenticated, and was rejected.",
              "Run outpost doctor on the device: its certificate, its issuer or its name is "
              "wrong."},
    EventInfo{EventId::entity_available, Level::info, "The computer is available again.", ""},
    EventInfo{EventId::entity_available_through, Level::info,
              "The computer is available again through a gateway.", ""},
    EventInfo{EventId::entity_not_heartbeating, Level::warning, "The computer is not heartbeating.",
              "Check that the computer and its Outpost service run; run outpost doctor there."},
    EventInfo{EventId::entity_unreachable, Level::warning,
              "The computer is not reachable because the gateway it reports through is "
              "unavailable.",
              "Restore the gateway, or give the computer a failover parent."},
    EventInfo{EventId::cert_eku_missing, Level::error,
              "Certificate refused: it must carry both Server Authentication (1.3.6.1.5.5.7.3.1) "
              "and Client Authentication (1.3.6.1.5.5.7.3.2) extended key usage.",
              "Issue a certificate with both extended key usages and import it again."},
    EventInfo{EventId::cert_not_valid_now, Level::error,
              "Certificate refused: it is not valid now (expired or not yet valid).",
              "Check the system clock; renew or re-issue the certificate and import it again."},
    EventInfo{EventId::cert_name_mismatch, Level::error,
              "Certificate refused: its subject name does not match this computer's FQDN.",
              "Issue a certificate whose subject CN is the computer's FQDN."},
    EventInfo{EventId::cert_loaded, Level::info,
              "The channel certificate was loaded (imported) successfully.", ""},
    EventInfo{EventId::cert_not_found, Level::error,
              "The configured channel certificate was not found in the personal store.",
              "Import the certificate again with outpost cert import; after a renewal the new "
              "certificate must be imported."},
    EventInfo{EventId::cert_no_private_key, Level::error,
              "The channel certificate has no usable private key.",
              "Import the certificate together with the private key it was issued for."},
    EventInfo{EventId::closed_after_auth, Level::error,
              "The peer closed the connection after authentication: this computer is not "
              "approved or not authorized.",
              "Approve this computer on the management server."},
    EventInfo{EventId::closed_before_auth, Level::error,
              "The connection closed before authentication completed.",
              "Run outpost doctor on both ends; check certificates and trust."},
    EventInfo{EventId::remote_cert_untrusted, Level::error,
              "The certificate is not trusted: its chain does not end in a trusted root.",
              "Add the issuing root (and intermediates) with outpost cert trust."},
    EventInfo{EventId::parent_name_unresolved, Level::error,
              "The parent's name could not be resolved.",
              "Fix DNS, or add the name to the [hosts] table of the configuration."},
    EventInfo{EventId::parent_connect_failed, Level::error, "Could not connect to the parent.",
              "Check that the parent runs and that the port is open on the path."},
    EventInfo{EventId::failed_over, Level::warning,
              "Failed over: communication resumes through another parent.",
              "Find out why the primary parent is unreachable."},
    EventInfo{EventId::no_parent_left, Level::error,
              "No parent could be reached and no failover parent is left.",
              "Restore a parent or configure failover parents."},
    EventInfo{EventId::failed_back, Level::info, "Failed back to the primary parent.", ""},
    EventInfo{EventId::config_none_requesting, Level::info,
              "No configuration yet; requesting it from the configuration service.", ""},
    EventInfo{EventId::config_out_of_date, Level::info,
              "Configuration may be out of date; requesting an update.", ""},
    EventInfo{EventId::config_received, Level::info, "New configuration received.", ""},
    EventInfo{EventId::cert_key_usage_missing, Level::error,
              "Certificate refused: its key usage lacks Digital Signature or Key Encipherment.",
              "Issue a certificate with key usage digitalSignature and keyEncipherment."},
    EventInfo{EventId::cert_key_too_weak, Level::error,
              "Certificate refused: its key is too weak or of an unsupported type.",
              "Issue a certificate with an RSA key of at least 2048 bits or an EC P-256/P-384 "
              "key."},
    EventInfo{EventId::cert_not_end_entity, Level::error,
              "Certificate refused: it is self-signed or a CA certificate, not a computer "
              "certificate issued by a CA.",
              "Issue the computer's certificate from a CA (outpost ca issue, or an enterprise "
              "CA)."},
    EventInfo{EventId::cert_file_unreadable, Level::error,
              "A certificate or key file could not be read.",
              "Check the path, the file format (PEM, DER or PKCS#12) and the password."},
    EventInfo{EventId::trusted_cert_added, Level::info,
              "A CA certificate was added to the trusted store.", ""},
    EventInfo{EventId::csr_refused, Level::error,
              "The certification authority refused a certificate request (unreadable, weak, "
              "asking for a CA, or naming more than its computer).",
              "Create a new request that names only the computer (outpost cert request) and "
              "sign that; sign extra names only on purpose, with --allow-extra-names."},
    EventInfo{EventId::ca_key_exposed, Level::error,
              "The CA's private key file can be read or written by other users; the ca command "
              "refuses to use it.",
              "Make the key owner-only (chmod 600 ca.key) and check who may have copied it."},
    EventInfo{EventId::cert_names_several, Level::warning,
              "The certificate names several computers (DNS names besides its subject CN). Only "
              "the subject CN identifies the computer; the other names prove nothing.",
              "Issue the computer a certificate that names only itself."},
    EventInfo{EventId::config_invalid, Level::error, "The configuration file is not valid.",
              "Correct the key the message names and start again."},
    EventInfo{EventId::role_conflict, Level::error,
              "An approval was refused: the name is already known in another role (an agent or a "
              "management server).",
              "Check the name; to change a computer's role on purpose, repeat the command with "
              "--change-role."},
    EventInfo{EventId::role_changed, Level::warning,
              "An operator changed a computer's role (--change-role).",
              "Make sure the computer's own configuration now names the new role."},
    EventInfo{EventId::admin_no_change, Level::warning,
              "An administrative command changed nothing (the computer was already in that "
              "state, or is not known).",
              "Check the name and the computer's state with outpost inventory."},
    EventInfo{EventId::pending_forgotten, Level::info,
              "An operator forgot a computer: its pending or rejected row was deleted.", ""},
    EventInfo{EventId::admission_name_invalid, Level::warning,
              "An admission request named something that is not a valid computer name; nothing "
              "was stored.",
              "Look at the gateway that sent it (the message names it): it may be compromised."},
    EventInfo{EventId::state_dir_missing, Level::error,
              "The state directory does not exist; an Outpost daemon never creates it.",
              "Create it owner-only (install -d -m 700 DIR) or correct [node] state_dir."},
    EventInfo{EventId::file_mode_tightened, Level::warning,
              "A database or secret file could be read by other users; its mode was set to "
              "owner-only.",
              "Check who may have read the file while it was open to others."},
    EventInfo{EventId::computer_unknown, Level::error,
              "A command named a computer that the management group does not know.",
              "Check the spelling against outpost inventory --config SERVER.toml."},
    EventInfo{EventId::command_line_invalid, Level::error,
              "The command line was not understood: an unknown option or subcommand, a missing "
              "required option, or a value that is not valid for its option.",
              "Correct the command line; outpost COMMAND --help lists the options."},
    EventInfo{EventId::daemon_started, Level::info, "The Outpost service started.", ""},
    EventInfo{EventId::daemon_stopped, Level::info, "The Outpost service stopped.", ""},
    EventInfo{EventId::peer_admitted, Level::info, "A connection was authenticated and admitted.",
              ""},
    EventInfo{EventId::peer_disconnected, Level::warning, "An admitted connection closed.",
              "If it does not come back, run outpost doctor on both ends."},
    EventInfo{EventId::config_reloaded, Level::info,
              "The configuration and the channel certificate were reloaded (SIGHUP).", ""},
    EventInfo{EventId::config_reload_failed, Level::error,
              "A reload (SIGHUP) failed; the service goes on with its previous configuration.",
              "Correct what the message names and send SIGHUP again."},
    EventInfo{EventId::parent_named_by_address, Level::error,
              "A parent is named by an IP address. Certificates name computers by FQDN, so the "
              "parent's certificate can never match and every connection to it is refused.",
              "Name the parent by the FQDN in its certificate; map that name to the address in "
              "DNS or in [hosts] if DNS does not have it."},
    EventInfo{EventId::daemon_not_running, Level::error,
              "A command needs a running Outpost service, and none answers on the node's admin "
              "socket.",
              "Start the service (outpost server|gateway|agent --config FILE) and look at outpost "
              "events --config FILE for why it stopped."},
    EventInfo{EventId::database_error, Level::error,
              "The operational database could not be read or written.",
              "SQLite: check the database file's permissions, its disk's free space, and its "
              "integrity. PostgreSQL: check that the server is reachable and that the user of "
              "[database] url may connect and write."},
    EventInfo{EventId::queue_write_failed, Level::error,
              "The durable queue cannot write: disk full or unwritable.",
              "Free space on the file system of the queue folder (<state_dir>/queue) or fix its "
              "permissions; items already queued are kept and appending resumes by itself."},
    EventInfo{EventId::queue_damaged, Level::warning,
              "The durable queue found damaged data on open (a write cut short by a crash or "
              "power loss) and cut it off.",
              "Nothing after a crash or power loss. Without one, check the disk."},
    EventInfo{EventId::data_gap, Level::warning,
              "Items of an origin never arrived: its queue dropped them at its caps.",
              "Look for 2023 or 2120 on that computer, and restore its link or raise its caps."},
    EventInfo{EventId::data_groomed, Level::info,
              "Data older than its retention was deleted (grooming).", ""},
    EventInfo{EventId::item_refused, Level::warning,
              "An item of a data batch was refused at ingest because its payload is not valid; "
              "it was acknowledged (so it is not resent) and the rest of the batch was stored.",
              "Look at the agent that sent it (the message names it and the field): a bad "
              "collector rule or a modified agent."},
    EventInfo{EventId::ingest_failed, Level::error,
              "A data batch could not be written because of an unexpected error; it was not "
              "acknowledged and the server keeps running.",
              "Read the message; the sender resends the batch. Report it if it repeats."},
    EventInfo{EventId::collect_source_unreadable, Level::warning,
              "A collector cannot read one of its sources (a log file, a /proc file, a mount "
              "point); it keeps trying.",
              "Check that the path exists and that the agent's user may read it, or correct "
              "[collect] in the configuration."},
    EventInfo{EventId::collect_read_stalled, Level::warning,
              "A collector's previous read has not finished by its next turn (a hung file "
              "system?); this turn is skipped.",
              "Look for a hung network file system (df hangs too) and list only the mounts to "
              "watch in [collect] mounts."},
    EventInfo{EventId::refusals_summarized, Level::warning,
              "Refused connections from one source were rate-limited: the first were logged, "
              "this event counts the rest.",
              "Find the source address in the message; block it or fix the computer there."},
    EventInfo{EventId::preauth_budget_exceeded, Level::warning,
              "Connections were refused at accept because the budget for unauthenticated "
              "connections (in total or per source address) was used up, or closed to make "
              "room for a newer one because they had sent nothing.",
              "If the sources are legitimate, raise [limits]; otherwise block them."},
    EventInfo{EventId::rogue_root_same_name, Level::error,
              "A peer's certificate chains to a root with the same name as a trusted root but a "
              "different key: it is not the trusted root.",
              "Compare both SHA-256 fingerprints with the CA's out of band; do not trust the "
              "peer's root unless it is the one your CA published."},
    EventInfo{EventId::log_rotated, Level::info,
              "A log file reached [log] max_file_mb and was rotated; the oldest file beyond "
              "[log] keep_files was deleted.",
              ""},
    EventInfo{EventId::alpn_refused, Level::error,
              "A connection was refused because the peer did not offer the Outpost protocol "
              "(ALPN outpost/1).",
              "Connect with an Outpost agent, gateway or server of a matching version."},
    EventInfo{EventId::refusal_report_refused, Level::warning,
              "A management server dropped a gateway's report of refused connections: it held "
              "more records than one report may carry, or the gateway sent more than a gateway "
              "does in 5 s.",
              "Run the same Outpost version on the gateway and its management servers; the "
              "gateway's own event log still has each refusal."},
    EventInfo{EventId::peer_over_buffer, Level::warning,
              "A connection was closed because it held more than its share of this node's "
              "buffered bytes: messages waited to be sent to a peer that does not read them.",
              "Look at the peer named in the message: overloaded, stopped or a slow network. "
              "If it is only slow, raise [limits] session_max_buffered_mb or "
              "daemon_max_buffered_mb."},
    EventInfo{EventId::relay_held_back, Level::warning,
              "A gateway stopped reading from its agents because its management server does not "
              "take what it relays fast enough; the agents keep their data queued meanwhile.",
              "Look at the management server and its database; if it stays slow, add a "
              "server or move agents to another gateway."},
    EventInfo{EventId::relay_resumed, Level::info,
              "A gateway resumed reading from its agents: its management server caught up.", ""},
    EventInfo{EventId::agent_proof_refused, Level::error,
              "A management server refused an agent behind a gateway: its certificate chain or "
              "its proof of possession of the key did not verify.",
              "Run outpost doctor on the agent; if the agent is fine, the gateway may be "
              "compromised."},
    EventInfo{EventId::relay_refused, Level::warning,
              "A gateway relayed a message for an agent whose proven session it does not hold; "
              "the message was dropped.",
              "Usually an agent that moved to another gateway; if it repeats, check the gateway "
              "the message names."},
    EventInfo{EventId::gateway_key_bound, Level::info,
              "An approved gateway connected for the first time; its key was bound to its "
              "approval.",
              ""},
    EventInfo{EventId::gateway_key_mismatch, Level::error,
              "A gateway was refused: its certificate's key is not the key bound to its "
              "approval.",
              "If the gateway's key was renewed on purpose, run outpost gateway approve "
              "--gateway NAME --rebind; otherwise something else is using the gateway's name."},
    EventInfo{EventId::parents_change_refused, Level::warning,
              "A change of a node's parent list was refused: none of the new parents is the one "
              "it is connected through or currently up, so it would be orphaned.",
              "Bring one of the new parents up first, keep the current parent in the list, or "
              "pass --force."},
    EventInfo{EventId::alert_opened, Level::warning,
              "A monitor of a computer left healthy: an alert opened.",
              "Look at the alert (outpost alerts show ID), fix the cause, or acknowledge it with "
              "outpost alerts ack ID."},
    EventInfo{EventId::alert_resolved, Level::info,
              "The monitor of an alert returned to healthy: the alert resolved itself.", ""},
    EventInfo{EventId::alert_changed_by_hand, Level::info,
              "An operator acknowledged or closed an alert.", ""},
    EventInfo{EventId::maintenance_changed, Level::info,
              "A computer entered or left maintenance mode.", ""},
    EventInfo{EventId::alert_evaluator_changed, Level::info,
              "This management server took over or gave up the evaluation of the management "
              "group's monitors (one server evaluates them at a time).",
              ""},
    EventInfo{EventId::notification_sent, Level::info,
              "A notification about an alert was delivered.", ""},
    EventInfo{EventId::notification_failed, Level::warning,
              "A notification about an alert could not be delivered; it will be retried.",
              "Check the subscription's command, URL or SMTP server named in the message; "
              "outpost alerts notifications shows every attempt."},
    EventInfo{EventId::notification_given_up, Level::error,
              "A notification about an alert could not be delivered after every retry.",
              "Fix the channel named in the message; the alert itself is still in outpost alerts "
              "list."},
    EventInfo{EventId::web_listening, Level::info,
              "The console and the REST API listen on the address in the message ([web]).", ""},
    EventInfo{EventId::web_unavailable, Level::error,
              "The console and the REST API could not start (the address is taken, the "
              "certificate or key cannot be used) or a request failed inside the server.",
              "Fix what the message names; the management server goes on without its console."},
    EventInfo{EventId::web_login_refused, Level::warning,
              "A console login was refused: the user name or the password is wrong.",
              "If it was not a user mistyping, look at the address in the message; outpost audit "
              "lists every attempt."},
    EventInfo{EventId::web_login_throttled, Level::warning,
              "A console login was refused without checking the password: too many failures "
              "from this address or for this user in the last 5 minutes.",
              "Wait; if the attempts are not yours, block the address named in the message."},
    EventInfo{EventId::web_request_invalid, Level::warning,
              "A REST API request was refused: a value of the wrong type or out of range, a "
              "body that is not JSON, or a method the resource does not have.",
              "Correct the request as the message says; /api/v1/openapi.json describes each one."},
    EventInfo{EventId::web_not_authenticated, Level::warning,
              "A REST API request came without a valid session or API token.",
              "Log in to the console, or send Authorization: Bearer with a token from outpost "
              "user token add."},
    EventInfo{EventId::web_forbidden, Level::warning,
              "A REST API request was refused: the user's role does not allow it, or a change "
              "came without the session's CSRF token.",
              "Ask an administrator for the role, or use the console (it sends the token)."},
    EventInfo{EventId::web_not_found, Level::warning, "A REST API request named nothing known.",
              "Check the name or id; /api/v1/openapi.json lists the resources."},
    EventInfo{EventId::web_request_too_large, Level::warning,
              "A REST API request was refused: its body or headers were larger than allowed.",
              "Send less, or raise [web] body_limit_kb."},
    EventInfo{EventId::web_user_changed, Level::info,
              "A console user was added, removed, or given a new password or role.", ""},
};

}  // namespace

std::span<const EventInfo> event_catalogue() {
  return kCatalogue;
}

const EventInfo& event_info(EventId id) {
  const auto* it = std::ranges::find(kCatalogue, id, &EventInfo::id);
  assert(it != kCatalogue.end() && "every EventId has a catalogue entry");
  return *it;
}

std::optional<EventId> event_id_from_number(int value) {
  const auto* it =
      std::ranges::find_if(kCatalogue, [&](const EventInfo& e) { return number(e.id) == value; });
  if (it == kCatalogue.end()) {
    return std::nullopt;
  }
  return it->id;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "error";
}

std::optional<Level> level_from_name(std::string_view name) {
  for (Level level : {Level::info, Level::warning, Level::error}) {
    if (level_name(level) == name) {
      return level;
    }
  }
  return std::nullopt;
}

}  // namespace outpost
