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
              "Issue a certificate whose CN or DNS subjectAltName is the computer's FQDN."},
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
              "The certification authority refused a certificate request.",
              "Create a new request with outpost cert request and sign that."},
    EventInfo{EventId::config_invalid, Level::error, "The configuration file is not valid.",
              "Correct the key the message names and start again."},
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
