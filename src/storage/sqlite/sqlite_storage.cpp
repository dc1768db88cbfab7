#include "storage/sqlite/sqlite_storage.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/sqlite_util.hpp"

namespace outpost::storage::sqlite {
namespace {

constexpr const char* kColumns =
    "fqdn, role, approval, server_initiates, address, parent, last_heartbeat_ms, "
    "certificate_sha256, certificate_not_after_s, first_seen_ms";

Computer read_row(SQLite::Statement& q) {
  Computer c;
  c.fqdn = q.getColumn(0).getString();
  c.role = role_from_name(q.getColumn(1).getString()).value_or(Role::agent);
  c.approval = approval_from_name(q.getColumn(2).getString()).value_or(Approval::pending);
  c.server_initiates = q.getColumn(3).getInt() != 0;
  c.address = q.getColumn(4).getString();
  c.parent = q.getColumn(5).getString();
  if (!q.getColumn(6).isNull()) c.last_heartbeat = from_millis(q.getColumn(6).getInt64());
  c.certificate_sha256 = q.getColumn(7).getString();
  if (!q.getColumn(8).isNull()) {
    c.certificate_not_after = TimePoint(std::chrono::seconds(q.getColumn(8).getInt64()));
  }
  c.first_seen = from_millis(q.getColumn(9).getInt64());
  return c;
}

constexpr int kBusyTimeoutMs = 5000;

// Switching a new database to WAL needs the exclusive lock. Two connections doing it at once
// (the server and an admin command opening a new file together) each hold a shared lock and want
// the exclusive one; SQLite sees the deadlock and answers SQLITE_BUSY at once, without waiting
// for the busy timeout. One of them wins: the other retries, bounded by the same timeout.
void switch_to_wal(SQLite::Database& db) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      db.exec("PRAGMA journal_mode=WAL");
      return;
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() & 0xff) != SQLITE_BUSY ||
          std::chrono::steady_clock::now() >= deadline) {
        throw;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

SqliteStorage::SqliteStorage(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path) {
  // Before SQLite initialises (the first open): no global allocation statistics, whose mutex
  // every connection of every thread takes on each malloc (the ingest writer and the alert
  // evaluator contended on it). Later calls are refused by SQLite and change nothing.
  static const int kNoMemoryStatistics = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemoryStatistics;
  std::unique_ptr<SqliteStorage> storage;
  auto opened = guarded(path, "opening", [&]() -> Result<void> {
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
    db->setBusyTimeout(kBusyTimeoutMs);
    switch_to_wal(*db);
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    SQLite::Statement check(*db, "PRAGMA quick_check");
    if (check.executeStep() && check.getColumn(0).getString() != "ok") {
      return fail(fmt::format("database {} is damaged: {}", path, check.getColumn(0).getString()),
                  "restore it from a backup");
    }
    storage.reset(new SqliteStorage(path, std::move(db)));
    return {};
  });
  if (!opened) return std::unexpected(opened.error());
  if (auto migrated = storage->migrate(); !migrated) return std::unexpected(migrated.error());
  return storage;
}

SQLite::Statement& SqliteStorage::prepared(const std::string& sql) {
  auto& statement = prepared_[sql];
  if (!statement) statement = std::make_unique<SQLite::Statement>(*db_, sql);
  statement->reset();
  statement->clearBindings();
  return *statement;
}

Result<void> SqliteStorage::migrate() {
  return guarded(path_, "migrating the schema", [&]() -> Result<void> {
    // One writer at a time: the server starting and an admin command may open a new database
    // together. BEGIN IMMEDIATE takes the write lock before the version is read, and every
    // pending migration is applied in that one transaction.
    db_->exec("BEGIN IMMEDIATE");
    struct Rollback {
      SQLite::Database& db;
      bool committed = false;
      ~Rollback() {
        if (!committed) db.tryExec("ROLLBACK");
      }
    } guard{*db_};
    db_->exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    const int current =
        db_->execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt();
    const auto all = migrations();
    const int known = all.empty() ? 0 : all.back().version;
    if (current > known) {
      return fail(fmt::format("database {} has schema version {}, newer than this outpost "
                              "understands ({})",
                              path_, current, known),
                  "upgrade outpost on this management server", EventId::database_error);
    }
    for (const Migration& m : all) {
      if (m.version <= current) continue;
      db_->exec(std::string(m.sql));
      SQLite::Statement record(*db_, "INSERT INTO schema_migrations VALUES (?, ?, ?)");
      record.bind(1, m.version);
      record.bind(2, std::string(m.name));
      record.bind(3, format_utc(Clock::now()));
      record.exec();
    }
    db_->exec("COMMIT");
    guard.committed = true;
    return {};
  });
}

Result<int> SqliteStorage::schema_version() {
  return guarded(path_, "reading the schema version", [&]() -> Result<int> {
    return db_->execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt();
  });
}

Result<void> SqliteStorage::approve_gateway(const std::string& fqdn, bool server_initiates,
                                            const std::string& address) {
  return guarded(path_, "approving a gateway", [&]() -> Result<void> {
    SQLite::Statement q(*db_,
                        "INSERT INTO computers (fqdn, role, approval, server_initiates, address, "
                        "first_seen_ms) VALUES (?, 'gateway', 'approved', ?, ?, ?) "
                        "ON CONFLICT (fqdn) DO UPDATE SET role = 'gateway', approval = "
                        "'approved', server_initiates = excluded.server_initiates, address = "
                        "excluded.address");
    q.bind(1, fqdn);
    q.bind(2, server_initiates ? 1 : 0);
    q.bind(3, address);
    q.bind(4, millis(Clock::now()));
    q.exec();
    return {};
  });
}

Result<bool> SqliteStorage::remove_gateway(const std::string& fqdn) {
  return guarded(path_, "removing a gateway", [&]() -> Result<bool> {
    SQLite::Transaction transaction(*db_);
    SQLite::Statement q(*db_, "DELETE FROM computers WHERE fqdn = ? AND role = 'gateway'");
    q.bind(1, fqdn);
    const bool removed = q.exec() > 0;
    SQLite::Statement key(*db_, "DELETE FROM gateway_keys WHERE fqdn = ?");
    key.bind(1, fqdn);
    key.exec();
    transaction.commit();
    return removed;
  });
}

Result<Approval> SqliteStorage::agent_seen(const std::string& fqdn, AgentPolicy policy,
                                           TimePoint now) {
  return guarded(path_, "recording an agent", [&]() -> Result<Approval> {
    const Approval first = policy == AgentPolicy::automatic ? Approval::approved
                           : policy == AgentPolicy::review  ? Approval::pending
                                                            : Approval::rejected;
    SQLite::Transaction transaction(*db_);
    SQLite::Statement insert(*db_,
                             "INSERT INTO computers (fqdn, role, approval, first_seen_ms) VALUES "
                             "(?, 'agent', ?, ?) ON CONFLICT (fqdn) DO NOTHING");
    insert.bind(1, fqdn);
    insert.bind(2, std::string(approval_name(first)));
    insert.bind(3, millis(now));
    insert.exec();
    SQLite::Statement q(*db_, "SELECT approval FROM computers WHERE fqdn = ?");
    q.bind(1, fqdn);
    q.executeStep();
    const auto approval = approval_from_name(q.getColumn(0).getString());
    transaction.commit();
    return approval.value_or(Approval::pending);
  });
}

Result<bool> SqliteStorage::set_agent_approval(const std::string& fqdn, Approval approval) {
  return guarded(path_, "changing an agent's approval", [&]() -> Result<bool> {
    SQLite::Statement q(*db_,
                        "UPDATE computers SET approval = ? WHERE fqdn = ? AND role = 'agent'");
    q.bind(1, std::string(approval_name(approval)));
    q.bind(2, fqdn);
    return q.exec() > 0;
  });
}

Result<bool> SqliteStorage::forget_agent(const std::string& fqdn) {
  return guarded(path_, "forgetting an agent", [&]() -> Result<bool> {
    SQLite::Statement q(*db_,
                        "DELETE FROM computers WHERE fqdn = ? AND role = 'agent' AND approval IN "
                        "('pending', 'rejected')");
    q.bind(1, fqdn);
    return q.exec() > 0;
  });
}

Result<void> SqliteStorage::record_heartbeat(const std::string& fqdn, const std::string& parent,
                                             TimePoint at, const std::string& certificate_sha256,
                                             TimePoint certificate_not_after) {
  return guarded(path_, "recording a heartbeat", [&]() -> Result<void> {
    SQLite::Statement q(*db_,
                        "UPDATE computers SET parent = ?1, last_heartbeat_ms = ?2, "
                        "certificate_sha256 = CASE WHEN ?3 = '' THEN certificate_sha256 ELSE ?3 "
                        "END, certificate_not_after_s = CASE WHEN ?3 = '' THEN "
                        "certificate_not_after_s ELSE ?4 END WHERE fqdn = ?5");
    q.bind(1, parent);
    q.bind(2, millis(at));
    q.bind(3, certificate_sha256);
    q.bind(4, seconds(certificate_not_after));
    q.bind(5, fqdn);
    if (q.exec() == 0) {
      return fail(fmt::format("a heartbeat from {}, which is not a known computer", fqdn),
                  "approve the computer first");
    }
    return {};
  });
}

Result<void> SqliteStorage::record_goodbye(const std::string& fqdn, const std::string& parent) {
  return guarded(path_, "recording a goodbye", [&]() -> Result<void> {
    SQLite::Statement q(*db_, "UPDATE computers SET parent = '' WHERE fqdn = ? AND parent = ?");
    q.bind(1, fqdn);
    q.bind(2, parent);
    q.exec();
    return {};
  });
}

Result<void> SqliteStorage::register_management_server(const std::string& fqdn,
                                                       const std::string& certificate_sha256,
                                                       TimePoint certificate_not_after,
                                                       TimePoint now) {
  return guarded(path_, "registering the management server", [&]() -> Result<void> {
    SQLite::Statement q(*db_,
                        "INSERT INTO computers (fqdn, role, approval, last_heartbeat_ms, "
                        "certificate_sha256, certificate_not_after_s, first_seen_ms) VALUES "
                        "(?, 'management_server', 'approved', ?, ?, ?, ?) ON CONFLICT (fqdn) DO "
                        "UPDATE SET role = 'management_server', approval = 'approved', "
                        "last_heartbeat_ms = excluded.last_heartbeat_ms, certificate_sha256 = "
                        "excluded.certificate_sha256, certificate_not_after_s = "
                        "excluded.certificate_not_after_s");
    q.bind(1, fqdn);
    q.bind(2, millis(now));
    q.bind(3, certificate_sha256);
    q.bind(4, seconds(certificate_not_after));
    q.bind(5, millis(now));
    q.exec();
    return {};
  });
}

Result<void> SqliteStorage::set_parents(const std::string& fqdn,
                                        const std::vector<std::string>& parents, TimePoint now) {
  return guarded(path_, "setting a node's parents", [&]() -> Result<void> {
    SQLite::Statement q(*db_,
                        "INSERT INTO topology (fqdn, parents, updated_ms) VALUES (?, ?, ?) "
                        "ON CONFLICT (fqdn) DO UPDATE SET parents = excluded.parents, "
                        "updated_ms = excluded.updated_ms");
    q.bind(1, fqdn);
    q.bind(2, join_lines(parents));
    q.bind(3, millis(now));
    q.exec();
    return {};
  });
}

Result<std::vector<std::string>> SqliteStorage::parents_of(const std::string& fqdn) {
  return guarded(path_, "reading a node's parents", [&]() -> Result<std::vector<std::string>> {
    SQLite::Statement q(*db_, "SELECT parents FROM topology WHERE fqdn = ?");
    q.bind(1, fqdn);
    if (!q.executeStep()) return std::vector<std::string>{};
    return split_lines(q.getColumn(0).getString());
  });
}

Result<std::optional<Computer>> SqliteStorage::computer(const std::string& fqdn) {
  return guarded(path_, "reading a computer", [&]() -> Result<std::optional<Computer>> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM computers WHERE fqdn = ?", kColumns));
    q.bind(1, fqdn);
    if (!q.executeStep()) return std::optional<Computer>{};
    return std::optional<Computer>(read_row(q));
  });
}

Result<std::vector<Computer>> SqliteStorage::computers() {
  return guarded(path_, "listing computers", [&]() -> Result<std::vector<Computer>> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM computers ORDER BY fqdn", kColumns));
    std::vector<Computer> out;
    while (q.executeStep())
      out.push_back(read_row(q));
    return out;
  });
}

}  // namespace outpost::storage::sqlite
