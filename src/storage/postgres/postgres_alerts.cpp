// The PostgreSQL backend's alerts, maintenance windows and leases (migration 0005). Writing an
// evaluation's changes locks the lease row first (SELECT ... FOR UPDATE): a server whose lease
// another server is taking over cannot write alongside it.
#include <chrono>

#include <fmt/format.h>

#include "storage/postgres/postgres_storage.hpp"

namespace outpost::storage::postgres {
namespace {

constexpr const char* kAlertColumns =
    "id, computer, monitor, severity, state, summary, opened_ms, last_seen_ms, ended_ms, active, "
    "repeat_count, owner, comment, newest_occurrence_ms";

Alert read_alert(const Rows& rows, int r) {
  Alert a;
  a.id = rows.integer(r, 0);
  a.computer = rows.text(r, 1);
  a.monitor = rows.text(r, 2);
  a.severity = severity_from_name(rows.text(r, 3)).value_or(Severity::warning);
  a.state = alert_state_from_name(rows.text(r, 4)).value_or(AlertState::open);
  a.summary = rows.text(r, 5);
  a.opened = from_ms(rows.integer(r, 6));
  a.last_seen = from_ms(rows.integer(r, 7));
  if (!rows.is_null(r, 8)) a.ended = from_ms(rows.integer(r, 8));
  a.active = rows.boolean(r, 9);
  a.repeat_count = rows.integer(r, 10);
  a.owner = rows.text(r, 11);
  a.comment = rows.text(r, 12);
  a.newest_occurrence_ms = rows.integer(r, 13);
  return a;
}

Result<std::optional<Alert>> select_alert(Connection& conn, std::int64_t id) {
  auto rows =
      conn.exec("reading an alert",
                fmt::format("SELECT {} FROM alerts WHERE id = $1::bigint", kAlertColumns).c_str(),
                {std::to_string(id)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->size() == 0) return std::optional<Alert>{};
  return std::optional<Alert>{read_alert(*rows, 0)};
}

Result<void> add_history(Connection& conn, std::int64_t id, TimePoint at, const std::string& actor,
                         const std::string& change, const std::string& detail) {
  auto done = conn.exec("recording an alert's history",
                        "INSERT INTO alert_history (alert_id, at_ms, actor, change, detail) VALUES "
                        "($1::bigint, $2::bigint, $3::text, "
                        "$4::text, $5::text)",
                        {std::to_string(id), ms_text(at), actor, change, detail});
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<void> enqueue(Connection& conn, std::int64_t alert_id,
                     const std::vector<NotifyRequest>& requests) {
  for (const auto& r : requests) {
    auto done = conn.exec(
        "queueing a notification",
        "INSERT INTO notifications (alert_id, subscription, event, seq, due_ms, "
        "state) VALUES ($1::bigint, $2::text, $3::text, $4::bigint, $5::bigint, "
        "'pending') ON CONFLICT DO NOTHING",
        {std::to_string(alert_id), r.subscription, r.event, std::to_string(r.seq), ms_text(r.due)});
    if (!done) return std::unexpected(done.error());
  }
  return {};
}

constexpr const char* kNotificationColumns =
    "n.id, n.alert_id, n.subscription, n.event, n.seq, n.due_ms, n.state, n.attempts, "
    "n.last_error, n.done_ms";

Result<std::vector<Notification>> read_notifications(Connection& conn, const Rows& rows) {
  std::vector<Notification> out;
  for (int r = 0; r < rows.size(); ++r) {
    Notification n;
    n.id = rows.integer(r, 0);
    n.alert_id = rows.integer(r, 1);
    n.subscription = rows.text(r, 2);
    n.event = rows.text(r, 3);
    n.seq = rows.integer(r, 4);
    n.due = from_ms(rows.integer(r, 5));
    n.state = delivery_state_from_name(rows.text(r, 6)).value_or(DeliveryState::pending);
    n.attempts = static_cast<int>(rows.integer(r, 7));
    n.last_error = rows.text(r, 8);
    if (!rows.is_null(r, 9)) n.done = from_ms(rows.integer(r, 9));
    auto alert = select_alert(conn, n.alert_id);
    if (!alert) return std::unexpected(alert.error());
    if (*alert) n.alert = std::move(**alert);
    out.push_back(std::move(n));
  }
  return out;
}

// One change; the alert it opened or resolved, if any.
Result<std::optional<Alert>> apply(Connection& conn, const AlertChange& c, TimePoint now) {
  using Changed = std::optional<Alert>;
  const std::string severity(severity_name(c.severity));
  switch (c.kind) {
    case AlertChange::Kind::open: {
      auto rows = conn.exec("opening an alert",
                            "INSERT INTO alerts (computer, monitor, severity, state, summary, "
                            "opened_ms, last_seen_ms, active, repeat_count, newest_occurrence_ms) "
                            "VALUES ($1::text, $2::text, $3::text, 'open', $4::text, $5::bigint, "
                            "$5::bigint, true, 0, $6::bigint) ON CONFLICT DO NOTHING RETURNING id",
                            {c.computer, c.monitor, severity, c.summary, ms_text(now),
                             std::to_string(c.newest_occurrence_ms)});
      if (!rows) return std::unexpected(rows.error());
      if (rows->size() == 0) return Changed{};  // one is active already
      const auto id = rows->integer(0, 0);
      if (auto ok = add_history(conn, id, now, "monitor", "opened", severity + ": " + c.summary);
          !ok) {
        return std::unexpected(ok.error());
      }
      if (auto ok = enqueue(conn, id, c.notify); !ok) return std::unexpected(ok.error());
      return select_alert(conn, id);
    }
    case AlertChange::Kind::update: {
      auto before = select_alert(conn, c.alert_id);
      if (!before) return std::unexpected(before.error());
      if (!*before || !(*before)->active) return Changed{};
      auto done = conn.exec("updating an alert",
                            "UPDATE alerts SET severity = $1::text, summary = $2::text, "
                            "last_seen_ms = $3::bigint, repeat_count = repeat_count + $4::bigint, "
                            "newest_occurrence_ms = GREATEST(newest_occurrence_ms, $6::bigint) "
                            "WHERE id = $5::bigint AND active",
                            {severity, c.summary, ms_text(now), std::to_string(c.repeats),
                             std::to_string(c.alert_id), std::to_string(c.newest_occurrence_ms)});
      if (!done) return std::unexpected(done.error());
      if ((*before)->severity != c.severity) {
        auto ok =
            add_history(conn, c.alert_id, now, "monitor", "severity", severity + ": " + c.summary);
        if (!ok) return std::unexpected(ok.error());
      }
      if (c.repeats > 0) {
        auto ok = add_history(conn, c.alert_id, now, "monitor", "repeated",
                              fmt::format("{} more: {}", c.repeats, c.summary));
        if (!ok) return std::unexpected(ok.error());
      }
      if (auto ok = enqueue(conn, c.alert_id, c.notify); !ok) return std::unexpected(ok.error());
      return Changed{};
    }
    case AlertChange::Kind::resolve:
    case AlertChange::Kind::release: {
      auto before = select_alert(conn, c.alert_id);
      if (!before) return std::unexpected(before.error());
      if (!*before || !(*before)->active) return Changed{};
      const bool resolves =
          (*before)->state == AlertState::open || (*before)->state == AlertState::acknowledged;
      auto done = conn.exec("resolving an alert",
                            "UPDATE alerts SET active = false, state = CASE WHEN state IN "
                            "('open', 'acknowledged') THEN 'resolved' ELSE state END, ended_ms = "
                            "CASE WHEN state IN ('open', 'acknowledged') THEN $1::bigint ELSE "
                            "ended_ms END WHERE id = $2::bigint",
                            {ms_text(now), std::to_string(c.alert_id)});
      if (!done) return std::unexpected(done.error());
      if (!resolves) {  // closed by hand: the next failure opens a new alert
        auto ok = add_history(conn, c.alert_id, now, "monitor", "released", c.summary);
        if (!ok) return std::unexpected(ok.error());
        return Changed{};
      }
      if (auto ok = add_history(conn, c.alert_id, now, "monitor", "resolved", c.summary); !ok) {
        return std::unexpected(ok.error());
      }
      if (auto ok = enqueue(conn, c.alert_id, c.notify); !ok) return std::unexpected(ok.error());
      return select_alert(conn, c.alert_id);
    }
  }
  return Changed{};
}

}  // namespace

Result<bool> PostgresStorage::hold_lease(const std::string& name, const std::string& holder,
                                         TimePoint now, std::chrono::milliseconds ttl) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = conn.exec("holding a lease",
                          "INSERT INTO leases (name, holder, expires_ms) VALUES ($1::text, "
                          "$2::text, $3::bigint) ON CONFLICT (name) DO UPDATE SET holder = "
                          "excluded.holder, expires_ms = excluded.expires_ms WHERE leases.holder = "
                          "excluded.holder OR leases.expires_ms <= $4::bigint",
                          {name, holder, ms_text(now + ttl), ms_text(now)});
    if (!done) return std::unexpected(done.error());
    return done->affected() > 0;
  });
}

Result<std::optional<std::vector<Alert>>> PostgresStorage::apply_alert_changes(
    const std::string& lease, const std::string& holder, TimePoint now,
    const std::vector<AlertChange>& changes) {
  using Changed = std::optional<std::vector<Alert>>;
  return locked([&](Connection& conn) -> Result<Changed> {
    auto tx = Transaction::begin(conn);
    if (!tx) return std::unexpected(tx.error());
    auto held = conn.exec("checking the alert lease",
                          "SELECT 1 FROM leases WHERE name = $1::text AND holder = $2::text AND "
                          "expires_ms > $3::bigint FOR UPDATE",
                          {lease, holder, ms_text(now)});
    if (!held) return std::unexpected(held.error());
    if (held->size() == 0) return Changed{};
    std::vector<Alert> changed;
    for (const auto& change : changes) {
      auto alert = apply(conn, change, now);
      if (!alert) return std::unexpected(alert.error());
      if (*alert) changed.push_back(std::move(**alert));
    }
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return Changed{std::move(changed)};
  });
}

Result<std::vector<Alert>> PostgresStorage::alerts(const AlertQuery& query) {
  return locked([&](Connection& conn) -> Result<std::vector<Alert>> {
    const std::string sql = fmt::format(
        "SELECT {} FROM alerts WHERE ($1::text = '' OR state = $1::text) AND (NOT $2::boolean OR "
        "active) AND (NOT $3::boolean OR state IN ('open', 'acknowledged')) AND ($4::text = '' "
        "OR severity = $4::text) AND ($5::text = '' OR computer = $5::text) AND opened_ms >= "
        "$6::bigint ORDER BY id DESC LIMIT $7::bigint",
        kAlertColumns);
    auto rows = conn.exec(
        "reading alerts", sql.c_str(),
        {query.state ? std::string(alert_state_name(*query.state)) : "",
         query.active_only ? "true" : "false", query.unresolved_only ? "true" : "false",
         query.severity ? std::string(severity_name(*query.severity)) : "", query.computer,
         query.since ? ms_text(*query.since) : "0", std::to_string(query.limit)});
    if (!rows) return std::unexpected(rows.error());
    std::vector<Alert> out;
    for (int r = 0; r < rows->size(); ++r)
      out.push_back(read_alert(*rows, r));
    return out;
  });
}

Result<std::optional<Alert>> PostgresStorage::alert(std::int64_t id) {
  return locked([&](Connection& conn) { return select_alert(conn, id); });
}

Result<std::vector<AlertHistoryEntry>> PostgresStorage::alert_history(std::int64_t id) {
  return locked([&](Connection& conn) -> Result<std::vector<AlertHistoryEntry>> {
    auto rows = conn.exec("reading an alert's history",
                          "SELECT at_ms, actor, change, detail FROM alert_history WHERE alert_id = "
                          "$1::bigint ORDER BY id",
                          {std::to_string(id)});
    if (!rows) return std::unexpected(rows.error());
    std::vector<AlertHistoryEntry> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back(
          {from_ms(rows->integer(r, 0)), rows->text(r, 1), rows->text(r, 2), rows->text(r, 3)});
    }
    return out;
  });
}

Result<std::optional<Alert>> PostgresStorage::set_alert_state(std::int64_t id, AlertState state,
                                                              const std::string& actor,
                                                              const std::string& comment,
                                                              TimePoint now) {
  using Changed = std::optional<Alert>;
  return locked([&](Connection& conn) -> Result<Changed> {
    auto tx = Transaction::begin(conn);
    if (!tx) return std::unexpected(tx.error());
    auto locked_row =
        conn.exec("changing an alert", "SELECT state FROM alerts WHERE id = $1::bigint FOR UPDATE",
                  {std::to_string(id)});
    if (!locked_row) return std::unexpected(locked_row.error());
    if (locked_row->size() == 0) return Changed{};
    const auto before = alert_state_from_name(locked_row->text(0, 0));
    const bool allowed = (state == AlertState::acknowledged && before == AlertState::open) ||
                         (state == AlertState::closed &&
                          (before == AlertState::open || before == AlertState::acknowledged));
    if (allowed) {
      const std::string name(alert_state_name(state));
      auto done = conn.exec("changing an alert",
                            "UPDATE alerts SET state = $1::text, owner = $2::text, comment = "
                            "$3::text, ended_ms = CASE WHEN $1::text = 'closed' THEN $4::bigint "
                            "ELSE ended_ms END WHERE id = $5::bigint",
                            {name, actor, comment, ms_text(now), std::to_string(id)});
      if (!done) return std::unexpected(done.error());
      if (auto ok = add_history(conn, id, now, actor, name, comment); !ok) {
        return std::unexpected(ok.error());
      }
    }
    auto after = select_alert(conn, id);
    if (!after) return std::unexpected(after.error());
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return *after;
  });
}

Result<std::optional<std::vector<Notification>>> PostgresStorage::due_notifications(
    const std::string& lease, const std::string& holder, TimePoint now, std::size_t limit) {
  using Due = std::optional<std::vector<Notification>>;
  return locked([&](Connection& conn) -> Result<Due> {
    auto held = conn.exec("checking the alert lease",
                          "SELECT 1 FROM leases WHERE name = $1::text AND holder = $2::text AND "
                          "expires_ms > $3::bigint",
                          {lease, holder, ms_text(now)});
    if (!held) return std::unexpected(held.error());
    if (held->size() == 0) return Due{};
    auto rows = conn.exec(
        "reading due notifications",
        fmt::format("SELECT {} FROM notifications n WHERE n.state = 'pending' AND n.due_ms <= "
                    "$1::bigint ORDER BY n.due_ms, n.id LIMIT $2::bigint",
                    kNotificationColumns)
            .c_str(),
        {ms_text(now), std::to_string(limit)});
    if (!rows) return std::unexpected(rows.error());
    auto out = read_notifications(conn, *rows);
    if (!out) return std::unexpected(out.error());
    return Due{std::move(*out)};
  });
}

Result<void> PostgresStorage::record_delivery(const Delivery& d) {
  return locked([&](Connection& conn) -> Result<void> {
    auto tx = Transaction::begin(conn);
    if (!tx) return std::unexpected(tx.error());
    const bool pending = d.state == DeliveryState::pending;
    auto done = conn.exec(
        "recording a notification",
        "UPDATE notifications SET state = $1::text, attempts = attempts + $2::integer, "
        "last_error = $3::text, due_ms = CASE WHEN $4::boolean THEN $5::bigint ELSE due_ms END, "
        "done_ms = CASE WHEN $4::boolean THEN NULL ELSE $6::bigint END WHERE id = $7::bigint AND "
        "state = 'pending' RETURNING alert_id",
        {std::string(delivery_state_name(d.state)), d.state == DeliveryState::cancelled ? "0" : "1",
         d.error, pending ? "true" : "false", ms_text(d.retry_at), ms_text(d.at),
         std::to_string(d.id)});
    if (!done) return std::unexpected(done.error());
    if (done->size() > 0 && d.follow_up) {
      if (auto ok = enqueue(conn, done->integer(0, 0), {*d.follow_up}); !ok) {
        return std::unexpected(ok.error());
      }
    }
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return {};
  });
}

Result<std::vector<Notification>> PostgresStorage::notifications(std::int64_t alert_id,
                                                                 std::size_t limit) {
  return locked([&](Connection& conn) -> Result<std::vector<Notification>> {
    auto rows =
        conn.exec("reading notifications",
                  fmt::format("SELECT {} FROM notifications n WHERE ($1::bigint = 0 OR "
                              "n.alert_id = $1::bigint) ORDER BY n.id DESC LIMIT $2::bigint",
                              kNotificationColumns)
                      .c_str(),
                  {std::to_string(alert_id), std::to_string(limit)});
    if (!rows) return std::unexpected(rows.error());
    return read_notifications(conn, *rows);
  });
}

Result<void> PostgresStorage::start_maintenance(const MaintenanceWindow& w) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = conn.exec("starting maintenance mode",
                          "INSERT INTO maintenance VALUES ($1::text, $2::bigint, $3::bigint, "
                          "$4::text, $5::text) ON CONFLICT (computer) DO UPDATE SET started_ms = "
                          "excluded.started_ms, until_ms = excluded.until_ms, reason = "
                          "excluded.reason, by_whom = excluded.by_whom",
                          {w.computer, ms_text(w.started), ms_text(w.until), w.reason, w.by});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<bool> PostgresStorage::stop_maintenance(const std::string& computer) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = conn.exec("stopping maintenance mode",
                          "DELETE FROM maintenance WHERE computer = $1::text", {computer});
    if (!done) return std::unexpected(done.error());
    return done->affected() > 0;
  });
}

Result<std::vector<MaintenanceWindow>> PostgresStorage::maintenance_windows(TimePoint now) {
  return locked([&](Connection& conn) -> Result<std::vector<MaintenanceWindow>> {
    auto rows = conn.exec("reading maintenance windows",
                          "SELECT computer, started_ms, until_ms, reason, by_whom FROM maintenance "
                          "WHERE until_ms > $1::bigint ORDER BY computer COLLATE \"C\"",
                          {ms_text(now)});
    if (!rows) return std::unexpected(rows.error());
    std::vector<MaintenanceWindow> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back({rows->text(r, 0), from_ms(rows->integer(r, 1)), from_ms(rows->integer(r, 2)),
                     rows->text(r, 3), rows->text(r, 4)});
    }
    return out;
  });
}

}  // namespace outpost::storage::postgres
