// The SQLite backend's alerts, maintenance windows and leases (migration 0005).
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <fmt/format.h>

#include "storage/sqlite/sqlite_storage.hpp"
#include "storage/sqlite/sqlite_util.hpp"

namespace outpost::storage::sqlite {
namespace {

constexpr const char* kAlertColumns =
    "id, computer, monitor, severity, state, summary, opened_ms, last_seen_ms, ended_ms, active, "
    "repeat_count, owner, comment, newest_occurrence_ms";

Alert read_alert(SQLite::Statement& q) {
  Alert a;
  a.id = q.getColumn(0).getInt64();
  a.computer = q.getColumn(1).getString();
  a.monitor = q.getColumn(2).getString();
  a.severity = severity_from_name(q.getColumn(3).getString()).value_or(Severity::warning);
  a.state = alert_state_from_name(q.getColumn(4).getString()).value_or(AlertState::open);
  a.summary = q.getColumn(5).getString();
  a.opened = from_millis(q.getColumn(6).getInt64());
  a.last_seen = from_millis(q.getColumn(7).getInt64());
  if (!q.getColumn(8).isNull()) a.ended = from_millis(q.getColumn(8).getInt64());
  a.active = q.getColumn(9).getInt() != 0;
  a.repeat_count = q.getColumn(10).getInt64();
  a.owner = q.getColumn(11).getString();
  a.comment = q.getColumn(12).getString();
  a.newest_occurrence_ms = q.getColumn(13).getInt64();
  return a;
}

std::optional<Alert> select_alert(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement q(db, fmt::format("SELECT {} FROM alerts WHERE id = ?", kAlertColumns));
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_alert(q);
}

void add_history(SQLite::Database& db, std::int64_t id, TimePoint at, const std::string& actor,
                 const std::string& change, const std::string& detail) {
  SQLite::Statement q(
      db,
      "INSERT INTO alert_history (alert_id, at_ms, actor, change, detail) VALUES (?, ?, ?, ?, ?)");
  q.bind(1, id);
  q.bind(2, millis(at));
  q.bind(3, actor);
  q.bind(4, change);
  q.bind(5, detail);
  q.exec();
}

bool lease_held(SQLite::Database& db, const std::string& name, const std::string& holder,
                TimePoint now) {
  SQLite::Statement q(db, "SELECT 1 FROM leases WHERE name = ? AND holder = ? AND expires_ms > ?");
  q.bind(1, name);
  q.bind(2, holder);
  q.bind(3, millis(now));
  return q.executeStep();
}

void enqueue(SQLite::Database& db, std::int64_t alert_id,
             const std::vector<NotifyRequest>& requests) {
  for (const auto& r : requests) {
    SQLite::Statement q(db,
                        "INSERT INTO notifications (alert_id, subscription, event, seq, due_ms, "
                        "state) VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING");
    q.bind(1, alert_id);
    q.bind(2, r.subscription);
    q.bind(3, r.event);
    q.bind(4, r.seq);
    q.bind(5, millis(r.due));
    q.exec();
  }
}

constexpr const char* kNotificationColumns =
    "n.id, n.alert_id, n.subscription, n.event, n.seq, n.due_ms, n.state, n.attempts, "
    "n.last_error, n.done_ms";

Notification read_notification(SQLite::Database& db, SQLite::Statement& q) {
  Notification n;
  n.id = q.getColumn(0).getInt64();
  n.alert_id = q.getColumn(1).getInt64();
  n.subscription = q.getColumn(2).getString();
  n.event = q.getColumn(3).getString();
  n.seq = q.getColumn(4).getInt64();
  n.due = from_millis(q.getColumn(5).getInt64());
  n.state = delivery_state_from_name(q.getColumn(6).getString()).value_or(DeliveryState::pending);
  n.attempts = q.getColumn(7).getInt();
  n.last_error = q.getColumn(8).getString();
  if (!q.getColumn(9).isNull()) n.done = from_millis(q.getColumn(9).getInt64());
  if (auto alert = select_alert(db, n.alert_id)) n.alert = std::move(*alert);
  return n;
}

// One change; the alert it opened or resolved, if any.
std::optional<Alert> apply(SQLite::Database& db, const AlertChange& c, TimePoint now) {
  const std::string severity(severity_name(c.severity));
  switch (c.kind) {
    case AlertChange::Kind::open: {
      SQLite::Statement q(db,
                          "INSERT INTO alerts (computer, monitor, severity, state, summary, "
                          "opened_ms, last_seen_ms, active, repeat_count, newest_occurrence_ms) "
                          "VALUES (?, ?, ?, 'open', ?, ?, ?, 1, 0, ?) ON CONFLICT DO NOTHING");
      q.bind(1, c.computer);
      q.bind(2, c.monitor);
      q.bind(3, severity);
      q.bind(4, c.summary);
      q.bind(5, millis(now));
      q.bind(6, millis(now));
      q.bind(7, c.newest_occurrence_ms);
      if (q.exec() == 0) return std::nullopt;  // one is active already
      const auto id = db.getLastInsertRowid();
      add_history(db, id, now, "monitor", "opened", severity + ": " + c.summary);
      enqueue(db, id, c.notify);
      return select_alert(db, id);
    }
    case AlertChange::Kind::update: {
      auto before = select_alert(db, c.alert_id);
      if (!before || !before->active) return std::nullopt;
      SQLite::Statement q(db,
                          "UPDATE alerts SET severity = ?, summary = ?, last_seen_ms = ?, "
                          "repeat_count = repeat_count + ?, "
                          "newest_occurrence_ms = max(newest_occurrence_ms, ?) "
                          "WHERE id = ? AND active = 1");
      q.bind(1, severity);
      q.bind(2, c.summary);
      q.bind(3, millis(now));
      q.bind(4, c.repeats);
      q.bind(5, c.newest_occurrence_ms);
      q.bind(6, c.alert_id);
      q.exec();
      if (before->severity != c.severity) {
        add_history(db, c.alert_id, now, "monitor", "severity", severity + ": " + c.summary);
      }
      if (c.repeats > 0) {
        add_history(db, c.alert_id, now, "monitor", "repeated",
                    fmt::format("{} more: {}", c.repeats, c.summary));
      }
      enqueue(db, c.alert_id, c.notify);
      return std::nullopt;
    }
    case AlertChange::Kind::resolve:
    case AlertChange::Kind::release: {
      auto before = select_alert(db, c.alert_id);
      if (!before || !before->active) return std::nullopt;
      const bool resolves =
          before->state == AlertState::open || before->state == AlertState::acknowledged;
      SQLite::Statement q(
          db,
          "UPDATE alerts SET active = 0, state = CASE WHEN state IN ('open', "
          "'acknowledged') THEN 'resolved' ELSE state END, ended_ms = CASE WHEN "
          "state IN ('open', 'acknowledged') THEN ? ELSE ended_ms END WHERE id = ?");
      q.bind(1, millis(now));
      q.bind(2, c.alert_id);
      q.exec();
      if (!resolves) {  // closed by hand: the next failure opens a new alert
        add_history(db, c.alert_id, now, "monitor", "released", c.summary);
        return std::nullopt;
      }
      add_history(db, c.alert_id, now, "monitor", "resolved", c.summary);
      enqueue(db, c.alert_id, c.notify);
      return select_alert(db, c.alert_id);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<bool> SqliteStorage::hold_lease(const std::string& name, const std::string& holder,
                                       TimePoint now, std::chrono::milliseconds ttl) {
  return guarded(path_, "holding a lease", [&]() -> Result<bool> {
    SQLite::Statement q(*db_,
                        "INSERT INTO leases (name, holder, expires_ms) VALUES (?, ?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = "
                        "excluded.expires_ms WHERE leases.holder = excluded.holder OR "
                        "leases.expires_ms <= ?");
    q.bind(1, name);
    q.bind(2, holder);
    q.bind(3, millis(now + ttl));
    q.bind(4, millis(now));
    return q.exec() > 0;
  });
}

Result<std::optional<std::vector<Alert>>> SqliteStorage::apply_alert_changes(
    const std::string& lease, const std::string& holder, TimePoint now,
    const std::vector<AlertChange>& changes) {
  using Changed = std::optional<std::vector<Alert>>;
  return guarded(path_, "writing alerts", [&]() -> Result<Changed> {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (!lease_held(*db_, lease, holder, now)) return Changed{};
    std::vector<Alert> changed;
    for (const auto& change : changes) {
      if (auto alert = apply(*db_, change, now)) changed.push_back(std::move(*alert));
    }
    transaction.commit();
    return Changed{std::move(changed)};
  });
}

Result<std::vector<Alert>> SqliteStorage::alerts(const AlertQuery& query) {
  return guarded(path_, "reading alerts", [&]() -> Result<std::vector<Alert>> {
    std::string sql = fmt::format("SELECT {} FROM alerts WHERE 1 = 1", kAlertColumns);
    if (query.state) sql += " AND state = :state";
    if (query.active_only) sql += " AND active = 1";
    if (query.unresolved_only) sql += " AND state IN ('open', 'acknowledged')";
    if (query.severity) sql += " AND severity = :severity";
    if (!query.computer.empty()) sql += " AND computer = :computer";
    if (query.since) sql += " AND opened_ms >= :since";
    sql += " ORDER BY id DESC LIMIT :limit";
    SQLite::Statement q(*db_, sql);
    if (query.state) q.bind(":state", std::string(alert_state_name(*query.state)));
    if (query.severity) q.bind(":severity", std::string(severity_name(*query.severity)));
    if (!query.computer.empty()) q.bind(":computer", query.computer);
    if (query.since) q.bind(":since", millis(*query.since));
    q.bind(":limit", static_cast<std::int64_t>(query.limit));
    std::vector<Alert> out;
    while (q.executeStep())
      out.push_back(read_alert(q));
    return out;
  });
}

Result<std::optional<Alert>> SqliteStorage::alert(std::int64_t id) {
  return guarded(path_, "reading an alert",
                 [&]() -> Result<std::optional<Alert>> { return select_alert(*db_, id); });
}

Result<std::vector<AlertHistoryEntry>> SqliteStorage::alert_history(std::int64_t id) {
  return guarded(
      path_, "reading an alert's history", [&]() -> Result<std::vector<AlertHistoryEntry>> {
        SQLite::Statement q(*db_,
                            "SELECT at_ms, actor, change, detail FROM alert_history "
                            "WHERE alert_id = ? ORDER BY id");
        q.bind(1, id);
        std::vector<AlertHistoryEntry> out;
        while (q.executeStep()) {
          out.push_back({from_millis(q.getColumn(0).getInt64()), q.getColumn(1).getString(),
                         q.getColumn(2).getString(), q.getColumn(3).getString()});
        }
        return out;
      });
}

Result<std::optional<Alert>> SqliteStorage::set_alert_state(std::int64_t id, AlertState state,
                                                            const std::string& actor,
                                                            const std::string& comment,
                                                            TimePoint now) {
  return guarded(path_, "changing an alert", [&]() -> Result<std::optional<Alert>> {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    auto before = select_alert(*db_, id);
    if (!before) return std::nullopt;
    const bool allowed =
        (state == AlertState::acknowledged && before->state == AlertState::open) ||
        (state == AlertState::closed &&
         (before->state == AlertState::open || before->state == AlertState::acknowledged));
    if (!allowed) return before;
    SQLite::Statement q(*db_,
                        "UPDATE alerts SET state = ?, owner = ?, comment = ?, ended_ms = CASE "
                        "WHEN ? = 'closed' THEN ? ELSE ended_ms END WHERE id = ?");
    const std::string name(alert_state_name(state));
    q.bind(1, name);
    q.bind(2, actor);
    q.bind(3, comment);
    q.bind(4, name);
    q.bind(5, millis(now));
    q.bind(6, id);
    q.exec();
    add_history(*db_, id, now, actor, name, comment);
    auto after = select_alert(*db_, id);
    transaction.commit();
    return after;
  });
}

Result<std::optional<std::vector<Notification>>> SqliteStorage::due_notifications(
    const std::string& lease, const std::string& holder, TimePoint now, std::size_t limit) {
  using Due = std::optional<std::vector<Notification>>;
  return guarded(path_, "reading due notifications", [&]() -> Result<Due> {
    SQLite::Transaction transaction(*db_);
    if (!lease_held(*db_, lease, holder, now)) return Due{};
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM notifications n WHERE n.state = "
                                          "'pending' AND n.due_ms <= ? ORDER BY n.due_ms, n.id "
                                          "LIMIT ?",
                                          kNotificationColumns));
    q.bind(1, millis(now));
    q.bind(2, static_cast<std::int64_t>(limit));
    std::vector<Notification> out;
    while (q.executeStep())
      out.push_back(read_notification(*db_, q));
    transaction.commit();
    return Due{std::move(out)};
  });
}

Result<void> SqliteStorage::record_delivery(const Delivery& d) {
  return guarded(path_, "recording a notification", [&]() -> Result<void> {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const bool pending = d.state == DeliveryState::pending;
    SQLite::Statement q(*db_,
                        "UPDATE notifications SET state = ?1, attempts = attempts + ?2, last_error "
                        "= ?3, due_ms = CASE WHEN ?4 THEN ?5 ELSE due_ms END, done_ms = CASE WHEN "
                        "?4 THEN NULL ELSE ?6 END WHERE id = ?7 AND state = 'pending'");
    q.bind(1, std::string(delivery_state_name(d.state)));
    q.bind(2, d.state == DeliveryState::cancelled ? 0 : 1);
    q.bind(3, d.error);
    q.bind(4, pending ? 1 : 0);
    q.bind(5, millis(d.retry_at));
    q.bind(6, millis(d.at));
    q.bind(7, d.id);
    if (q.exec() > 0 && d.follow_up) {
      SQLite::Statement alert(*db_, "SELECT alert_id FROM notifications WHERE id = ?");
      alert.bind(1, d.id);
      if (alert.executeStep()) enqueue(*db_, alert.getColumn(0).getInt64(), {*d.follow_up});
    }
    transaction.commit();
    return {};
  });
}

Result<std::vector<Notification>> SqliteStorage::notifications(std::int64_t alert_id,
                                                               std::size_t limit) {
  return guarded(path_, "reading notifications", [&]() -> Result<std::vector<Notification>> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM notifications n WHERE (? = 0 OR "
                                          "n.alert_id = ?) ORDER BY n.id DESC LIMIT ?",
                                          kNotificationColumns));
    q.bind(1, alert_id);
    q.bind(2, alert_id);
    q.bind(3, static_cast<std::int64_t>(limit));
    std::vector<Notification> out;
    while (q.executeStep())
      out.push_back(read_notification(*db_, q));
    return out;
  });
}

Result<void> SqliteStorage::start_maintenance(const MaintenanceWindow& w) {
  return guarded(path_, "starting maintenance mode", [&]() -> Result<void> {
    SQLite::Statement q(
        *db_,
        "INSERT INTO maintenance VALUES (?, ?, ?, ?, ?) ON CONFLICT (computer) DO "
        "UPDATE SET started_ms = excluded.started_ms, until_ms = excluded.until_ms, "
        "reason = excluded.reason, by_whom = excluded.by_whom");
    q.bind(1, w.computer);
    q.bind(2, millis(w.started));
    q.bind(3, millis(w.until));
    q.bind(4, w.reason);
    q.bind(5, w.by);
    q.exec();
    return {};
  });
}

Result<bool> SqliteStorage::stop_maintenance(const std::string& computer) {
  return guarded(path_, "stopping maintenance mode", [&]() -> Result<bool> {
    SQLite::Statement q(*db_, "DELETE FROM maintenance WHERE computer = ?");
    q.bind(1, computer);
    return q.exec() > 0;
  });
}

Result<std::vector<MaintenanceWindow>> SqliteStorage::maintenance_windows(TimePoint now) {
  return guarded(
      path_, "reading maintenance windows", [&]() -> Result<std::vector<MaintenanceWindow>> {
        SQLite::Statement q(*db_,
                            "SELECT computer, started_ms, until_ms, reason, by_whom "
                            "FROM maintenance WHERE until_ms > ? ORDER BY computer");
        q.bind(1, millis(now));
        std::vector<MaintenanceWindow> out;
        while (q.executeStep()) {
          out.push_back({q.getColumn(0).getString(), from_millis(q.getColumn(1).getInt64()),
                         from_millis(q.getColumn(2).getInt64()), q.getColumn(3).getString(),
                         q.getColumn(4).getString()});
        }
        return out;
      });
}

}  // namespace outpost::storage::sqlite
