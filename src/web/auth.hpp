// Who is asking: a console session (cookie outpost_session, kept in the database so that any
// management server of the group serves it, with a CSRF token for every change) or an API token
// (Authorization: Bearer). Logins are rate limited per client address and per user name.
#pragma once

#include <chrono>
#include <expected>
#include <string>

#include "storage/storage.hpp"
#include "web/http.hpp"
#include "web/login_limiter.hpp"

namespace outpost::web {

inline constexpr std::string_view kSessionCookie = "outpost_session";

struct Principal {
  std::string user;
  storage::UserRole role = storage::UserRole::read_only;
  std::string token_label;     // set when authenticated by an API token
  std::string csrf;            // the session's CSRF token (empty for a token)
  std::string session_sha256;  // the session's key (empty for a token)
  // How the audit log names it: "alice", or "alice (token backup-script)".
  [[nodiscard]] std::string audit_name() const;
};

// What a route needs of the caller's role.
enum class Need { read, operate, administer };
[[nodiscard]] bool allows(storage::UserRole role, Need need);

struct SessionPolicy {
  std::chrono::minutes idle{30};
  std::chrono::hours max{12};
};

class Authenticator {
 public:
  explicit Authenticator(SessionPolicy policy) : policy_(policy) {}

  struct Login {
    std::string cookie;  // the Set-Cookie header's value
    Principal principal;
  };
  // Checks the password (Argon2id), creates the session. A refusal is 401 (30112) or 429 (30113).
  [[nodiscard]] std::expected<Login, Response> login(storage::Storage& db, const std::string& user,
                                                     const std::string& password,
                                                     const std::string& address, TimePoint now);
  // The caller of a request, from its cookie or bearer token: 401 when neither is valid; 403
  // when a session's change comes without its CSRF token.
  [[nodiscard]] std::expected<Principal, Response> authenticate(storage::Storage& db,
                                                                const Request& request,
                                                                TimePoint now);
  // The Set-Cookie value that removes the cookie.
  [[nodiscard]] static std::string expired_cookie();

 private:
  SessionPolicy policy_;
  LoginLimiter by_address_;
  LoginLimiter by_user_;
};

}  // namespace outpost::web
