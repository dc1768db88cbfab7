// The PostgreSQL backend's users, browser sessions, API tokens and audit log (storage.hpp,
// migration 0008).
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/text.hpp"
#include "storage/postgres/postgres_storage.hpp"

namespace outpost::storage::postgres {
namespace {

constexpr const char* kUserColumns = "name, role, password_hash, created_ms, last_login_ms";
constexpr const char* kSessionColumns =
    "id_sha256, user_name, csrf, address, created_ms, last_seen_ms, expires_ms";
constexpr const char* kTokenColumns =
    "id, user_name, label, token_sha256, created_ms, last_used_ms";
constexpr const char* kAuditColumns = "id, at_ms, user_name, address, action, target, detail, ok";

// The bounds append_audit keeps (users.hpp).
constexpr std::size_t kAuditDetailBytes = 1000;
constexpr std::size_t kAuditFieldBytes = 255;

std::string count(std::size_t n) {  // a LIMIT or OFFSET: SIZE_MAX means no bound
  return std::to_string(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

Param optional_ms(const std::optional<TimePoint>& t) {
  return t ? Param(ms_text(*t)) : std::nullopt;
}

User read_user(const Rows& rows, int i) {
  User u;
  u.name = rows.text(i, 0);
  u.role = user_role_from_name(rows.text(i, 1)).value_or(UserRole::read_only);
  u.password_hash = rows.text(i, 2);
  u.created = from_ms(rows.integer(i, 3));
  if (!rows.is_null(i, 4)) u.last_login = from_ms(rows.integer(i, 4));
  return u;
}

WebSession read_session(const Rows& rows, int i) {
  WebSession s;
  s.id_sha256 = rows.text(i, 0);
  s.user = rows.text(i, 1);
  s.csrf = rows.text(i, 2);
  s.address = rows.text(i, 3);
  s.created = from_ms(rows.integer(i, 4));
  s.last_seen = from_ms(rows.integer(i, 5));
  s.expires = from_ms(rows.integer(i, 6));
  return s;
}

ApiToken read_token(const Rows& rows, int i) {
  ApiToken t;
  t.id = rows.integer(i, 0);
  t.user = rows.text(i, 1);
  t.label = rows.text(i, 2);
  t.token_sha256 = rows.text(i, 3);
  t.created = from_ms(rows.integer(i, 4));
  if (!rows.is_null(i, 5)) t.last_used = from_ms(rows.integer(i, 5));
  return t;
}

AuditEntry read_audit(const Rows& rows, int i) {
  AuditEntry e;
  e.id = rows.integer(i, 0);
  e.at = from_ms(rows.integer(i, 1));
  e.user = rows.text(i, 2);
  e.address = rows.text(i, 3);
  e.action = rows.text(i, 4);
  e.target = rows.text(i, 5);
  e.detail = rows.text(i, 6);
  e.ok = rows.boolean(i, 7);
  return e;
}

// Runs a statement that changes rows; how many it changed.
Result<std::int64_t> changed(Connection& conn, std::string_view doing, const char* sql,
                             const std::vector<Param>& params) {
  auto done = conn.exec(doing, sql, params);
  if (!done) return std::unexpected(done.error());
  return done->affected();
}

}  // namespace

Result<bool> PostgresStorage::add_user(const User& user) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto added = changed(conn, "adding a user",
                         "INSERT INTO users (name, role, password_hash, created_ms, last_login_ms) "
                         "VALUES ($1::text, $2::text, $3::text, $4::bigint, $5::bigint) "
                         "ON CONFLICT (name) DO NOTHING",
                         {user.name, std::string(user_role_name(user.role)), user.password_hash,
                          ms_text(user.created), optional_ms(user.last_login)});
    if (!added) return std::unexpected(added.error());
    return *added > 0;
  });
}

Result<bool> PostgresStorage::set_user_password(const std::string& name,
                                                const std::string& password_hash) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = changed(conn, "setting a user's password",
                        "UPDATE users SET password_hash = $2::text WHERE name = $1::text",
                        {name, password_hash});
    if (!done) return std::unexpected(done.error());
    return *done > 0;
  });
}

Result<bool> PostgresStorage::set_user_role(const std::string& name, UserRole role) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = changed(conn, "setting a user's role",
                        "UPDATE users SET role = $2::text WHERE name = $1::text",
                        {name, std::string(user_role_name(role))});
    if (!done) return std::unexpected(done.error());
    return *done > 0;
  });
}

Result<bool> PostgresStorage::remove_user(const std::string& name) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto tx = Transaction::begin(conn);
    if (!tx) return std::unexpected(tx.error());
    for (const char* sql : {"DELETE FROM web_sessions WHERE user_name = $1::text",
                            "DELETE FROM api_tokens WHERE user_name = $1::text"}) {
      if (auto done = changed(conn, "removing a user", sql, {name}); !done)
        return std::unexpected(done.error());
    }
    auto removed =
        changed(conn, "removing a user", "DELETE FROM users WHERE name = $1::text", {name});
    if (!removed) return std::unexpected(removed.error());
    if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
    return *removed > 0;
  });
}

Result<std::vector<User>> PostgresStorage::users() {
  return locked([&](Connection& conn) -> Result<std::vector<User>> {
    const std::string sql =
        fmt::format("SELECT {} FROM users ORDER BY name COLLATE \"C\"", kUserColumns);
    auto rows = conn.exec("listing users", sql.c_str());
    if (!rows) return std::unexpected(rows.error());
    std::vector<User> out;
    for (int i = 0; i < rows->size(); ++i)
      out.push_back(read_user(*rows, i));
    return out;
  });
}

Result<std::optional<User>> PostgresStorage::user(const std::string& name) {
  return locked([&](Connection& conn) -> Result<std::optional<User>> {
    const std::string sql = fmt::format("SELECT {} FROM users WHERE name = $1::text", kUserColumns);
    auto rows = conn.exec("reading a user", sql.c_str(), {name});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return std::nullopt;
    return read_user(*rows, 0);
  });
}

Result<void> PostgresStorage::record_login(const std::string& name, TimePoint at) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = changed(conn, "recording a login",
                        "UPDATE users SET last_login_ms = $2::bigint WHERE name = $1::text",
                        {name, ms_text(at)});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<void> PostgresStorage::create_session(const WebSession& session) {
  return locked([&](Connection& conn) -> Result<void> {
    const std::string sql = fmt::format(
        "INSERT INTO web_sessions ({}) VALUES ($1::text, $2::text, $3::text, $4::text, "
        "$5::bigint, $6::bigint, $7::bigint)",
        kSessionColumns);
    auto done =
        changed(conn, "creating a session", sql.c_str(),
                {session.id_sha256, session.user, session.csrf, session.address,
                 ms_text(session.created), ms_text(session.last_seen), ms_text(session.expires)});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<std::optional<WebSession>> PostgresStorage::session(const std::string& id_sha256,
                                                           TimePoint now) {
  return locked([&](Connection& conn) -> Result<std::optional<WebSession>> {
    const std::string sql = fmt::format(
        "SELECT {} FROM web_sessions WHERE id_sha256 = $1::text AND expires_ms > $2::bigint",
        kSessionColumns);
    auto rows = conn.exec("reading a session", sql.c_str(), {id_sha256, ms_text(now)});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return std::nullopt;
    return read_session(*rows, 0);
  });
}

Result<void> PostgresStorage::touch_session(const std::string& id_sha256, TimePoint last_seen,
                                            TimePoint expires) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = changed(conn, "touching a session",
                        "UPDATE web_sessions SET last_seen_ms = $2::bigint, expires_ms = "
                        "$3::bigint WHERE id_sha256 = $1::text",
                        {id_sha256, ms_text(last_seen), ms_text(expires)});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<void> PostgresStorage::end_session(const std::string& id_sha256) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = changed(conn, "ending a session",
                        "DELETE FROM web_sessions WHERE id_sha256 = $1::text", {id_sha256});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<std::uint64_t> PostgresStorage::end_sessions_of(const std::string& user) {
  return locked([&](Connection& conn) -> Result<std::uint64_t> {
    auto done = changed(conn, "ending a user's sessions",
                        "DELETE FROM web_sessions WHERE user_name = $1::text", {user});
    if (!done) return std::unexpected(done.error());
    return static_cast<std::uint64_t>(*done);
  });
}

Result<std::uint64_t> PostgresStorage::keep_newest_sessions(const std::string& user,
                                                            std::size_t keep) {
  return locked([&](Connection& conn) -> Result<std::uint64_t> {
    auto done = changed(conn, "ending a user's oldest sessions",
                        "DELETE FROM web_sessions WHERE user_name = $1::text AND id_sha256 NOT IN "
                        "(SELECT id_sha256 FROM web_sessions WHERE user_name = $1::text "
                        "ORDER BY created_ms DESC LIMIT $2::bigint)",
                        {user, std::to_string(keep)});
    if (!done) return std::unexpected(done.error());
    return static_cast<std::uint64_t>(*done);
  });
}

Result<std::uint64_t> PostgresStorage::groom_sessions(TimePoint now) {
  return locked([&](Connection& conn) -> Result<std::uint64_t> {
    auto done = changed(conn, "grooming sessions",
                        "DELETE FROM web_sessions WHERE expires_ms <= $1::bigint", {ms_text(now)});
    if (!done) return std::unexpected(done.error());
    return static_cast<std::uint64_t>(*done);
  });
}

Result<std::int64_t> PostgresStorage::add_token(const ApiToken& token) {
  return locked([&](Connection& conn) -> Result<std::int64_t> {
    auto rows = conn.exec("adding an API token",
                          "INSERT INTO api_tokens (user_name, label, token_sha256, created_ms, "
                          "last_used_ms) VALUES ($1::text, $2::text, $3::text, $4::bigint, "
                          "$5::bigint) RETURNING id",
                          {token.user, token.label, token.token_sha256, ms_text(token.created),
                           optional_ms(token.last_used)});
    if (!rows) return std::unexpected(rows.error());
    return rows->integer(0, 0);
  });
}

Result<std::optional<ApiToken>> PostgresStorage::token(const std::string& token_sha256) {
  return locked([&](Connection& conn) -> Result<std::optional<ApiToken>> {
    const std::string sql =
        fmt::format("SELECT {} FROM api_tokens WHERE token_sha256 = $1::text", kTokenColumns);
    auto rows = conn.exec("reading an API token", sql.c_str(), {token_sha256});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return std::nullopt;
    return read_token(*rows, 0);
  });
}

Result<std::vector<ApiToken>> PostgresStorage::tokens(const std::string& user) {
  return locked([&](Connection& conn) -> Result<std::vector<ApiToken>> {
    const std::string sql = fmt::format(
        "SELECT {} FROM api_tokens WHERE $1::text = '' OR user_name = $1::text ORDER BY "
        "created_ms DESC, id DESC",
        kTokenColumns);
    auto rows = conn.exec("listing API tokens", sql.c_str(), {user});
    if (!rows) return std::unexpected(rows.error());
    std::vector<ApiToken> out;
    for (int i = 0; i < rows->size(); ++i)
      out.push_back(read_token(*rows, i));
    return out;
  });
}

Result<bool> PostgresStorage::remove_token(std::int64_t id) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = changed(conn, "removing an API token",
                        "DELETE FROM api_tokens WHERE id = $1::bigint", {std::to_string(id)});
    if (!done) return std::unexpected(done.error());
    return *done > 0;
  });
}

Result<void> PostgresStorage::touch_token(std::int64_t id, TimePoint at) {
  return locked([&](Connection& conn) -> Result<void> {
    auto done = changed(conn, "touching an API token",
                        "UPDATE api_tokens SET last_used_ms = $2::bigint WHERE id = $1::bigint",
                        {std::to_string(id), ms_text(at)});
    if (!done) return std::unexpected(done.error());
    return {};
  });
}

Result<std::int64_t> PostgresStorage::append_audit(const AuditEntry& entry) {
  return locked([&](Connection& conn) -> Result<std::int64_t> {
    // Valid UTF-8 (PostgreSQL refuses anything else: a failed login with a garbage name is
    // still recorded), cut on a character boundary.
    auto rows = conn.exec(
        "appending to the audit log",
        "INSERT INTO audit_log (at_ms, user_name, address, action, target, detail, ok) VALUES "
        "($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::boolean) RETURNING id",
        {ms_text(entry.at), clean_text(entry.user, kAuditFieldBytes),
         clean_text(entry.address, kAuditFieldBytes), clean_text(entry.action, kAuditFieldBytes),
         clean_text(entry.target, kAuditFieldBytes), clean_text(entry.detail, kAuditDetailBytes),
         entry.ok ? "true" : "false"});
    if (!rows) return std::unexpected(rows.error());
    return rows->integer(0, 0);
  });
}

Result<std::vector<AuditEntry>> PostgresStorage::audit(const AuditQuery& query) {
  return locked([&](Connection& conn) -> Result<std::vector<AuditEntry>> {
    // Only the filters in use, so the indexes on (user_name, at_ms) and (target, at_ms) serve;
    // the names as append_audit keeps them, so a long or odd name finds its entries.
    std::string sql = fmt::format("SELECT {} FROM audit_log WHERE TRUE", kAuditColumns);
    std::vector<Param> params;
    const auto next = [&params] { return params.size() + 1; };
    if (!query.user.empty()) {
      sql += fmt::format(" AND user_name = ${}::text", next());
      params.emplace_back(clean_text(query.user, kAuditFieldBytes));
    }
    if (!query.target.empty()) {
      sql += fmt::format(" AND target = ${}::text", next());
      params.emplace_back(clean_text(query.target, kAuditFieldBytes));
    }
    if (query.since) {
      sql += fmt::format(" AND at_ms >= ${}::bigint", next());
      params.emplace_back(ms_text(*query.since));
    }
    sql += fmt::format(" ORDER BY at_ms DESC, id DESC LIMIT ${}::bigint", next());
    params.emplace_back(count(query.limit));
    sql += fmt::format(" OFFSET ${}::bigint", next());
    params.emplace_back(count(query.offset));
    auto rows = conn.exec("reading the audit log", sql.c_str(), params);
    if (!rows) return std::unexpected(rows.error());
    std::vector<AuditEntry> out;
    for (int i = 0; i < rows->size(); ++i)
      out.push_back(read_audit(*rows, i));
    return out;
  });
}

Result<std::uint64_t> PostgresStorage::groom_audit(TimePoint before) {
  return locked([&](Connection& conn) -> Result<std::uint64_t> {
    auto done = changed(conn, "grooming the audit log",
                        "DELETE FROM audit_log WHERE at_ms < $1::bigint", {ms_text(before)});
    if (!done) return std::unexpected(done.error());
    return static_cast<std::uint64_t>(*done);
  });
}

}  // namespace outpost::storage::postgres
