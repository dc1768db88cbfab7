// Fresh, empty databases for the storage tests, one per test: a SQLite file in a temporary
// folder, or a new database on the PostgreSQL server that OUTPOST_TEST_PG_URL names (started by
// tests/with_postgres.sh). Each is removed when the test ends.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace outpost::storage::test {

enum class Backend { sqlite, postgres };

// "SQLite" / "PostgreSQL": the suffix of the parameterised tests' names.
[[nodiscard]] std::string backend_name(Backend backend);

// SQLite always; PostgreSQL when OUTPOST_TEST_PG_URL is set.
[[nodiscard]] std::vector<Backend> backends_under_test();

// OUTPOST_TEST_PG_URL, when set.
[[nodiscard]] std::optional<std::string> test_pg_url();

// True when this run is the PostgreSQL variant (OUTPOST_TEST_BACKEND=postgres): PostgreSQL
// tests then fail instead of skipping when there is no server.
[[nodiscard]] bool postgres_required();

// The same server URL naming another database.
[[nodiscard]] std::string with_database(const std::string& url, const std::string& database);

class TestDatabase {
 public:
  // Throws std::runtime_error when the database cannot be made.
  static std::unique_ptr<TestDatabase> create(Backend backend);
  virtual ~TestDatabase() = default;

  [[nodiscard]] virtual std::string url() const = 0;
  // Runs SQL directly, not through Outpost (to fake what another version wrote).
  virtual void exec(const std::string& sql) = 0;
};

// Runs SQL on the PostgreSQL server as the test superuser, on database `database` (the URL's
// own when empty). Throws std::runtime_error with the server's message on failure.
void pg_admin_exec(const std::string& sql, const std::string& database = "");

}  // namespace outpost::storage::test
