#include "storage/postgres/postgres_storage.hpp"

#include <fmt/format.h>

#include "storage/postgres/migrations.hpp"

namespace outpost::storage::postgres {
namespace {

// The advisory lock every Outpost process takes before it reads or changes the schema
// ("outpost" in ASCII). Advisory locks are per database, so this serialises migrations of one
// operational database only.
constexpr std::int64_t kMigrationLock = 0x006f7574706f7374;

std::string seconds(TimePoint t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

constexpr const char* kSelectComputers =
    "SELECT fqdn, role, approval, server_initiates, address, parent, last_heartbeat_ms, "
    "certificate_sha256, certificate_not_after_s, first_seen_ms FROM computers";

Computer read_row(const Rows& rows, int r) {
  Computer c;
  c.fqdn = rows.text(r, 0);
  c.role = role_from_name(rows.text(r, 1)).value_or(Role::agent);
  c.approval = approval_from_name(rows.text(r, 2)).value_or(Approval::pending);
  c.server_initiates = rows.boolean(r, 3);
  c.address = rows.text(r, 4);
  c.parent = rows.text(r, 5);
  if (!rows.is_null(r, 6))
    c.last_heartbeat = TimePoint(std::chrono::milliseconds(rows.integer(r, 6)));
  c.certificate_sha256 = rows.text(r, 7);
  if (!rows.is_null(r, 8)) {
    c.certificate_not_after = TimePoint(std::chrono::seconds(rows.integer(r, 8)));
  }
  c.first_seen = TimePoint(std::chrono::milliseconds(rows.integer(r, 9)));
  return c;
}

Result<int> current_version(Connection& conn) {
  auto rows = conn.exec("reading the schema version",
                        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!rows) return std::unexpected(rows.error());
  return static_cast<int>(rows->integer(0, 0));
}

Result<void> apply(Connection& conn, const Migration& m) {
  const std::string doing = fmt::format("applying migration {}", m.name);
  if (auto done = conn.exec_script(doing, m.sql); !done) return done;
  auto recorded =
      conn.exec(doing,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                "($1::integer, $2::text, $3::text)",
                {std::to_string(m.version), std::string(m.name), format_utc(Clock::now())});
  if (!recorded) return std::unexpected(recorded.error());
  return {};
}

}  // namespace

Result<std::unique_ptr<PostgresStorage>> PostgresStorage::open(const std::string& url) {
  auto conn = Connection::open(url);
  if (!conn) return std::unexpected(conn.error());
  std::unique_ptr<PostgresStorage> storage(new PostgresStorage(std::move(*conn)));
  if (auto migrated = storage->migrate(); !migrated) return std::unexpected(migrated.error());
  return storage;
}

Result<void> PostgresStorage::migrate() {
  return locked([&](Connection& conn) -> Result<void> {
    // Several management servers may start together on a new database: the first to take the
    // lock migrates, the others wait for its commit and then find nothing left to do (each
    // statement after the lock sees what was committed before it).
    auto tx = Transaction::begin(conn);
    if (!tx) return std::unexpected(tx.error());
    auto locked_schema =
        conn.exec("waiting for the schema lock", "SELECT pg_advisory_xact_lock($1::bigint)",
                  {std::to_string(kMigrationLock)});
    if (!locked_schema) return std::unexpected(locked_schema.error());
    auto table = conn.exec("creating the migrations table",
                           "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                           "KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    if (!table) return std::unexpected(table.error());
    auto current = current_version(conn);
    if (!current) return std::unexpected(current.error());
    const auto all = migrations();
    const int known = all.empty() ? 0 : all.back().version;
    if (*current > known) {
      return fail(fmt::format("database {} has schema version {}, newer than this outpost "
                              "understands ({})",
                              conn.target(), *current, known),
                  "upgrade outpost on this management server", EventId::database_error);
    }
    for (const Migration& m : all) {
      if (m.version <= *current) continue;
      if (auto applied = apply(conn, m); !applied) return applied;
    }
    return tx->commit();
  });
}

Result<int> PostgresStorage::schema_version() {
  return locked([&](Connection& conn) { return current_version(conn); });
}

Result<void> PostgresStorage::approve_gateway(const std::string& fqdn, bool server_initiates,
                                              const std::string& address) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = conn.exec(
        "approving a gateway",
        "INSERT INTO computers (fqdn, role, approval, server_initiates, address, first_seen_ms) "
        "VALUES ($1::text, 'gateway', 'approved', $2::boolean, $3::text, $4::bigint) "
        "ON CONFLICT (fqdn) DO UPDATE SET role = 'gateway', approval = 'approved', "
        "server_initiates = EXCLUDED.server_initiates, address = EXCLUDED.address",
        {fqdn, server_initiates ? "true" : "false", address, ms_text(Clock::now())});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<bool> PostgresStorage::remove_gateway(const std::string& fqdn) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = conn.exec("removing a gateway",
                          "WITH unbound AS (DELETE FROM gateway_keys WHERE fqdn = $1::text) "
                          "DELETE FROM computers WHERE fqdn = $1::text AND role = 'gateway'",
                          {fqdn});
    if (!done) return std::unexpected(done.error());
    return done->affected() > 0;
  });
}

Result<Approval> PostgresStorage::agent_seen(const std::string& fqdn, AgentPolicy policy,
                                             TimePoint now) {
  const Approval first = policy == AgentPolicy::automatic ? Approval::approved
                         : policy == AgentPolicy::review  ? Approval::pending
                                                          : Approval::rejected;
  return locked([&](Connection& conn) -> Result<Approval> {
    // Two statements, not one: under READ COMMITTED the SELECT takes a new snapshot, so it sees
    // the row another server inserted (and committed) while this INSERT waited on it.
    auto inserted = conn.exec("recording an agent",
                              "INSERT INTO computers (fqdn, role, approval, first_seen_ms) VALUES "
                              "($1::text, 'agent', $2::text, $3::bigint) "
                              "ON CONFLICT (fqdn) DO NOTHING",
                              {fqdn, std::string(approval_name(first)), ms_text(now)});
    if (!inserted) return std::unexpected(inserted.error());
    auto rows = conn.exec("recording an agent",
                          "SELECT approval FROM computers WHERE fqdn = $1::text", {fqdn});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return Approval::pending;  // removed meanwhile: not admitted
    return approval_from_name(rows->text(0, 0)).value_or(Approval::pending);
  });
}

Result<bool> PostgresStorage::set_agent_approval(const std::string& fqdn, Approval approval) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = conn.exec(
        "changing an agent's approval",
        "UPDATE computers SET approval = $1::text WHERE fqdn = $2::text AND role = 'agent'",
        {std::string(approval_name(approval)), fqdn});
    if (!done) return std::unexpected(done.error());
    return done->affected() > 0;
  });
}

Result<bool> PostgresStorage::forget_agent(const std::string& fqdn) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = conn.exec("forgetting an agent",
                          "DELETE FROM computers WHERE fqdn = $1::text AND role = 'agent' AND "
                          "approval IN ('pending', 'rejected')",
                          {fqdn});
    if (!done) return std::unexpected(done.error());
    return done->affected() > 0;
  });
}

Result<void> PostgresStorage::record_heartbeat(const std::string& fqdn, const std::string& parent,
                                               TimePoint at, const std::string& certificate_sha256,
                                               TimePoint certificate_not_after) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = conn.exec(
        "recording a heartbeat",
        "UPDATE computers SET parent = $1::text, last_heartbeat_ms = $2::bigint, "
        "certificate_sha256 = CASE WHEN $3::text = '' THEN certificate_sha256 ELSE $3::text END, "
        "certificate_not_after_s = CASE WHEN $3::text = '' THEN certificate_not_after_s "
        "ELSE $4::bigint END WHERE fqdn = $5::text",
        {parent, ms_text(at), certificate_sha256, seconds(certificate_not_after), fqdn});
    if (!done) return std::unexpected(done.error());
    if (done->affected() == 0) {
      return fail(fmt::format("a heartbeat from {}, which is not a known computer", fqdn),
                  "approve the computer first");
    }
    return {};
  });
}

Result<void> PostgresStorage::record_goodbye(const std::string& fqdn, const std::string& parent) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = conn.exec("recording a goodbye",
                          "UPDATE computers SET parent = '' WHERE fqdn = $1::text AND parent = "
                          "$2::text",
                          {fqdn, parent});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<void> PostgresStorage::register_management_server(const std::string& fqdn,
                                                         const std::string& certificate_sha256,
                                                         TimePoint certificate_not_after,
                                                         TimePoint now) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = conn.exec(
        "registering the management server",
        "INSERT INTO computers (fqdn, role, approval, last_heartbeat_ms, certificate_sha256, "
        "certificate_not_after_s, first_seen_ms) VALUES ($1::text, 'management_server', "
        "'approved', $2::bigint, $3::text, $4::bigint, $2::bigint) ON CONFLICT (fqdn) DO UPDATE "
        "SET role = 'management_server', approval = 'approved', last_heartbeat_ms = "
        "EXCLUDED.last_heartbeat_ms, certificate_sha256 = EXCLUDED.certificate_sha256, "
        "certificate_not_after_s = EXCLUDED.certificate_not_after_s",
        {fqdn, ms_text(now), certificate_sha256, seconds(certificate_not_after)});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<void> PostgresStorage::set_parents(const std::string& fqdn,
                                          const std::vector<std::string>& parents, TimePoint now) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = conn.exec("setting a node's parents",
                          "INSERT INTO topology (fqdn, parents, updated_ms) "
                          "VALUES ($1::text, $2::text, $3::bigint) ON CONFLICT (fqdn) DO UPDATE "
                          "SET parents = excluded.parents, updated_ms = excluded.updated_ms",
                          {fqdn, join_lines(parents), ms_text(now)});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<std::vector<std::string>> PostgresStorage::parents_of(const std::string& fqdn) {
  return locked([&](Connection& conn) -> Result<std::vector<std::string>> {
    auto rows = conn.exec("reading a node's parents",
                          "SELECT parents FROM topology WHERE fqdn = $1::text", {fqdn});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return std::vector<std::string>{};
    return split_lines(rows->text(0, 0));
  });
}

Result<std::optional<Computer>> PostgresStorage::computer(const std::string& fqdn) {
  return locked([&](Connection& conn) -> Result<std::optional<Computer>> {
    const std::string sql = fmt::format("{} WHERE fqdn = $1::text", kSelectComputers);
    auto rows = conn.exec("reading a computer", sql.c_str(), {fqdn});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return std::optional<Computer>{};
    return std::optional<Computer>(read_row(*rows, 0));
  });
}

Result<std::vector<Computer>> PostgresStorage::computers() {
  return locked([&](Connection& conn) -> Result<std::vector<Computer>> {
    // Byte order, as SQLite sorts, whatever the database's collation.
    const std::string sql = fmt::format("{} ORDER BY fqdn COLLATE \"C\"", kSelectComputers);
    auto rows = conn.exec("listing computers", sql.c_str());
    if (!rows) return std::unexpected(rows.error());
    std::vector<Computer> out;
    out.reserve(static_cast<std::size_t>(rows->size()));
    for (int r = 0; r < rows->size(); ++r)
      out.push_back(read_row(*rows, r));
    return out;
  });
}

}  // namespace outpost::storage::postgres
