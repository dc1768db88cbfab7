// The SQLite backend's users, browser sessions, API tokens and audit log (storage.hpp,
// migration 0008).
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/text.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "storage/sqlite/sqlite_util.hpp"

namespace outpost::storage::sqlite {
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

std::int64_t count(std::size_t n) {  // a LIMIT or OFFSET: SIZE_MAX means no bound
  return static_cast<std::int64_t>(
      std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

User read_user(SQLite::Statement& q) {
  User u;
  u.name = q.getColumn(0).getString();
  u.role = user_role_from_name(q.getColumn(1).getString()).value_or(UserRole::read_only);
  u.password_hash = q.getColumn(2).getString();
  u.created = from_millis(q.getColumn(3).getInt64());
  if (!q.getColumn(4).isNull()) u.last_login = from_millis(q.getColumn(4).getInt64());
  return u;
}

WebSession read_session(SQLite::Statement& q) {
  WebSession s;
  s.id_sha256 = q.getColumn(0).getString();
  s.user = q.getColumn(1).getString();
  s.csrf = q.getColumn(2).getString();
  s.address = q.getColumn(3).getString();
  s.created = from_millis(q.getColumn(4).getInt64());
  s.last_seen = from_millis(q.getColumn(5).getInt64());
  s.expires = from_millis(q.getColumn(6).getInt64());
  return s;
}

ApiToken read_token(SQLite::Statement& q) {
  ApiToken t;
  t.id = q.getColumn(0).getInt64();
  t.user = q.getColumn(1).getString();
  t.label = q.getColumn(2).getString();
  t.token_sha256 = q.getColumn(3).getString();
  t.created = from_millis(q.getColumn(4).getInt64());
  if (!q.getColumn(5).isNull()) t.last_used = from_millis(q.getColumn(5).getInt64());
  return t;
}

AuditEntry read_audit(SQLite::Statement& q) {
  AuditEntry e;
  e.id = q.getColumn(0).getInt64();
  e.at = from_millis(q.getColumn(1).getInt64());
  e.user = q.getColumn(2).getString();
  e.address = q.getColumn(3).getString();
  e.action = q.getColumn(4).getString();
  e.target = q.getColumn(5).getString();
  e.detail = q.getColumn(6).getString();
  e.ok = q.getColumn(7).getInt() != 0;
  return e;
}

// The one row of a lookup by key, if any. The prepared statement is reset before returning, so
// it holds no read transaction (which would pin this connection to an old snapshot).
template <class Read>
auto one_row(SQLite::Statement& q, Read read) -> std::optional<decltype(read(q))> {
  std::optional<decltype(read(q))> out;
  if (q.executeStep()) out = read(q);
  q.reset();
  return out;
}

}  // namespace

Result<bool> SqliteStorage::add_user(const User& user) {
  return guarded(path_, "adding a user", [&]() -> Result<bool> {
    SQLite::Statement q(*db_,
                        "INSERT INTO users (name, role, password_hash, created_ms, last_login_ms) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING");
    q.bind(1, user.name);
    q.bind(2, std::string(user_role_name(user.role)));
    q.bind(3, user.password_hash);
    q.bind(4, millis(user.created));
    if (user.last_login) q.bind(5, millis(*user.last_login));
    return q.exec() > 0;
  });
}

Result<bool> SqliteStorage::set_user_password(const std::string& name,
                                              const std::string& password_hash) {
  return guarded(path_, "setting a user's password", [&]() -> Result<bool> {
    SQLite::Statement q(*db_, "UPDATE users SET password_hash = ? WHERE name = ?");
    q.bind(1, password_hash);
    q.bind(2, name);
    return q.exec() > 0;
  });
}

Result<bool> SqliteStorage::set_user_role(const std::string& name, UserRole role) {
  return guarded(path_, "setting a user's role", [&]() -> Result<bool> {
    SQLite::Statement q(*db_, "UPDATE users SET role = ? WHERE name = ?");
    q.bind(1, std::string(user_role_name(role)));
    q.bind(2, name);
    return q.exec() > 0;
  });
}

Result<bool> SqliteStorage::remove_user(const std::string& name) {
  return guarded(path_, "removing a user", [&]() -> Result<bool> {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (const char* sql : {"DELETE FROM web_sessions WHERE user_name = ?",
                            "DELETE FROM api_tokens WHERE user_name = ?"}) {
      SQLite::Statement q(*db_, sql);
      q.bind(1, name);
      q.exec();
    }
    SQLite::Statement q(*db_, "DELETE FROM users WHERE name = ?");
    q.bind(1, name);
    const bool removed = q.exec() > 0;
    transaction.commit();
    return removed;
  });
}

Result<std::vector<User>> SqliteStorage::users() {
  return guarded(path_, "listing users", [&]() -> Result<std::vector<User>> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM users ORDER BY name", kUserColumns));
    std::vector<User> out;
    while (q.executeStep())
      out.push_back(read_user(q));
    return out;
  });
}

Result<std::optional<User>> SqliteStorage::user(const std::string& name) {
  return guarded(path_, "reading a user", [&]() -> Result<std::optional<User>> {
    SQLite::Statement& q =
        prepared(fmt::format("SELECT {} FROM users WHERE name = ?", kUserColumns));
    q.bind(1, name);
    return one_row(q, read_user);
  });
}

Result<void> SqliteStorage::record_login(const std::string& name, TimePoint at) {
  return guarded(path_, "recording a login", [&]() -> Result<void> {
    SQLite::Statement q(*db_, "UPDATE users SET last_login_ms = ? WHERE name = ?");
    q.bind(1, millis(at));
    q.bind(2, name);
    q.exec();
    return {};
  });
}

Result<void> SqliteStorage::create_session(const WebSession& session) {
  return guarded(path_, "creating a session", [&]() -> Result<void> {
    SQLite::Statement q(
        *db_,
        fmt::format("INSERT INTO web_sessions ({}) VALUES (?, ?, ?, ?, ?, ?, ?)", kSessionColumns));
    q.bind(1, session.id_sha256);
    q.bind(2, session.user);
    q.bind(3, session.csrf);
    q.bind(4, session.address);
    q.bind(5, millis(session.created));
    q.bind(6, millis(session.last_seen));
    q.bind(7, millis(session.expires));
    q.exec();
    return {};
  });
}

Result<std::optional<WebSession>> SqliteStorage::session(const std::string& id_sha256,
                                                         TimePoint now) {
  return guarded(path_, "reading a session", [&]() -> Result<std::optional<WebSession>> {
    SQLite::Statement& q = prepared(fmt::format(
        "SELECT {} FROM web_sessions WHERE id_sha256 = ? AND expires_ms > ?", kSessionColumns));
    q.bind(1, id_sha256);
    q.bind(2, millis(now));
    return one_row(q, read_session);
  });
}

Result<void> SqliteStorage::touch_session(const std::string& id_sha256, TimePoint last_seen,
                                          TimePoint expires) {
  return guarded(path_, "touching a session", [&]() -> Result<void> {
    SQLite::Statement& q =
        prepared("UPDATE web_sessions SET last_seen_ms = ?, expires_ms = ? WHERE id_sha256 = ?");
    q.bind(1, millis(last_seen));
    q.bind(2, millis(expires));
    q.bind(3, id_sha256);
    q.exec();
    return {};
  });
}

Result<void> SqliteStorage::end_session(const std::string& id_sha256) {
  return guarded(path_, "ending a session", [&]() -> Result<void> {
    SQLite::Statement q(*db_, "DELETE FROM web_sessions WHERE id_sha256 = ?");
    q.bind(1, id_sha256);
    q.exec();
    return {};
  });
}

Result<std::uint64_t> SqliteStorage::end_sessions_of(const std::string& user) {
  return guarded(path_, "ending a user's sessions", [&]() -> Result<std::uint64_t> {
    SQLite::Statement q(*db_, "DELETE FROM web_sessions WHERE user_name = ?");
    q.bind(1, user);
    return static_cast<std::uint64_t>(q.exec());
  });
}

Result<std::uint64_t> SqliteStorage::keep_newest_sessions(const std::string& user,
                                                          std::size_t keep) {
  return guarded(path_, "ending a user's oldest sessions", [&]() -> Result<std::uint64_t> {
    SQLite::Statement q(*db_,
                        "DELETE FROM web_sessions WHERE user_name = ?1 AND id_sha256 NOT IN "
                        "(SELECT id_sha256 FROM web_sessions WHERE user_name = ?1 "
                        "ORDER BY created_ms DESC LIMIT ?2)");
    q.bind(1, user);
    q.bind(2, static_cast<std::int64_t>(keep));
    return static_cast<std::uint64_t>(q.exec());
  });
}

Result<std::uint64_t> SqliteStorage::groom_sessions(TimePoint now) {
  return guarded(path_, "grooming sessions", [&]() -> Result<std::uint64_t> {
    SQLite::Statement q(*db_, "DELETE FROM web_sessions WHERE expires_ms <= ?");
    q.bind(1, millis(now));
    return static_cast<std::uint64_t>(q.exec());
  });
}

Result<std::int64_t> SqliteStorage::add_token(const ApiToken& token) {
  return guarded(path_, "adding an API token", [&]() -> Result<std::int64_t> {
    SQLite::Statement q(*db_,
                        "INSERT INTO api_tokens (user_name, label, token_sha256, created_ms, "
                        "last_used_ms) VALUES (?, ?, ?, ?, ?)");
    q.bind(1, token.user);
    q.bind(2, token.label);
    q.bind(3, token.token_sha256);
    q.bind(4, millis(token.created));
    if (token.last_used) q.bind(5, millis(*token.last_used));
    q.exec();
    return db_->getLastInsertRowid();
  });
}

Result<std::optional<ApiToken>> SqliteStorage::token(const std::string& token_sha256) {
  return guarded(path_, "reading an API token", [&]() -> Result<std::optional<ApiToken>> {
    SQLite::Statement& q =
        prepared(fmt::format("SELECT {} FROM api_tokens WHERE token_sha256 = ?", kTokenColumns));
    q.bind(1, token_sha256);
    return one_row(q, read_token);
  });
}

Result<std::vector<ApiToken>> SqliteStorage::tokens(const std::string& user) {
  return guarded(path_, "listing API tokens", [&]() -> Result<std::vector<ApiToken>> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM api_tokens WHERE ?1 = '' OR user_name "
                                          "= ?1 ORDER BY created_ms DESC, id DESC",
                                          kTokenColumns));
    q.bind(1, user);
    std::vector<ApiToken> out;
    while (q.executeStep())
      out.push_back(read_token(q));
    return out;
  });
}

Result<bool> SqliteStorage::remove_token(std::int64_t id) {
  return guarded(path_, "removing an API token", [&]() -> Result<bool> {
    SQLite::Statement q(*db_, "DELETE FROM api_tokens WHERE id = ?");
    q.bind(1, id);
    return q.exec() > 0;
  });
}

Result<void> SqliteStorage::touch_token(std::int64_t id, TimePoint at) {
  return guarded(path_, "touching an API token", [&]() -> Result<void> {
    SQLite::Statement& q = prepared("UPDATE api_tokens SET last_used_ms = ? WHERE id = ?");
    q.bind(1, millis(at));
    q.bind(2, id);
    q.exec();
    return {};
  });
}

Result<std::int64_t> SqliteStorage::append_audit(const AuditEntry& entry) {
  return guarded(path_, "appending to the audit log", [&]() -> Result<std::int64_t> {
    // As the PostgreSQL backend keeps them: valid UTF-8, cut on a character boundary.
    SQLite::Statement& q = prepared(
        "INSERT INTO audit_log (at_ms, user_name, address, action, target, detail, ok) VALUES "
        "(?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, millis(entry.at));
    q.bind(2, clean_text(entry.user, kAuditFieldBytes));
    q.bind(3, clean_text(entry.address, kAuditFieldBytes));
    q.bind(4, clean_text(entry.action, kAuditFieldBytes));
    q.bind(5, clean_text(entry.target, kAuditFieldBytes));
    q.bind(6, clean_text(entry.detail, kAuditDetailBytes));
    q.bind(7, entry.ok ? 1 : 0);
    q.exec();
    return db_->getLastInsertRowid();
  });
}

Result<std::vector<AuditEntry>> SqliteStorage::audit(const AuditQuery& query) {
  return guarded(path_, "reading the audit log", [&]() -> Result<std::vector<AuditEntry>> {
    // Only the filters in use, so the indexes on (user_name, at_ms) and (target, at_ms) serve.
    std::string sql = fmt::format("SELECT {} FROM audit_log WHERE 1 = 1", kAuditColumns);
    if (!query.user.empty()) sql += " AND user_name = ?";
    if (!query.target.empty()) sql += " AND target = ?";
    if (query.since) sql += " AND at_ms >= ?";
    sql += " ORDER BY at_ms DESC, id DESC LIMIT ? OFFSET ?";
    SQLite::Statement q(*db_, sql);
    int n = 0;
    // As append_audit keeps them, so a long or odd name finds its entries.
    if (!query.user.empty()) q.bind(++n, clean_text(query.user, kAuditFieldBytes));
    if (!query.target.empty()) q.bind(++n, clean_text(query.target, kAuditFieldBytes));
    if (query.since) q.bind(++n, millis(*query.since));
    q.bind(++n, count(query.limit));
    q.bind(++n, count(query.offset));
    std::vector<AuditEntry> out;
    while (q.executeStep())
      out.push_back(read_audit(q));
    return out;
  });
}

Result<std::uint64_t> SqliteStorage::groom_audit(TimePoint before) {
  return guarded(path_, "grooming the audit log", [&]() -> Result<std::uint64_t> {
    SQLite::Statement q(*db_, "DELETE FROM audit_log WHERE at_ms < ?");
    q.bind(1, millis(before));
    return static_cast<std::uint64_t>(q.exec());
  });
}

}  // namespace outpost::storage::sqlite
