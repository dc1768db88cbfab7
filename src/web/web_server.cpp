#include "web/web_server.hpp"

#include <openssl/ssl.h>

#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fmt/format.h>

#include "core/text.hpp"

namespace outpost::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr int kRequestsPerConnection = 1000;
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kFirstRequestTimeout = 30s;  // from the handshake to a whole request
constexpr auto kIdleTimeout = 60s;          // between requests on a kept-alive connection
constexpr auto kWriteTimeout = 30s;
constexpr auto kShutdownTimeout = 5s;
constexpr auto kLingerTimeout = 2s;                // reading what follows a refused request
constexpr std::size_t kLingerBytes = 1024 * 1024;  // and at most this much of it

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

Method method_of(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::get;
    case http::verb::post:
      return Method::post;
    case http::verb::put:
      return Method::put;
    case http::verb::delete_:
      return Method::del;
    default:
      return Method::other;
  }
}

std::string header(const http::request<http::string_body>& req, http::field field) {
  const auto it = req.find(field);
  return it == req.end() ? std::string{} : std::string(it->value());
}

http::response<http::string_body> to_beast(Response r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  res.set("Content-Security-Policy", kCsp);
  res.set("Strict-Transport-Security", "max-age=31536000");
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(http::field::cache_control, r.cacheable ? "no-cache" : "no-store");
  for (auto& [name, value] : r.headers)
    res.insert(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

Result<asio::ssl::context> console_tls(const WebSettings& settings, X509* channel_certificate,
                                       EVP_PKEY* channel_key,
                                       const std::vector<pki::Certificate>& chain) {
  asio::ssl::context tls(asio::ssl::context::tls_server);
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // browsers log in with a password
  if (settings.cert_file.empty()) {
    if (SSL_CTX_use_certificate(ctx, channel_certificate) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, channel_key) != 1) {
      return fail("the channel certificate could not be used for the console",
                  "check outpost cert show", EventId::web_unavailable);
    }
    for (const auto& c : chain)
      SSL_CTX_add1_chain_cert(ctx, c.get());
  } else if (SSL_CTX_use_certificate_chain_file(ctx, settings.cert_file.c_str()) != 1 ||
             SSL_CTX_use_PrivateKey_file(ctx, settings.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
             SSL_CTX_check_private_key(ctx) != 1) {
    return fail(fmt::format("[web] cert_file {} and key_file {} could not be loaded as a PEM "
                            "certificate and its private key",
                            settings.cert_file.string(), settings.key_file.string()),
                "check both files (readable by the server, PEM, the key matching the certificate)",
                EventId::web_unavailable);
  }
  return tls;
}

WebServer::WebServer(const WebSettings& settings, asio::ssl::context tls, Api& api, EventLog& log)
    : settings_(settings), api_(api), log_(log), tls_(std::move(tls)), acceptor_(io_) {}

WebServer::~WebServer() {
  stop();
}

Result<std::unique_ptr<WebServer>> WebServer::open(const WebSettings& settings,
                                                   asio::ssl::context tls, Api& api,
                                                   EventLog& log) {
  std::unique_ptr<WebServer> server(new WebServer(settings, std::move(tls), api, log));
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(settings.listen.host, ec);
  if (ec) {
    return fail(fmt::format("[web] address {} is not an IP address", settings.listen.host), "",
                EventId::web_unavailable);
  }
  const tcp::endpoint endpoint(address, settings.listen.port);
  auto& a = server->acceptor_;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) server->local_ = a.local_endpoint(ec);
  if (ec) {
    return fail(
        fmt::format("the console cannot listen on {}: {}", settings.listen.text(), ec.message()),
        "free the port or choose another with [web] port", EventId::web_unavailable);
  }
  return server;
}

void WebServer::start() {
  asio::co_spawn(io_, accept_loop(), [this](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      (void)log_.write(EventId::web_unavailable,
                       fmt::format("the console's listener stopped: {}", x.what()));
    }
  });
  for (int i = 0; i < settings_.threads; ++i)
    threads_.emplace_back([this] { io_.run(); });
  (void)log_.write(EventId::web_listening,
                   fmt::format("The console and the REST API listen on https://{}:{}/",
                               local_.address().to_string(), local_.port()),
                   {{"address", local_.address().to_string()}, {"port", local_.port()}});
}

void WebServer::stop() {
  if (stopped_.exchange(true)) return;
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  io_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

nlohmann::json WebServer::status() const {
  const std::lock_guard lock(mutex_);
  return {{"connections", connections_},
          {"served", served_.load()},
          {"refused_over_limit", refused_.load()},
          {"max_connections", settings_.max_connections},
          {"max_per_source", settings_.max_per_source}};
}

bool WebServer::take_slot(const std::string& address) {
  const std::lock_guard lock(mutex_);
  auto& mine = per_source_[address];
  if (connections_ >= settings_.max_connections || mine >= settings_.max_per_source) {
    if (mine == 0) per_source_.erase(address);
    return false;
  }
  ++mine;
  ++connections_;
  return true;
}

void WebServer::release_slot(const std::string& address) {
  const std::lock_guard lock(mutex_);
  --connections_;
  if (--per_source_[address] <= 0) per_source_.erase(address);
}

asio::awaitable<void> WebServer::accept_loop() {
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_),
                                                        asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;  // a connection reset before it was accepted, out of descriptors: go on
    boost::system::error_code addr_ec;
    std::string address = socket.remote_endpoint(addr_ec).address().to_string();
    if (addr_ec) continue;
    // Answers go out in several writes: without TCP_NODELAY the later ones wait ~40 ms for the
    // client's delayed acknowledgement (measured, docs/performance.md).
    socket.set_option(tcp::no_delay(true), addr_ec);
    if (!take_slot(address)) {
      ++refused_;  // closed at once: the limits of [web] max_connections and max_per_source
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(
        executor, serve(std::move(socket), address), [this, address](const std::exception_ptr& e) {
          release_slot(address);
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            (void)log_.write(
                EventId::web_unavailable,
                fmt::format("a console connection from {} failed: {}", address, x.what()));
          }
        });
  }
}

asio::awaitable<void> WebServer::serve(tcp::socket socket, std::string address) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls_);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  auto [hs] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                              asio::as_tuple(asio::use_awaitable));
  if (hs) co_return;
  beast::flat_buffer buffer(kHeaderLimit);
  for (int n = 0; n < kRequestsPerConnection && !stopped_; ++n) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(static_cast<std::uint64_t>(settings_.body_limit_kb) * 1024);
    beast::get_lowest_layer(stream).expires_after(n == 0 ? kFirstRequestTimeout : kIdleTimeout);
    auto [rec, bytes] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)bytes;
    Response response;
    bool keep_alive = false;
    unsigned version = 11;
    if (rec == http::error::body_limit) {
      response = error_response(
          413, EventId::web_request_too_large,
          fmt::format("the request body is larger than {} KiB", settings_.body_limit_kb),
          "send less, or raise [web] body_limit_kb");
    } else if (rec == http::error::header_limit) {
      response = error_response(431, EventId::web_request_too_large,
                                "the request's headers are larger than 16 KiB", "");
    } else if (rec) {
      break;  // closed, timed out, or not HTTP: nothing to answer
    } else {
      auto& req = parser.get();
      version = req.version();
      keep_alive = req.keep_alive();
      auto target = parse_target(std::string_view(req.target().data(), req.target().size()));
      if (!target) {
        response = error_response(400, EventId::web_request_invalid,
                                  "the request's path is not valid", "");
      } else {
        Request request;
        request.method = method_of(req.method());
        request.path = std::move(target->path);
        request.query = std::move(target->query);
        request.cookie_session = cookie_value(header(req, http::field::cookie), kSessionCookie);
        request.authorization = header(req, http::field::authorization);
        request.csrf = std::string(req["X-CSRF-Token"]);
        request.content_type = header(req, http::field::content_type);
        request.body = std::move(req.body());
        request.address = address;
        auto handled = api_.handle(std::move(request));
        response = co_await std::move(handled);
      }
    }
    ++served_;
    auto res = to_beast(std::move(response), version, keep_alive);
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    auto [wec, written] =
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (wec) co_return;
    if (rec) {
      // Refused before its body was read: the client may still be sending it. Closing now
      // would reset the connection and lose the answer, so the rest is read and dropped first,
      // bounded in bytes and time (a lingering close).
      auto& tcp_stream = beast::get_lowest_layer(stream);
      boost::system::error_code ignored;
      tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      tcp_stream.expires_after(kLingerTimeout);
      std::array<char, 16384> sink{};
      std::size_t drained = 0;
      while (drained < kLingerBytes) {
        auto [dec, got] = co_await tcp_stream.async_read_some(asio::buffer(sink),
                                                              asio::as_tuple(asio::use_awaitable));
        if (dec) break;
        drained += got;
      }
      co_return;
    }
    if (!keep_alive) break;
  }
  beast::get_lowest_layer(stream).expires_after(kShutdownTimeout);
  auto [sd] = co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  (void)sd;
}

}  // namespace outpost::web
