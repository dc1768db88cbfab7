// The API's entry point without sockets: a real SQLite database, real users and sessions.
// The routes that read and change the management group go through Backend (the server's admin
// commands, tested by tests/integration/api_test.sh); these tests use the ones web/ serves
// itself (sessions, users, the audit log) and the rules every route shares.
#include "web/api.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "web/assets.hpp"
#include "web/secrets.hpp"

namespace outpost::web {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("outpost-web-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    url_ = "sqlite://" + (dir_ / "operations.db").string();
    auto db = storage::open_storage(url_);
    ASSERT_TRUE(db) << db.error().describe();
    for (auto [name, role] : {std::pair{"admin", storage::UserRole::administrator},
                              std::pair{"reader", storage::UserRole::read_only}}) {
      auto hash = hash_password(std::string(name) + " password");
      ASSERT_TRUE(hash);
      ASSERT_TRUE((*db)->add_user({name, role, *hash, Clock::now(), std::nullopt}));
    }
    pool_ = std::make_unique<StoragePool>(url_, 2);
    log_ = std::make_unique<EventLog>(dir_, "test", Echo::none);
    api_ = std::make_unique<Api>(Backend{}, *pool_, SessionPolicy{}, *log_);
  }
  void TearDown() override {
    api_.reset();
    pool_.reset();
    std::filesystem::remove_all(dir_);
  }

  Response call(Request request) {
    asio::io_context io;
    Response out;
    asio::co_spawn(io, api_->handle(std::move(request)), [&](std::exception_ptr e, Response r) {
      if (e) std::rethrow_exception(e);
      out = std::move(r);
    });
    io.run();
    return out;
  }
  static Request make(Method m, std::string path, std::string body = "") {
    Request r;
    r.method = m;
    auto target = parse_target(path);  // as the listener does
    EXPECT_TRUE(target) << path;
    r.path = target ? target->path : path;
    if (target) r.query = target->query;
    r.body = std::move(body);
    r.content_type = "application/json";
    r.address = "192.0.2.10";
    return r;
  }
  // Logs in; the cookie's value and the CSRF token.
  std::pair<std::string, std::string> login(const std::string& user) {
    const Response r = call(make(Method::post, "/api/v1/session",
                                 json{{"user", user}, {"password", user + " password"}}.dump()));
    EXPECT_EQ(r.status, 200) << r.body;
    std::string cookie;
    for (const auto& [name, value] : r.headers) {
      if (name == "Set-Cookie") cookie = value.substr(value.find('=') + 1, 43);
    }
    return {cookie, json::parse(r.body).value("csrf", "")};
  }
  static int event_of(const Response& r) { return json::parse(r.body)["error"].value("event", 0); }

  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<StoragePool> pool_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, ALoginSetsASecureCookieAndTheSessionAnswersTheUser) {
  const Response r = call(
      make(Method::post, "/api/v1/session", R"({"user": "admin", "password": "admin password"})"));
  ASSERT_EQ(r.status, 200);
  bool cookie = false;
  for (const auto& [name, value] : r.headers) {
    if (name != "Set-Cookie") continue;
    cookie = true;
    EXPECT_TRUE(value.starts_with("outpost_session="));
    EXPECT_NE(value.find("; Secure; HttpOnly; SameSite=Strict"), std::string::npos);
  }
  EXPECT_TRUE(cookie);
  const auto [session, csrf] = login("admin");
  Request get = make(Method::get, "/api/v1/session");
  get.cookie_session = session;
  const Response me = call(get);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(json::parse(me.body)["role"], "administrator");
  EXPECT_EQ(json::parse(me.body)["csrf"], csrf);
}

TEST_F(ApiTest, WrongPasswordsAreRefusedThenThrottled) {
  for (int i = 0; i < 5; ++i) {
    const Response r = call(make(Method::post, "/api/v1/session",
                                 R"({"user": "admin", "password": "wrong password"})"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(event_of(r), 30112);
  }
  const Response r = call(
      make(Method::post, "/api/v1/session", R"({"user": "admin", "password": "admin password"})"));
  EXPECT_EQ(r.status, 429);  // even the right password, from this address, for a while
  EXPECT_EQ(event_of(r), 30113);
  bool retry_after = false;
  for (const auto& [name, value] : r.headers)
    retry_after |= name == "Retry-After";
  EXPECT_TRUE(retry_after);
  const Response junk = call(make(Method::post, "/api/v1/session", "not json"));
  EXPECT_EQ(junk.status, 400);
}

TEST_F(ApiTest, RolesCsrfAndTheAuditLog) {
  EXPECT_EQ(call(make(Method::get, "/api/v1/users")).status, 401);
  const auto [admin, admin_csrf] = login("admin");
  const auto [reader, reader_csrf] = login("reader");

  Request list = make(Method::get, "/api/v1/users");
  list.cookie_session = reader;
  EXPECT_EQ(call(list).status, 403);
  list.cookie_session = admin;
  const Response users = call(list);
  ASSERT_EQ(users.status, 200);
  EXPECT_EQ(json::parse(users.body)["total"], 2);

  const std::string bob = R"({"name": "bob", "role": "operator", "password": "bob password 1"})";
  Request add = make(Method::post, "/api/v1/users", bob);
  add.cookie_session = admin;  // no CSRF token
  EXPECT_EQ(event_of(call(add)), 30116);
  add.csrf = reader_csrf;  // another session's token
  EXPECT_EQ(call(add).status, 403);
  add.csrf = admin_csrf;
  EXPECT_EQ(call(add).status, 201);
  EXPECT_EQ(call(add).status, 409);  // once
  add.cookie_session = reader;
  add.csrf = reader_csrf;
  EXPECT_EQ(event_of(call(add)), 30116);  // read-only

  Request audit = make(Method::get, "/api/v1/audit");
  audit.cookie_session = admin;
  const auto entries = json::parse(call(audit).body)["items"];
  int added = 0;
  int refused = 0;
  for (const auto& e : entries) {
    EXPECT_EQ(e["detail"].get<std::string>().find("bob password"), std::string::npos);
    if (e["action"] == "user.add" && e["ok"] == true) ++added;
    if (e["action"] == "user.add" && e["ok"] == false && e["user"] == "reader") ++refused;
  }
  EXPECT_EQ(added, 1);
  EXPECT_EQ(refused, 1);

  Request logout = make(Method::del, "/api/v1/session");
  logout.cookie_session = admin;
  logout.csrf = admin_csrf;
  EXPECT_EQ(call(logout).status, 204);
  EXPECT_EQ(call(list).status, 401);
}

TEST_F(ApiTest, ABearerTokenActsAsItsUserWithoutCsrf) {
  auto db = storage::open_storage(url_);
  ASSERT_TRUE(db);
  const std::string token = random_secret();
  ASSERT_TRUE((*db)->add_token({0, "admin", "ci", sha256_hex(token), Clock::now(), {}}));
  Request add = make(Method::post, "/api/v1/users",
                     R"({"name": "carol", "role": "read-only", "password": "carol password"})");
  add.authorization = "Bearer " + token;
  EXPECT_EQ(call(add).status, 201);
  add.authorization = "Bearer " + random_secret();
  EXPECT_EQ(event_of(call(add)), 30115);
  add.authorization = "Basic YWRtaW46eA==";
  EXPECT_EQ(call(add).status, 401);
}

TEST_F(ApiTest, BadRequestsAnswerWithTheirStatusAndEvent) {
  const auto [admin, csrf] = login("admin");
  auto with = [&](Request r) {
    r.cookie_session = admin;
    r.csrf = csrf;
    return call(std::move(r));
  };
  EXPECT_EQ(event_of(with(make(Method::get, "/api/v1/nothing"))), 30117);
  EXPECT_EQ(with(make(Method::put, "/api/v1/users")).status, 405);
  EXPECT_EQ(event_of(with(make(Method::get, "/api/v1/users?limit=0"))), 30114);
  EXPECT_EQ(event_of(with(make(Method::get, "/api/v1/users?offset=-1"))), 30114);
  EXPECT_EQ(with(make(Method::post, "/api/v1/users", "[1, 2]")).status, 400);
  EXPECT_EQ(with(make(Method::post, "/api/v1/users", R"({"name": 5})")).status, 400);
  EXPECT_EQ(with(make(Method::post, "/api/v1/users",
                      R"({"name": "a b", "role": "operator", "password": "long enough 1"})"))
                .status,
            400);
  EXPECT_EQ(with(make(Method::del, "/api/v1/users/admin")).status, 409);  // not yourself
  EXPECT_EQ(with(make(Method::del, "/api/v1/users/nobody")).status, 404);
  Request text = make(Method::post, "/api/v1/users", R"({"name": "x"})");
  text.content_type = "text/plain";  // what a cross-site form could send
  EXPECT_EQ(with(text).status, 400);
}

TEST_F(ApiTest, TheConsoleAndItsOpenApiDocumentAreServedWithoutASession) {
  const Response index = call(make(Method::get, "/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_TRUE(index.content_type.starts_with("text/html"));
  EXPECT_EQ(call(make(Method::get, "/index.html")).body, index.body);
  EXPECT_EQ(call(make(Method::get, "/../etc/passwd")).status, 404);
  EXPECT_EQ(call(make(Method::post, "/index.html")).status, 405);
  const Response openapi = call(make(Method::get, "/api/v1/openapi.json"));
  ASSERT_EQ(openapi.status, 200);
  EXPECT_TRUE(json::parse(openapi.body).contains("paths"));
}

TEST(OpenApi, DocumentsEveryRouteAndNoOther) {
  const Asset* asset = find_asset("/api/v1/openapi.json");
  ASSERT_NE(asset, nullptr);
  const auto doc = json::parse(asset->body);
  std::set<std::string> documented;
  for (const auto& [path, methods] : doc["paths"].items()) {
    std::string pattern;  // "/api/v1/computers/{fqdn}" -> "/api/v1/computers/{}"
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '{') {
        pattern += "{}";
        i = path.find('}', i);
      } else {
        pattern += path[i];
      }
    }
    for (const auto& [method, op] : methods.items()) {
      std::string upper = method;
      for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + pattern);
    }
  }
  std::set<std::string> served;
  for (const auto& r : Api::routes())
    served.insert(r);
  EXPECT_EQ(documented, served);
}

}  // namespace
}  // namespace outpost::web
