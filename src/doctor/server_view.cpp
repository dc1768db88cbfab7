// `outpost doctor --config SERVER.toml --computer FQDN`: the management server's view of one
// computer, read from the operational database: known, approved or pending, the node it is
// connected through, its last heartbeat, its certificate's expiry, and whether this server
// resolves its name, and the connections of it the group refused. The one part of doctor that
// reads storage.
#include <filesystem>

#include <fmt/format.h>

#include "core/config.hpp"
#include "core/names.hpp"
#include "doctor/doctor.hpp"
#include "doctor/names.hpp"
#include "doctor/refusal_advice.hpp"
#include "pki/checks.hpp"
#include "storage/storage.hpp"

namespace outpost::doctor {
namespace {

constexpr std::string_view kSqlite = "sqlite://";

Finding numbered(int check, std::string name, Finding f) {
  f.check = check;
  f.name = std::move(name);
  return f;
}

Finding approval(const storage::Computer& c, const std::string& config) {
  const std::string role(storage::role_name(c.role));
  switch (c.approval) {
    case storage::Approval::approved:
      return passed(fmt::format("{} {} is approved", role, c.fqdn));
    case storage::Approval::pending:
      return failed(EventId::device_not_in_group,
                    fmt::format("{} {} is pending approval", role, c.fqdn),
                    fmt::format("outpost agent approve {} --config {}", c.fqdn, config));
    case storage::Approval::rejected:
      return failed(
          EventId::device_not_in_group, fmt::format("{} {} is rejected", role, c.fqdn),
          fmt::format("if it belongs here: outpost agent approve {} --config {}", c.fqdn, config));
  }
  return failed(EventId::none, "unknown approval", "");
}

// How long without a heartbeat the group allows before it reports a heartbeat failure.
std::chrono::seconds allowed_silence(const NodeConfig& config) {
  return std::chrono::seconds(config.heartbeat_interval_s) * (config.heartbeat_missed_allowed + 1);
}

bool heartbeating(const storage::Computer& c, const NodeConfig& config, TimePoint now) {
  return c.last_heartbeat && !c.said_goodbye() &&
         now - *c.last_heartbeat <= allowed_silence(config);
}

long seconds_since(TimePoint then, TimePoint now) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(now - then).count());
}

// Check 4: which node reports the computer now. The database knows only the node its last
// heartbeat came through, so "connected" is said only while heartbeats arrive, and only while
// that node itself heartbeats too.
Finding connection(const storage::Computer& c, storage::Storage& db, const NodeConfig& config,
                   TimePoint now) {
  if (c.said_goodbye()) {
    return warned(
        EventId::entity_not_heartbeating,
        fmt::format("not connected: its service stopped on purpose (it said goodbye); "
                    "last heartbeat {} s ago",
                    seconds_since(*c.last_heartbeat, now)),
        fmt::format("start it again on {} (outpost agent|gateway --config FILE)", c.fqdn));
  }
  if (c.parent.empty() || !c.last_heartbeat) {
    return warned(EventId::entity_not_heartbeating, "no node has reported it yet",
                  fmt::format("run outpost doctor on {}", c.fqdn));
  }
  const long ago = seconds_since(*c.last_heartbeat, now);
  const bool direct = c.parent == config.fqdn;
  const std::string through =
      direct ? fmt::format("directly to this server ({})", c.parent) : "through " + c.parent;
  if (!heartbeating(c, config, now)) {
    return warned(
        EventId::entity_not_heartbeating,
        fmt::format("not connected: no node reports it; its last heartbeat came {} {} s ago",
                    through, ago),
        direct ? fmt::format("run outpost doctor on {}", c.fqdn)
               : fmt::format("run outpost doctor on {}; outpost status --config GATEWAY.toml on "
                             "{} lists the agents connected to it",
                             c.fqdn, c.parent));
  }
  if (!direct) {  // the rule of the inventory's `unreachable`: a gateway that is down
    auto parent = db.computer(c.parent);
    if (parent && *parent && (*parent)->role == storage::Role::gateway &&
        !heartbeating(**parent, config, now)) {
      return warned(EventId::entity_unreachable,
                    fmt::format("its last heartbeat came through {} {} s ago, but {} itself is "
                                "not heartbeating: the agent is unreachable",
                                c.parent, ago, c.parent),
                    fmt::format("run outpost doctor --config GATEWAY.toml on {}", c.parent));
    }
  }
  return passed(fmt::format("connected {}: its last heartbeat came {} s ago", through, ago));
}

Finding heartbeat(const storage::Computer& c, const NodeConfig& config, TimePoint now) {
  if (!c.last_heartbeat) {
    return warned(EventId::entity_not_heartbeating, "no heartbeat received yet",
                  fmt::format("run outpost doctor on {} to see why it does not report", c.fqdn));
  }
  const std::string when =
      fmt::format("last heartbeat {} ({} s ago; expected every {} s, {} may be missed)",
                  format_utc(*c.last_heartbeat), seconds_since(*c.last_heartbeat, now),
                  config.heartbeat_interval_s, config.heartbeat_missed_allowed);
  if (c.said_goodbye()) {
    return failed(EventId::entity_not_heartbeating,
                  "heartbeat_failure: its service stopped on purpose (it said goodbye); " + when,
                  fmt::format("start it again on {}", c.fqdn));
  }
  if (!heartbeating(c, config, now)) {
    return failed(
        EventId::entity_not_heartbeating, "heartbeat_failure: " + when,
        fmt::format("run outpost doctor on {}{}", c.fqdn,
                    c.parent.empty() ? std::string() : fmt::format(" and on {}", c.parent)));
  }
  return passed(when);
}

Finding expiry(const storage::Computer& c, TimePoint now) {
  if (!c.certificate_not_after) {
    return skipped("no certificate recorded yet (it is recorded when the computer connects)");
  }
  const long days = days_until(*c.certificate_not_after, now);
  const std::string text =
      fmt::format("certificate SHA-256 {}… valid until {}", c.certificate_sha256.substr(0, 16),
                  format_utc(*c.certificate_not_after));
  if (now > *c.certificate_not_after) {
    return failed(
        EventId::cert_not_valid_now, text + ": expired",
        fmt::format("renew {}'s certificate and import it there (outpost cert import)", c.fqdn));
  }
  if (days < pki::kExpiryWarningDays) {
    return warned(EventId::cert_not_valid_now, fmt::format("{}: {} days left", text, days),
                  fmt::format("renew {}'s certificate and import it before it expires", c.fqdn));
  }
  return passed(fmt::format("{} ({} days left)", text, days));
}

Finding resolution(const std::string& fqdn, const NodeConfig& config, const Options& o) {
  const Resolver resolver{config.hosts, o.hosts_file, o.network};
  const Lookup found = resolver.forward(fqdn);
  if (found.answers.empty()) {
    return warned(EventId::parent_name_unresolved,
                  fmt::format("this server cannot resolve {}: {}", fqdn, found.error),
                  fmt::format("add {} to DNS or to [hosts] in {} (needed when the server "
                              "initiates the connection)",
                              fqdn, o.config.string()));
  }
  return passed(fmt::format("{} -> {} (answered by {})", fqdn, fmt::join(found.answers, ", "),
                            source_text(found.source, o.hosts_file)));
}

// Check 8: the connections of this computer that the group refused (its servers' own and its
// gateways' reports), by the name it claimed or its certificate named: a computer that was never
// admitted is found here. A refusal older than its last heartbeat is history, not the problem.
Finding refused(const std::string& fqdn, storage::Storage& db, const std::string& file,
                const NodeConfig& config, std::optional<TimePoint> last_heartbeat, TimePoint now) {
  constexpr auto kWindow = std::chrono::hours(24 * 7);
  storage::RefusalQuery query;
  query.identity = fqdn;
  query.since = now - kWindow;
  query.limit = 100;
  auto rows = db.refusals(query);
  if (!rows) return failed(EventId::database_error, rows.error().message, rows.error().fix);
  if (rows->empty()) return passed("no refused connection of it in the last 7 days");
  const RefusalRecord& r = rows->front();  // the newest
  const RefusalAdvice advice = advise_refusal(r, file, config.management_group);
  std::string text = fmt::format("{} refused it {} time{} from {} (last {}, event {}): {}",
                                 r.reporter, r.count, r.count == 1 ? "" : "s", r.last.key.source,
                                 format_utc(r.latest), number(r.last.key.event), advice.cause);
  if (rows->size() > 1) {
    text += fmt::format("; {} other kind{} of refusal: outpost refusals --config {} --computer {}",
                        rows->size() - 1, rows->size() == 2 ? "" : "s", file, fqdn);
  }
  if (last_heartbeat && r.latest < *last_heartbeat) {
    return passed("earlier, before its last heartbeat: " + text);
  }
  return failed(r.last.key.event, text, advice.fix);
}

}  // namespace

Report run_computer_view(const Options& o, const std::string& fqdn_given) {
  Report report;
  const std::string fqdn = canonical_host_name(fqdn_given);
  const std::string file = o.config.string();
  report.heading = fmt::format("{} as the management server sees it ({})", fqdn, file);
  auto config = load_node_config(o.config);
  if (!config) {
    report.findings.push_back(
        numbered(1, "configuration",
                 failed(EventId::config_invalid, config.error().message, config.error().fix)));
    return report;
  }
  const std::string url = config->database_url.value_or("");
  if (url.empty() || (url.starts_with(kSqlite) &&
                      !std::filesystem::exists(std::string_view(url).substr(kSqlite.size())))) {
    report.findings.push_back(numbered(
        1, "configuration",
        failed(EventId::config_invalid,
               url.empty() ? fmt::format("{} has no [database] url", file)
                           : fmt::format("the database {} does not exist", url),
               "pass the management server's configuration with --config (--computer runs on a "
               "management server)")));
    return report;
  }
  report.findings.push_back(
      numbered(1, "configuration",
               passed(fmt::format("management server {}, database {}", config->fqdn, url))));
  auto db = storage::open_storage(url);
  auto known = db ? (*db)->computer(fqdn) : std::unexpected(db.error());
  if (!known) {
    report.findings.push_back(numbered(
        2, "known", failed(EventId::database_error, known.error().message, known.error().fix)));
    return report;
  }
  if (!*known) {
    Finding refusals = refused(fqdn, **db, file, *config, std::nullopt, o.now);
    const std::string none =
        fmt::format("management group {} has no record of {}", config->management_group, fqdn);
    report.findings.push_back(numbered(
        2, "known",
        refusals.status == Status::fail
            ? warned(EventId::device_not_in_group,
                     none + ": it was never admitted, its connections were refused", "see check 8")
            : failed(EventId::device_not_in_group, none,
                     fmt::format("a gateway appears once approved (outpost gateway approve "
                                 "--config {} --gateway {}); an agent once it connects: run "
                                 "outpost doctor on {}",
                                 file, fqdn, fqdn))));
    report.findings.push_back(numbered(7, "name resolution", resolution(fqdn, *config, o)));
    report.findings.push_back(numbered(8, "refused connections", std::move(refusals)));
    return report;
  }
  const storage::Computer& c = **known;
  report.findings.push_back(
      numbered(2, "known",
               passed(fmt::format("{} {}, first seen {}", storage::role_name(c.role), c.fqdn,
                                  format_utc(c.first_seen)))));
  report.findings.push_back(numbered(3, "approval", approval(c, file)));
  report.findings.push_back(numbered(4, "connection", connection(c, **db, *config, o.now)));
  report.findings.push_back(numbered(5, "heartbeat", heartbeat(c, *config, o.now)));
  report.findings.push_back(numbered(6, "certificate", expiry(c, o.now)));
  report.findings.push_back(numbered(7, "name resolution", resolution(fqdn, *config, o)));
  report.findings.push_back(numbered(8, "refused connections",
                                     refused(fqdn, **db, file, *config, c.last_heartbeat, o.now)));
  return report;
}

}  // namespace outpost::doctor
