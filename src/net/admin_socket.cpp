#include "net/admin_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace outpost::net {
namespace {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using boost::system::error_code;

constexpr std::size_t kMaxRequest = 1 << 20;
constexpr auto kRequestTimeout = std::chrono::seconds(10);

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string os_error(int code) {
  return std::strerror(code);
}

asio::awaitable<void> serve_one(local::socket socket, AdminHandler handler) {
  asio::steady_timer deadline(socket.get_executor(), kRequestTimeout);
  deadline.async_wait([&socket](const error_code& ec) {
    error_code ignored;
    if (!ec) socket.close(ignored);
  });
  std::string line;
  error_code ec;
  co_await asio::async_read_until(socket, asio::dynamic_buffer(line, kMaxRequest), '\n',
                                  asio::redirect_error(asio::use_awaitable, ec));
  nlohmann::json answer;
  if (ec) {
    answer = admin_error(Error{EventId::none, "no complete request line: " + ec.message(), ""});
  } else {
    try {
      answer = handler(nlohmann::json::parse(line.substr(0, line.find('\n'))));
    } catch (const std::exception& e) {
      answer = admin_error(Error{EventId::none, std::string("bad admin request: ") + e.what(),
                                 "use the outpost command line"});
    }
  }
  std::string out = answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  co_await asio::async_write(socket, asio::buffer(out),
                             asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
}

asio::awaitable<void> accept_admin(local::acceptor& acceptor, AdminHandler handler) {
  for (;;) {
    error_code ec;
    local::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), serve_one(std::move(socket), handler), asio::detached);
  }
}

// Connects a blocking Unix socket to `path`; errno-style code on failure.
int connect_unix(const std::filesystem::path& path, int fd) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof(address.sun_path)) return ENAMETOOLONG;
  std::memcpy(address.sun_path, p.c_str(), p.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return errno;
  return 0;
}

bool someone_answers(const std::filesystem::path& path) {
  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  return s.fd >= 0 && connect_unix(path, s.fd) == 0;
}

}  // namespace

std::filesystem::path admin_socket_path(const std::filesystem::path& state_dir) {
  return state_dir / kAdminSocketName;
}

nlohmann::json admin_ok(nlohmann::json result) {
  return {{"ok", true}, {"result", std::move(result)}};
}

nlohmann::json admin_error(const Error& error) {
  return {
      {"ok", false}, {"error", error.message}, {"fix", error.fix}, {"event", number(error.event)}};
}

Result<std::unique_ptr<AdminSocket>> AdminSocket::open(const asio::any_io_executor& executor,
                                                       std::filesystem::path path) {
  if (path.string().size() >= sizeof(sockaddr_un::sun_path)) {
    return fail(fmt::format("the admin socket path {} is too long for a Unix socket ({} bytes "
                            "at most)",
                            path.string(), sizeof(sockaddr_un::sun_path) - 1),
                "use a shorter [node] state_dir", EventId::config_invalid);
  }
  std::error_code exists_ec;
  if (std::filesystem::exists(path, exists_ec)) {
    if (someone_answers(path)) {
      return fail(
          fmt::format("another daemon is running on {} (its admin socket answers)", path.string()),
          "stop it first, or give this node its own [node] state_dir", EventId::config_invalid);
    }
    std::filesystem::remove(path, exists_ec);  // stale, from a daemon that was killed
  }
  local::acceptor acceptor(executor);
  error_code ec;
  acceptor.open(local{}, ec);
  const mode_t old_mask = ::umask(0177);  // the socket file is created 0600
  if (!ec) acceptor.bind(local::endpoint(path.string()), ec);
  ::umask(old_mask);
  if (!ec) acceptor.listen(16, ec);
  if (ec) {
    return fail(fmt::format("cannot open the admin socket {}: {}", path.string(), ec.message()),
                "check that the state directory exists and is writable by this user",
                EventId::config_invalid);
  }
  ::chmod(path.c_str(), 0600);
  return std::make_unique<AdminSocket>(std::move(acceptor), std::move(path));
}

AdminSocket::AdminSocket(local::acceptor acceptor, std::filesystem::path path)
    : acceptor_(std::move(acceptor)), path_(std::move(path)) {}

AdminSocket::~AdminSocket() {
  close();
}

void AdminSocket::start(AdminHandler handler) {
  asio::co_spawn(acceptor_.get_executor(), accept_admin(acceptor_, std::move(handler)),
                 asio::detached);
}

void AdminSocket::close() {
  if (!acceptor_.is_open()) return;
  error_code ignored;
  acceptor_.close(ignored);
  std::error_code removed;
  std::filesystem::remove(path_, removed);
}

std::expected<nlohmann::json, AdminFailure> admin_request(const std::filesystem::path& path,
                                                          const nlohmann::json& request,
                                                          std::chrono::milliseconds timeout) {
  const auto failure = [&](std::string message, std::string fix, bool not_running) {
    return std::unexpected(
        AdminFailure{Error{EventId::none, std::move(message), std::move(fix)}, not_running});
  };
  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return failure("cannot create a Unix socket: " + os_error(errno), "", false);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (const int code = connect_unix(path, s.fd); code != 0) {
    const bool not_running = code == ENOENT || code == ECONNREFUSED;
    return failure(
        fmt::format("cannot reach the daemon's admin socket {}: {}", path.string(), os_error(code)),
        not_running ? "start the daemon" : "run the command as the daemon's user", not_running);
  }
  const std::string line = request.dump() + "\n";
  if (::send(s.fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    return failure("cannot send to the admin socket: " + os_error(errno), "", false);
  }
  std::string answer;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(s.fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure(
          fmt::format("no answer from the daemon on {}: {}", path.string(), os_error(errno)),
          "the daemon may be busy or stuck; see its event log", false);
    }
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  try {
    return nlohmann::json::parse(answer);
  } catch (const std::exception& e) {
    return failure(std::string("the daemon's answer is not JSON: ") + e.what(), "", false);
  }
}

}  // namespace outpost::net
