// A request and an answer as the REST API's handlers see them: no Beast types (the listener,
// web_server.cpp, is the only file that includes Beast), so handlers compile fast and are tested
// without sockets.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace outpost::web {

enum class Method { get, post, put, del, other };

struct Request {
  Method method = Method::get;
  std::string path;                          // decoded, without the query
  std::map<std::string, std::string> query;  // decoded; a repeated key keeps the last
  std::string cookie_session;                // the outpost_session cookie, "" when none
  std::string authorization;                 // the Authorization header
  std::string csrf;                          // the X-CSRF-Token header
  std::string content_type;
  std::string body;
  std::string address;  // the client's address, without port
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides the security headers
  bool cacheable = false;  // console assets: may be cached by the browser (they are versioned)
};

// {"error": {"status", "event", "message", "fix"}} with that status.
[[nodiscard]] Response error_response(int status, EventId event, std::string_view message,
                                      std::string_view fix);
[[nodiscard]] Response json_response(const nlohmann::json& body, int status = 200);
// The status of an error from below (an admin command's, the database's): by its event id.
[[nodiscard]] int status_for(EventId event);
[[nodiscard]] Response error_response(const Error& error);

// "/api/v1/x?a=1&b=%20" -> path and query; nullopt for a malformed escape or a path that is not
// absolute. Bounded by the listener's header limit.
struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);
// The value of cookie `name` in a Cookie header, "" when absent.
[[nodiscard]] std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace outpost::web
