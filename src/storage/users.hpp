// What the database keeps for the console and the REST API (src/web): local users with their
// role and Argon2id password hash, browser sessions (so any management server of the group serves
// any session), API tokens for scripts, and the audit log of every change made through them.
// Secrets are never stored: a session id and a token are kept as their SHA-256 (hex).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace outpost::storage {

// Roles as in Operations Manager: an administrator may do everything; an operator acknowledges
// and closes alerts and sets maintenance mode; a read-only operator looks.
enum class UserRole { administrator, operator_role, read_only };

// "administrator", "operator", "read-only".
[[nodiscard]] std::string_view user_role_name(UserRole role);
[[nodiscard]] std::optional<UserRole> user_role_from_name(std::string_view name);

struct User {
  std::string name;
  UserRole role = UserRole::read_only;
  std::string password_hash;  // libsodium's crypto_pwhash_str (Argon2id), with its parameters
  TimePoint created{};
  std::optional<TimePoint> last_login;
};

struct WebSession {
  std::string id_sha256;  // SHA-256 (hex) of the cookie's value
  std::string user;
  std::string csrf;     // the token the console sends back in X-CSRF-Token with every change
  std::string address;  // where it logged in from
  TimePoint created{};
  TimePoint last_seen{};
  TimePoint expires{};  // idle expiry, pushed forward as it is used (never past `created` + max)
};

struct ApiToken {
  std::int64_t id = 0;
  std::string user;
  std::string label;         // what the operator called it ("backup-script")
  std::string token_sha256;  // SHA-256 (hex) of the token
  TimePoint created{};
  std::optional<TimePoint> last_used;
};

struct AuditEntry {
  std::int64_t id = 0;
  TimePoint at{};
  std::string user;     // who ("alice"; "token:backup-script@alice" for a token)
  std::string address;  // from where (the client's address)
  std::string action;   // what ("agent.approve", "alerts.ack", "user.add", "login.failed", ...)
  std::string target;   // on what (a computer's name, an alert id, a user)
  std::string detail;   // the request's parameters or the refusal's reason, cut to 1000 bytes
  bool ok = true;       // whether it was done
};

struct AuditQuery {
  std::string user;    // "": all
  std::string target;  // "": all
  std::optional<TimePoint> since;
  std::size_t offset = 0;
  std::size_t limit = 100;  // newest first
};

}  // namespace outpost::storage
