// The node's admin socket: a Unix stream socket in its state directory (`admin.sock`, owner-only)
// through which local commands reach the running daemon (`outpost status`, and on a management
// server the admission and inventory commands). One JSON request line in, one JSON answer line
// out, then the connection closes. Answers are {"ok": true, "result": ...} or
// {"ok": false, "error": "...", "fix": "..."}.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace outpost::net {

inline constexpr std::string_view kAdminSocketName = "admin.sock";

[[nodiscard]] std::filesystem::path admin_socket_path(const std::filesystem::path& state_dir);

using AdminHandler = std::function<nlohmann::json(const nlohmann::json& request)>;

class AdminSocket {
 public:
  // Binds `path` with mode 0600. A stale socket file (nobody answers) is replaced; a socket on
  // which another daemon answers is an error: two daemons must not share a state directory.
  [[nodiscard]] static Result<std::unique_ptr<AdminSocket>> open(
      const boost::asio::any_io_executor& executor, std::filesystem::path path);

  AdminSocket(boost::asio::local::stream_protocol::acceptor acceptor, std::filesystem::path path);
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;
  ~AdminSocket();

  // Serves requests with `handler` until close(); the handler runs on the socket's executor.
  void start(AdminHandler handler);
  // Stops accepting and removes the socket file; idempotent.
  void close();

 private:
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::filesystem::path path_;
};

// Helpers for handlers: the two answer shapes.
[[nodiscard]] nlohmann::json admin_ok(nlohmann::json result);
[[nodiscard]] nlohmann::json admin_error(const Error& error);

// The client side: sends one request, waits at most `timeout` for the answer. Fails with
// `not_running == true` when no daemon listens on the socket (no file, or refused).
struct AdminFailure {
  Error error;
  bool not_running = false;
};
[[nodiscard]] std::expected<nlohmann::json, AdminFailure> admin_request(
    const std::filesystem::path& path, const nlohmann::json& request,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace outpost::net
