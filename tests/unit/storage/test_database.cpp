#include "test_database.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>

namespace outpost::storage::test {
namespace {

class SqliteDatabase final : public TestDatabase {
 public:
  SqliteDatabase() {
    std::string pattern = (std::filesystem::temp_directory_path() / "outpost-db-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  ~SqliteDatabase() override { std::filesystem::remove_all(dir_); }

  std::string url() const override { return "sqlite://" + (dir_ / "operations.db").string(); }

  void exec(const std::string& sql) override {
    sqlite3* raw = nullptr;
    const bool opened = sqlite3_open((dir_ / "operations.db").c_str(), &raw) == SQLITE_OK;
    char* message = nullptr;
    const bool ran =
        opened && sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK;
    const std::string why = message != nullptr ? message : sqlite3_errmsg(raw);
    sqlite3_free(message);
    sqlite3_close(raw);
    if (!ran) throw std::runtime_error("sqlite: " + sql + ": " + why);
  }

 private:
  std::filesystem::path dir_;
};

class PostgresDatabase final : public TestDatabase {
 public:
  PostgresDatabase() {
    static std::atomic<int> counter{0};
    name_ = "outpost_t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    pg_admin_exec("CREATE DATABASE \"" + name_ + "\"");
  }
  ~PostgresDatabase() override {
    try {
      pg_admin_exec("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    } catch (const std::exception&) {  // the server is gone: with_postgres.sh removes it all
    }
  }

  std::string url() const override { return with_database(*test_pg_url(), name_); }
  void exec(const std::string& sql) override { pg_admin_exec(sql, name_); }

 private:
  std::string name_;
};

}  // namespace

std::string backend_name(Backend backend) {
  return backend == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

std::optional<std::string> test_pg_url() {
  const char* url = std::getenv("OUTPOST_TEST_PG_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

bool postgres_required() {
  const char* backend = std::getenv("OUTPOST_TEST_BACKEND");
  return backend != nullptr && std::string(backend) == "postgres";
}

std::vector<Backend> backends_under_test() {
  std::vector<Backend> out{Backend::sqlite};
  if (test_pg_url()) out.push_back(Backend::postgres);
  return out;
}

std::string with_database(const std::string& url, const std::string& database) {
  const std::size_t authority = url.find("://");
  const std::size_t slash = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  if (slash == std::string::npos) return url + "/" + database;
  const std::size_t end = url.find('?', slash);
  return url.substr(0, slash + 1) + database + (end == std::string::npos ? "" : url.substr(end));
}

std::unique_ptr<TestDatabase> TestDatabase::create(Backend backend) {
  if (backend == Backend::sqlite) return std::make_unique<SqliteDatabase>();
  if (!test_pg_url()) throw std::runtime_error("OUTPOST_TEST_PG_URL is not set");
  return std::make_unique<PostgresDatabase>();
}

void pg_admin_exec(const std::string& sql, const std::string& database) {
  const auto base = test_pg_url();
  if (!base) throw std::runtime_error("OUTPOST_TEST_PG_URL is not set");
  const std::string url = database.empty() ? *base : with_database(*base, database);
  PGconn* conn = PQconnectdb(url.c_str());
  std::string why;
  if (PQstatus(conn) != CONNECTION_OK) {
    why = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) why = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  if (!why.empty()) throw std::runtime_error("postgres: " + sql + ": " + why);
}

}  // namespace outpost::storage::test
