// The HTTPS listener of the REST API and the console ([web] of a management server): Beast on
// its own io_context, run by [web] threads threads with a strand per connection, so a request
// never runs on the channel's thread. Bounded for every client: connections in all and per
// address, header and body size, the time to send a request and to read the answer, requests per
// connection. Answers carry the security headers (CSP without inline script, HSTS, frame
// denial, no sniffing, no referrer, no caching of API answers).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "core/config.hpp"
#include "core/event_log.hpp"
#include "pki/certificate.hpp"
#include "web/api.hpp"

namespace outpost::web {

class WebServer {
 public:
  // Binds the listener (fails with 30111 when it cannot) and loads the certificate.
  [[nodiscard]] static Result<std::unique_ptr<WebServer>> open(const WebSettings& settings,
                                                               boost::asio::ssl::context tls,
                                                               Api& api, EventLog& log);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Starts the threads; the listener answers from now on.
  void start();
  // Closes the listener and every connection; joins the threads. Idempotent.
  void stop();
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  // {"connections", "served", "refused_over_limit"}.
  [[nodiscard]] nlohmann::json status() const;

 private:
  WebServer(const WebSettings& settings, boost::asio::ssl::context tls, Api& api, EventLog& log);
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, std::string address);
  bool take_slot(const std::string& address);
  void release_slot(const std::string& address);

  WebSettings settings_;
  Api& api_;
  EventLog& log_;
  mutable std::mutex mutex_;  // per_source_, connections_ (before io_: its frames release slots)
  std::map<std::string, int> per_source_;
  int connections_ = 0;
  std::atomic<std::uint64_t> served_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<bool> stopped_{false};
  boost::asio::ssl::context tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint local_;
  std::vector<std::thread> threads_;
};

// The TLS context of the console: its certificate and key (PEM files, or the channel
// certificate's), TLS 1.2 and up, no client certificate asked for (browsers log in with a
// password), ALPN http/1.1.
[[nodiscard]] Result<boost::asio::ssl::context> console_tls(
    const WebSettings& settings, X509* channel_certificate, EVP_PKEY* channel_key,
    const std::vector<pki::Certificate>& chain);

}  // namespace outpost::web
