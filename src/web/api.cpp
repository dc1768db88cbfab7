#include "web/api.hpp"

#include <array>
#include <condition_variable>
#include <exception>
#include <tuple>

#include <fmt/format.h>

#include "core/text.hpp"
#include "web/assets.hpp"

namespace outpost::web {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

struct Route {
  Method method;
  std::string_view path;  // "/api/v1/computers/{}"
  Need need;
  std::string_view action;  // the audit log's name of a change; "" for a read
  Api::Handler handler;
};

// clang-format off
constexpr std::array kRoutes{
  Route{Method::get, "/api/v1/overview", Need::read, "", &Api::overview},
  Route{Method::get, "/api/v1/computers", Need::read, "", &Api::computers},
  Route{Method::get, "/api/v1/computers/{}", Need::read, "", &Api::computer},
  Route{Method::get, "/api/v1/computers/{}/performance", Need::read, "", &Api::performance},
  Route{Method::get, "/api/v1/computers/{}/doctor", Need::read, "", &Api::doctor},
  Route{Method::get, "/api/v1/pending", Need::read, "", &Api::pending},
  Route{Method::post, "/api/v1/pending/{}/approve", Need::administer, "agent.approve", &Api::approve_agent},
  Route{Method::post, "/api/v1/pending/{}/reject", Need::administer, "agent.reject", &Api::reject_agent},
  Route{Method::get, "/api/v1/gateways", Need::read, "", &Api::gateways},
  Route{Method::post, "/api/v1/gateways/{}/approve", Need::administer, "gateway.approve", &Api::approve_gateway},
  Route{Method::del, "/api/v1/gateways/{}", Need::administer, "gateway.remove", &Api::remove_gateway},
  Route{Method::put, "/api/v1/gateways/{}/failover", Need::administer, "gateway.set-failover", &Api::set_failover},
  Route{Method::put, "/api/v1/agents/{}/parents", Need::administer, "agent.set-parent", &Api::set_agent_parents},
  Route{Method::get, "/api/v1/alerts", Need::read, "", &Api::alerts},
  Route{Method::get, "/api/v1/alerts/{}", Need::read, "", &Api::alert},
  Route{Method::post, "/api/v1/alerts/{}/ack", Need::operate, "alerts.ack", &Api::ack_alert},
  Route{Method::post, "/api/v1/alerts/{}/close", Need::operate, "alerts.close", &Api::close_alert},
  Route{Method::get, "/api/v1/maintenance", Need::read, "", &Api::maintenance},
  Route{Method::post, "/api/v1/maintenance", Need::operate, "maintenance.start", &Api::start_maintenance},
  Route{Method::del, "/api/v1/maintenance/{}", Need::operate, "maintenance.stop", &Api::stop_maintenance},
  Route{Method::get, "/api/v1/events", Need::read, "", &Api::events},
  Route{Method::get, "/api/v1/servers", Need::read, "", &Api::servers},
  Route{Method::get, "/api/v1/refusals", Need::read, "", &Api::refusals},
  Route{Method::get, "/api/v1/users", Need::administer, "", &Api::users},
  Route{Method::post, "/api/v1/users", Need::administer, "user.add", &Api::add_user},
  Route{Method::del, "/api/v1/users/{}", Need::administer, "user.remove", &Api::remove_user},
  Route{Method::get, "/api/v1/audit", Need::administer, "", &Api::audit},
};
// clang-format on

std::string_view method_name(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::del:
      return "DELETE";
    case Method::other:
      break;
  }
  return "OTHER";
}

// Whether `path` matches `pattern`; the {} segments' values go to `params`.
bool matches(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto p_end = std::min(pattern.find('/'), pattern.size());
    const auto s_end = std::min(path.find('/'), path.size());
    const std::string_view want = pattern.substr(0, p_end);
    const std::string_view have = path.substr(0, s_end);
    if (want == "{}") {
      if (have.empty()) return false;
      params.emplace_back(have);
    } else if (want != have) {
      return false;
    }
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return true;
}

Response asset_response(const Request& request) {
  if (request.method != Method::get) {
    return error_response(405, EventId::web_request_invalid, "the console's files are read only",
                          "use GET");
  }
  const std::string path = request.path == "/" ? std::string("/index.html") : request.path;
  const Asset* asset = find_asset(path);
  if (asset == nullptr) {
    return error_response(404, EventId::web_not_found,
                          fmt::format("no page {}", clean_text(path, 200)),
                          "open the console at /");
  }
  Response r;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->body);
  r.cacheable = true;
  return r;
}

}  // namespace

Api::Api(Backend backend, StoragePool& pool, SessionPolicy policy, EventLog& log)
    : backend_(std::move(backend)),
      pool_(pool),
      auth_(policy),
      log_(log),
      inventory_(
          [this](storage::Storage& db) {
            return query(db, {{"command", "inventory"}});
          },
          kInventoryMaxAge),
      refresher_([this](const std::stop_token& stop) { keep_inventory_fresh(stop); }) {}

void Api::keep_inventory_fresh(const std::stop_token& stop) {
  constexpr auto kInterest = std::chrono::minutes(1);
  std::mutex mutex;
  std::condition_variable_any wake;
  std::string last_failure;
  std::unique_lock lock(mutex);
  // wait_for answers false both when the time is up and when a stop was asked for.
  while (!stop.stop_requested()) {
    (void)wake.wait_for(lock, stop, inventory_.max_age() / 4, [] { return false; });
    if (stop.stop_requested()) break;
    try {
      if (!inventory_.refresh_due(kInterest)) continue;
      if (auto db = pool_.acquire()) inventory_.refresh(**db, kInterest);
      last_failure.clear();
    } catch (const std::exception& e) {
      // Logged once per distinct failure: the next reads build (and fail) on their own.
      if (e.what() == last_failure) continue;
      last_failure = e.what();
      (void)log_.write(EventId::web_unavailable,
                       fmt::format("building the console's inventory failed: {}", e.what()));
    }
  }
}

std::vector<std::string> Api::routes() {
  std::vector<std::string> out;
  for (const auto& r : kRoutes)
    out.push_back(fmt::format("{} {}", method_name(r.method), r.path));
  out.emplace_back("GET /api/v1/session");
  out.emplace_back("POST /api/v1/session");
  out.emplace_back("DELETE /api/v1/session");
  out.emplace_back("PUT /api/v1/session/password");
  return out;
}

asio::awaitable<Response> Api::handle(Request request) {
  try {
    co_return co_await dispatch(request);
  } catch (const json::exception& e) {
    co_return error_response(
        400, EventId::web_request_invalid,
        fmt::format("the request's values are not of the expected types: {}", e.what()),
        "see /api/v1/openapi.json for each field's type");
  } catch (const std::exception& e) {
    (void)log_.write(EventId::web_unavailable,
                     fmt::format("a console request failed: {}", e.what()),
                     {{"path", clean_text(request.path, 200)}});
    co_return error_response(500, EventId::web_unavailable,
                             fmt::format("the request failed: {}", e.what()),
                             "look at the management server's event log; try again");
  }
}

asio::awaitable<Response> Api::dispatch(const Request& request) {
  if (request.path == "/api/v1/openapi.json") co_return asset_response(request);
  if (!request.path.starts_with("/api/")) co_return asset_response(request);
  if (request.path == "/api/v1/session") co_return session_call(request);
  if (request.path == "/api/v1/session/password") co_return password_call(request);
  const Route* route = nullptr;
  std::vector<std::string> params;
  bool path_known = false;
  for (const auto& r : kRoutes) {
    if (!matches(r.path, request.path, params)) continue;
    path_known = true;
    if (r.method == request.method) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    co_return path_known
        ? error_response(405, EventId::web_request_invalid,
                         fmt::format("{} is not allowed on {}", method_name(request.method),
                                     clean_text(request.path, 200)),
                         "see /api/v1/openapi.json")
        : error_response(404, EventId::web_not_found,
                         fmt::format("no resource {}", clean_text(request.path, 200)),
                         "see /api/v1/openapi.json for the resources");
  }
  matches(route->path, request.path, params);
  json body;
  if (request.method == Method::post || request.method == Method::put) {
    if (!request.body.empty() || request.method == Method::put) {
      if (!request.content_type.starts_with("application/json")) {
        co_return error_response(400, EventId::web_request_invalid,
                                 "the body must be JSON (Content-Type: application/json)", "");
      }
      body = json::parse(request.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        co_return error_response(400, EventId::web_request_invalid, "the body is not a JSON object",
                                 "send {\"field\": value, ...}");
      }
    } else {
      body = json::object();
    }
  }
  auto db = pool_.acquire();
  if (!db)
    co_return error_response(503, EventId::database_error, db.error().message, db.error().fix);
  auto principal = auth_.authenticate(**db, request, Clock::now());
  if (!principal) co_return principal.error();
  const std::string target = params.empty() ? "" : params.front();
  if (!allows(principal->role, route->need)) {
    if (!route->action.empty())
      write_audit(**db, request, principal->audit_name(), std::string(route->action), target, 403);
    co_return error_response(
        403, EventId::web_forbidden,
        fmt::format(
            "{} is {}; this needs an {}", principal->user, storage::user_role_name(principal->role),
            route->need == Need::administer ? "administrator" : "operator or administrator"),
        "ask an administrator (outpost user list shows who is one)");
  }
  Call call{request, *principal, params, **db, std::move(body)};
  Outcome outcome = (this->*route->handler)(call);
  Response response;
  if (auto* forward = std::get_if<Forward>(&outcome)) {
    const int ok_status = forward->ok_status;
    const std::string who = principal->audit_name();
    forward->command["by"] = who;
    db = std::unexpected(Error{});  // no connection held while the server works
    json command = std::move(forward->command);
    auto change = backend_.change(std::move(command));
    const json answer = co_await std::move(change);
    if (answer.value("ok", false)) {
      inventory_.invalidate();
      response = json_response(answer.value("result", json::object()), ok_status);
    } else {
      const auto event = event_id_from_number(answer.value("event", 0)).value_or(EventId::none);
      response = error_response(status_for(event), event, answer.value("error", ""),
                                answer.value("fix", ""));
    }
    auto again = pool_.acquire();
    if (again)
      write_audit(**again, request, who, std::string(route->action), target, response.status);
    co_return response;
  }
  response = std::get<Response>(std::move(outcome));
  if (!route->action.empty())
    write_audit(**db, request, principal->audit_name(), std::string(route->action), target,
                response.status);
  co_return response;
}

Response Api::password_call(const Request& request) {
  if (request.method != Method::put) {
    return error_response(405, EventId::web_request_invalid, "use PUT on the session's password",
                          "");
  }
  auto db = pool_.acquire();
  if (!db) return error_response(503, EventId::database_error, db.error().message, db.error().fix);
  const auto now = Clock::now();
  auto principal = auth_.authenticate(**db, request, now);
  if (!principal) return principal.error();
  const json body = json::parse(request.body, nullptr, false);
  if (!request.content_type.starts_with("application/json") || body.is_discarded() ||
      !body.is_object() || !body.value("current", json()).is_string() ||
      !body.value("new", json()).is_string()) {
    return bad_request("a new password needs {\"current\": \"...\", \"new\": \"...\"} as JSON");
  }
  auto changed =
      auth_.change_password(**db, *principal, body["current"], body["new"], request.address, now);
  const int status = changed ? 200 : changed.error().status;
  write_audit(**db, request, principal->audit_name(), "password", principal->user, status);
  if (!changed) return changed.error();
  (void)log_.write(EventId::web_user_changed,
                   fmt::format("{} changed their own console password from {}; their other "
                               "sessions ended",
                               principal->user, request.address),
                   {{"user", principal->user}, {"address", request.address}});
  Response r = json_response({{"user", changed->principal.user},
                              {"role", storage::user_role_name(changed->principal.role)},
                              {"csrf", changed->principal.csrf}});
  r.headers.emplace_back("Set-Cookie", changed->cookie);
  return r;
}

Response Api::session_call(const Request& request) {
  auto db = pool_.acquire();
  if (!db) return error_response(503, EventId::database_error, db.error().message, db.error().fix);
  const auto now = Clock::now();
  if (request.method == Method::post) {
    if (!request.content_type.starts_with("application/json")) {  // no login by a cross-site form
      return error_response(400, EventId::web_request_invalid,
                            "a login must be JSON (Content-Type: application/json)", "");
    }
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.value("user", json()).is_string() ||
        !body.value("password", json()).is_string()) {
      return error_response(400, EventId::web_request_invalid,
                            "a login needs {\"user\": \"...\", \"password\": \"...\"}", "");
    }
    const std::string user = body["user"];
    auto login = auth_.login(**db, user, body["password"], request.address, now);
    if (!login && login.error().status == 503) return login.error();  // busy: nothing was checked
    if (!login) {
      const std::string shown = clean_text(user, 64);
      write_audit(**db, request, shown, "login", shown, login.error().status);
      (void)log_.write(
          login.error().status == 429 ? EventId::web_login_throttled : EventId::web_login_refused,
          fmt::format("a console login as '{}' from {} was refused", shown, request.address),
          {{"user", shown}, {"address", request.address}});
      return login.error();
    }
    write_audit(**db, request, user, "login", user, 200);
    Response r = json_response({{"user", login->principal.user},
                                {"role", storage::user_role_name(login->principal.role)},
                                {"csrf", login->principal.csrf}});
    r.headers.emplace_back("Set-Cookie", login->cookie);
    return r;
  }
  auto principal = auth_.authenticate(**db, request, now);
  if (!principal) return principal.error();
  if (request.method == Method::get) {
    return json_response({{"user", principal->user},
                          {"role", storage::user_role_name(principal->role)},
                          {"csrf", principal->csrf}});
  }
  if (request.method == Method::del) {
    if (!principal->session_sha256.empty()) {
      if (auto ok = (*db)->end_session(principal->session_sha256); !ok)
        return error_response(ok.error());
    }
    write_audit(**db, request, principal->audit_name(), "logout", principal->user, 204);
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers.emplace_back("Set-Cookie", Authenticator::expired_cookie());
    return r;
  }
  return error_response(405, EventId::web_request_invalid, "use GET, POST or DELETE on the session",
                        "");
}

void Api::write_audit(storage::Storage& db, const Request& request, const std::string& who,
                      const std::string& action, const std::string& target, int status) {
  storage::AuditEntry entry;
  entry.at = Clock::now();
  entry.user = who;
  entry.address = request.address;
  entry.action = action;
  entry.target = clean_text(target, 255);
  // The body without secrets: a password (a new user's, or a user's own current and new ones)
  // never reaches the audit log.
  json detail = json::parse(request.body, nullptr, false);
  if (detail.is_object()) {
    for (const char* secret : {"password", "current", "new"})
      detail.erase(secret);
    entry.detail = clean_text(detail.dump(), 1000);
  }
  if (status >= 400) entry.detail = fmt::format("HTTP {} {}", status, entry.detail);
  entry.ok = status < 400;
  if (auto ok = db.append_audit(entry); !ok) {
    (void)log_.write(EventId::database_error,
                     fmt::format("the audit log could not be written: {}", ok.error().describe()));
  }
}

Result<json> Api::query(storage::Storage& db, json command) {
  json answer = backend_.query(db, command);
  if (answer.value("ok", false)) return std::move(answer["result"]);
  const auto event = event_id_from_number(answer.value("event", 0)).value_or(EventId::none);
  return std::unexpected(Error{event, answer.value("error", ""), answer.value("fix", "")});
}

}  // namespace outpost::web
