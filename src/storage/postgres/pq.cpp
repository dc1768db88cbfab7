#include "storage/postgres/pq.hpp"

#include <charconv>

#include <fmt/format.h>

namespace outpost::storage::postgres {
namespace {

// Bounded statements; notices ("already exists, skipping") are not for the daemon's stderr.
constexpr const char* kSessionSettings =
    "SELECT set_config('statement_timeout', '30s', false), "
    "set_config('client_min_messages', 'warning', false)";

// libpq's messages span lines ("...failed: FATAL:  ...\n\tIs the server running...").
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char ch : text) {
    if (ch == '\n' || ch == '\t' || ch == '\r' || ch == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(ch);
  }
  return out;
}

std::string_view or_empty(const char* text) {
  return text != nullptr ? std::string_view(text) : std::string_view();
}

// What the connection points at, from libpq's own parse of the URI: never the password.
std::string target_of(const PGconn* conn) {
  return fmt::format("{}@{}:{}/{}", or_empty(PQuser(conn)), or_empty(PQhost(conn)),
                     or_empty(PQport(conn)), or_empty(PQdb(conn)));
}

Error connect_failure(const PGconn* conn) {
  const std::string target = target_of(conn);
  const std::string why = one_line(or_empty(PQerrorMessage(conn)));
  const std::string user(or_empty(PQuser(conn)));
  const std::string db(or_empty(PQdb(conn)));
  const auto has = [&](std::string_view words) { return why.find(words) != std::string::npos; };
  if (has("authentication failed") || has("no password supplied") ||
      has("role \"" + user + "\" does not exist")) {
    return Error{EventId::database_error,
                 fmt::format("PostgreSQL at {} refused user '{}': authentication failed: {}",
                             target, user, why),
                 "check the user and password of [database] url (or the user's ~/.pgpass) and "
                 "the server's pg_hba.conf; docs/operations.md, \"Using PostgreSQL\""};
  }
  if (has("database \"" + db + "\" does not exist")) {
    return Error{
        EventId::database_error,
        fmt::format("PostgreSQL at {} has no database '{}': {}", target, db, why),
        fmt::format("create it once, as a PostgreSQL superuser: createdb -O {} {}", user, db)};
  }
  return Error{
      EventId::database_error,
      fmt::format("cannot connect to PostgreSQL at host {} port {} (user {}, database {}): {}",
                  or_empty(PQhost(conn)), or_empty(PQport(conn)), user, db, why),
      "check that PostgreSQL runs there and accepts TCP connections from this computer "
      "(listen_addresses, pg_hba.conf, firewall), and the host and port of [database] url"};
}

}  // namespace

int Rows::size() const {
  return PQntuples(result_.get());
}
bool Rows::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}
std::string Rows::text(int row, int column) const {
  return std::string(or_empty(PQgetvalue(result_.get(), row, column)));
}
std::int64_t Rows::integer(int row, int column) const {
  const std::string_view value = or_empty(PQgetvalue(result_.get(), row, column));
  std::int64_t out = 0;
  std::from_chars(value.data(), value.data() + value.size(), out);
  return out;
}
bool Rows::boolean(int row, int column) const {
  return text(row, column) == "t";
}
std::int64_t Rows::affected() const {
  const std::string_view value = or_empty(PQcmdTuples(result_.get()));
  std::int64_t out = 0;
  std::from_chars(value.data(), value.data() + value.size(), out);
  return out;
}

Result<Connection> Connection::open(const std::string& conninfo) {
  // Later entries win: the URI (expanded from dbname) may override the connect timeout.
  const char* const keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* const values[] = {"10", "outpost", conninfo.c_str(), nullptr};
  ConnectionHandle conn(PQconnectdbParams(keys, values, 1));
  if (!conn) {
    return fail("out of memory while connecting to PostgreSQL", "", EventId::database_error);
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) return std::unexpected(connect_failure(conn.get()));
  std::string target = target_of(conn.get());
  Connection connection(std::move(conn), std::move(target));
  auto timeout = connection.exec("setting the session's timeouts", kSessionSettings);
  if (!timeout) return std::unexpected(timeout.error());
  return connection;
}

Error Connection::failure(std::string_view doing, const PGresult* result) const {
  std::string why =
      result != nullptr ? one_line(or_empty(PQresultErrorMessage(result))) : std::string();
  if (why.empty()) why = one_line(or_empty(PQerrorMessage(conn_.get())));
  const std::string_view state =
      result != nullptr ? or_empty(PQresultErrorField(result, PG_DIAG_SQLSTATE)) : "";
  return Error{EventId::database_error,
               fmt::format("database {}: {} failed: {}{}", target_, doing, why,
                           state.empty() ? std::string() : fmt::format(" (SQLSTATE {})", state)),
               "check that PostgreSQL is running and reachable and that this user may write the "
               "database; outpost doctor names the cause"};
}

Result<Rows> Connection::exec(std::string_view doing, const char* sql,
                              const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  ResultHandle result(PQexecParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr,
                                   values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(failure(doing, result.get()));
  }
  return Rows(std::move(result));
}

Result<void> Connection::exec_script(std::string_view doing, std::string_view sql) {
  const std::string text(sql);
  ResultHandle result(PQexec(conn_.get(), text.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(failure(doing, result.get()));
  }
  return {};
}

void Connection::reset_if_broken() {
  if (PQstatus(conn_.get()) != CONNECTION_BAD) return;
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) == CONNECTION_OK) {
    (void)exec("setting the session's timeouts", kSessionSettings);
  }
}

Result<Transaction> Transaction::begin(Connection& conn) {
  auto begun = conn.exec("starting a transaction", "BEGIN");
  if (!begun) return std::unexpected(begun.error());
  return Transaction(conn);
}

Transaction::Transaction(Transaction&& other) noexcept : conn_(other.conn_) {
  other.conn_ = nullptr;
}

Transaction::~Transaction() {
  if (conn_ != nullptr) (void)conn_->exec("rolling back", "ROLLBACK");
}

Result<void> Transaction::commit() {
  Connection* conn = conn_;
  conn_ = nullptr;
  auto committed = conn->exec("committing", "COMMIT");
  if (!committed) return std::unexpected(committed.error());
  return {};
}

}  // namespace outpost::storage::postgres
