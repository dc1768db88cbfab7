// Small RAII types over libpq's C API: a connection, a result, a transaction, and parameterised
// execution. Values always travel as parameters ($1, $2, ...), never inside the SQL text.
// Messages name the database as user@host:port/dbname and never carry a password.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace outpost::storage::postgres {

struct ConnectionDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnectionHandle = std::unique_ptr<PGconn, ConnectionDeleter>;
using ResultHandle = std::unique_ptr<PGresult, ResultDeleter>;

// One query parameter in text form; std::nullopt is SQL NULL.
using Param = std::optional<std::string>;

// The rows of a successful statement (text format).
class Rows {
 public:
  explicit Rows(ResultHandle result) : result_(std::move(result)) {}

  [[nodiscard]] int size() const;
  [[nodiscard]] bool is_null(int row, int column) const;
  [[nodiscard]] std::string text(int row, int column) const;
  [[nodiscard]] std::int64_t integer(int row, int column) const;
  [[nodiscard]] bool boolean(int row, int column) const;
  // Rows an INSERT, UPDATE or DELETE touched.
  [[nodiscard]] std::int64_t affected() const;

 private:
  ResultHandle result_;
};

class Connection {
 public:
  // Connects to a conninfo string or postgresql:// URI, with a 10 s connect timeout unless the
  // URI names its own, and a 30 s statement timeout. Failures say what to do: cannot connect
  // (host and port named), authentication failed, no such database.
  [[nodiscard]] static Result<Connection> open(const std::string& conninfo);

  // Runs one parameterised statement. `doing` names the operation in a failure's message.
  [[nodiscard]] Result<Rows> exec(std::string_view doing, const char* sql,
                                  const std::vector<Param>& params = {});
  // Runs trusted SQL text without parameters, which may hold several statements (migrations).
  [[nodiscard]] Result<void> exec_script(std::string_view doing, std::string_view sql);

  // After the server closed the connection (a restart, a dead network), reconnects once so the
  // next statement can succeed; the failed statement itself has already been reported.
  void reset_if_broken();

  // user@host:port/dbname, for messages.
  [[nodiscard]] const std::string& target() const { return target_; }

 private:
  Connection(ConnectionHandle conn, std::string target)
      : conn_(std::move(conn)), target_(std::move(target)) {}
  Error failure(std::string_view doing, const PGresult* result) const;

  ConnectionHandle conn_;
  std::string target_;
};

// BEGIN ... COMMIT; rolls back when it is left without commit().
// A time as the milliseconds-since-1970 text of a query parameter ($n::bigint), and back.
[[nodiscard]] inline std::string ms_text(TimePoint t) {
  return std::to_string(unix_ms(t));
}
[[nodiscard]] inline TimePoint from_ms(std::int64_t ms) {
  return from_unix_ms(ms);
}

class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> begin(Connection& conn);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  [[nodiscard]] Result<void> commit();

 private:
  explicit Transaction(Connection& conn) : conn_(&conn) {}
  Connection* conn_;
};

}  // namespace outpost::storage::postgres
