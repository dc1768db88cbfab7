// Who is asking: a console session (cookie outpost_session, kept in the database so that any
// management server of the group serves it, with a CSRF token for every change) or an API token
// (Authorization: Bearer). Logins are rate limited per client address and per user name.
#pragma once

#include <atomic>
#include <optional>

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
  // A logged-in user's own new password (PUT /api/v1/session/password): the current one is
  // checked like a login's (limited the same way), every session of the user ends, and the caller
  // gets a new one. Only a console session may do it, not an API token (403).
  [[nodiscard]] std::expected<Login, Response> change_password(
      storage::Storage& db, const Principal& principal, const std::string& current,
      const std::string& next, const std::string& address, TimePoint now);
  // The Set-Cookie value that removes the cookie.
  [[nodiscard]] static std::string expired_cookie();

  // Password checks (Argon2id, 64 MiB and tens of milliseconds each) that may run at once; more
  // are answered 503 with Retry-After at once, so logins from many addresses cannot occupy every
  // thread of the listener or its memory.
  static constexpr int kMaxVerifying = 1;
  // Sessions one user may have; a new login ends the oldest beyond it.
  static constexpr std::size_t kMaxSessionsPerUser = 20;

 private:
  // verify_password under the kMaxVerifying bound: nullopt when the bound is reached.
  std::optional<bool> bounded_verify(const std::string& hash, std::string_view password);
  // 429 when the address or the user failed too often lately, else nothing.
  std::optional<Response> throttled(const std::string& address, const std::string& user_key,
                                    TimePoint now);
  Result<Login> open_session(storage::Storage& db, const storage::User& user,
                             const std::string& address, TimePoint now);

  SessionPolicy policy_;
  std::atomic<int> verifying_{0};
  LoginLimiter by_address_;
  LoginLimiter by_user_;
};

}  // namespace outpost::web
