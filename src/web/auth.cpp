#include "web/auth.hpp"

#include <fmt/format.h>

#include "web/secrets.hpp"

namespace outpost::web {
namespace {

constexpr std::size_t kMaxUserName = 64;
constexpr auto kTouchEvery =
    std::chrono::minutes(1);  // a session's expiry moves at most this often

Response unauthenticated(std::string_view why) {
  return error_response(401, EventId::web_not_authenticated, why,
                        "log in to the console, or send Authorization: Bearer with an API token "
                        "(outpost user token add)");
}

}  // namespace

std::string Principal::audit_name() const {
  return token_label.empty() ? user : fmt::format("{} (token {})", user, token_label);
}

bool allows(storage::UserRole role, Need need) {
  switch (need) {
    case Need::read:
      return true;
    case Need::operate:
      return role != storage::UserRole::read_only;
    case Need::administer:
      return role == storage::UserRole::administrator;
  }
  return false;
}

std::optional<bool> Authenticator::bounded_verify(const std::string& hash,
                                                  std::string_view password) {
  if (verifying_.fetch_add(1) >= kMaxVerifying) {
    verifying_.fetch_sub(1);
    return std::nullopt;
  }
  const bool ok = verify_password(hash, password);
  verifying_.fetch_sub(1);
  return ok;
}

std::optional<Response> Authenticator::throttled(const std::string& address,
                                                 const std::string& user_key, TimePoint now) {
  const auto wait =
      std::max(by_address_.retry_after(address, now), by_user_.retry_after(user_key, now));
  if (wait.count() <= 0) return std::nullopt;
  Response r = error_response(
      429, EventId::web_login_throttled,
      fmt::format("too many failed logins from {} or for this user; try again in {} s", address,
                  wait.count()),
      "wait, then log in with the right password; an administrator can set a new one with "
      "outpost user passwd");
  r.headers.emplace_back("Retry-After", std::to_string(wait.count()));
  return r;
}

namespace {

Response busy() {
  Response r =
      error_response(503, EventId::web_login_throttled,
                     "the server is checking other passwords right now", "try again in a second");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

Result<Authenticator::Login> Authenticator::open_session(storage::Storage& db,
                                                         const storage::User& user,
                                                         const std::string& address,
                                                         TimePoint now) {
  const std::string secret = random_secret();
  storage::WebSession session{sha256_hex(secret), user.name, random_secret(), address, now, now,
                              now + policy_.idle};
  if (auto ok = db.create_session(session); !ok) return std::unexpected(ok.error());
  if (auto trimmed = db.keep_newest_sessions(user.name, kMaxSessionsPerUser); !trimmed)
    return std::unexpected(trimmed.error());
  (void)db.record_login(user.name, now);
  Login out;
  out.cookie =
      fmt::format("{}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}", kSessionCookie,
                  secret, std::chrono::duration_cast<std::chrono::seconds>(policy_.max).count());
  out.principal = {user.name, user.role, "", session.csrf, session.id_sha256};
  return out;
}

std::expected<Authenticator::Login, Response> Authenticator::login(storage::Storage& db,
                                                                   const std::string& user,
                                                                   const std::string& password,
                                                                   const std::string& address,
                                                                   TimePoint now) {
  const std::string user_key = user.substr(0, kMaxUserName);
  if (auto refused = throttled(address, user_key, now)) return std::unexpected(*refused);
  auto found = user.size() > kMaxUserName ? Result<std::optional<storage::User>>(std::nullopt)
                                          : db.user(user);
  if (!found) return std::unexpected(error_response(found.error()));
  const std::string hash = *found ? (*found)->password_hash : std::string{};
  const auto verified = bounded_verify(hash, password);
  if (!verified) return std::unexpected(busy());
  if (!*verified) {
    by_address_.failed(address, now);
    by_user_.failed(user_key, now);
    return std::unexpected(error_response(401, EventId::web_login_refused,
                                          "the user name or the password is wrong",
                                          "check both; after 5 failures in 5 minutes logins from "
                                          "this address are refused for a while"));
  }
  by_address_.succeeded(address);
  by_user_.succeeded(user_key);
  auto session = open_session(db, **found, address, now);
  if (!session) return std::unexpected(error_response(session.error()));
  return std::move(*session);
}

std::expected<Authenticator::Login, Response> Authenticator::change_password(
    storage::Storage& db, const Principal& principal, const std::string& current,
    const std::string& next, const std::string& address, TimePoint now) {
  if (principal.session_sha256.empty()) {
    return std::unexpected(error_response(403, EventId::web_forbidden,
                                          "an API token cannot change its user's password",
                                          "log in to the console as the user, or ask an "
                                          "administrator (outpost user passwd)"));
  }
  if (auto refused = throttled(address, principal.user, now)) return std::unexpected(*refused);
  if (auto rules = check_password_rules(next); !rules) {
    return std::unexpected(
        error_response(400, EventId::web_request_invalid, rules.error().message, ""));
  }
  auto found = db.user(principal.user);
  if (!found) return std::unexpected(error_response(found.error()));
  if (!*found) return std::unexpected(unauthenticated("the session's user was removed"));
  const auto verified = bounded_verify((*found)->password_hash, current);
  if (!verified) return std::unexpected(busy());
  if (!*verified) {
    by_address_.failed(address, now);
    by_user_.failed(principal.user, now);
    return std::unexpected(error_response(403, EventId::web_login_refused,
                                          "the current password is wrong",
                                          "type your current password; an administrator can "
                                          "set a new one with outpost user passwd"));
  }
  auto hash = hash_password(next);
  if (!hash) return std::unexpected(error_response(hash.error()));
  if (auto ok = db.set_user_password(principal.user, *hash); !ok)
    return std::unexpected(error_response(ok.error()));
  if (auto ended = db.end_sessions_of(principal.user); !ended)
    return std::unexpected(error_response(ended.error()));
  auto session = open_session(db, **found, address, now);
  if (!session) return std::unexpected(error_response(session.error()));
  return std::move(*session);
}

std::expected<Principal, Response> Authenticator::authenticate(storage::Storage& db,
                                                               const Request& request,
                                                               TimePoint now) {
  constexpr std::string_view kBearer = "Bearer ";
  if (request.authorization.starts_with(kBearer)) {
    const std::string token = request.authorization.substr(kBearer.size());
    auto found = db.token(sha256_hex(token));
    if (!found) return std::unexpected(error_response(found.error()));
    if (!*found) return std::unexpected(unauthenticated("the API token is not valid (removed?)"));
    auto user = db.user((*found)->user);
    if (!user) return std::unexpected(error_response(user.error()));
    if (!*user) return std::unexpected(unauthenticated("the API token's user was removed"));
    if (!(*found)->last_used || now - *(*found)->last_used > kTouchEvery)
      (void)db.touch_token((*found)->id, now);
    return Principal{(*user)->name, (*user)->role, (*found)->label, "", ""};
  }
  if (!request.authorization.empty())
    return std::unexpected(unauthenticated("only Authorization: Bearer is understood"));
  if (request.cookie_session.empty()) return std::unexpected(unauthenticated("not logged in"));
  const std::string key = sha256_hex(request.cookie_session);
  auto session = db.session(key, now);
  if (!session) return std::unexpected(error_response(session.error()));
  if (!*session || now >= (*session)->created + policy_.max) {
    return std::unexpected(unauthenticated("the session has ended (logged out or expired)"));
  }
  auto user = db.user((*session)->user);
  if (!user) return std::unexpected(error_response(user.error()));
  if (!*user) return std::unexpected(unauthenticated("the session's user was removed"));
  if (request.method != Method::get && !same_secret(request.csrf, (*session)->csrf)) {
    return std::unexpected(error_response(403, EventId::web_forbidden,
                                          "a change without the session's CSRF token",
                                          "send X-CSRF-Token with the csrf value of the session"));
  }
  if (now - (*session)->last_seen > kTouchEvery)
    (void)db.touch_session(key, now, now + policy_.idle);
  return Principal{(*user)->name, (*user)->role, "", (*session)->csrf, key};
}

std::string Authenticator::expired_cookie() {
  return fmt::format("{}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0", kSessionCookie);
}

}  // namespace outpost::web
