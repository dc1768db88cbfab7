// Check 3: a TCP connection to each parent's host:port, with a bounded timeout per address, and
// what went wrong in words: refused (nothing listens, or a firewall rejects), timed out (a
// firewall drops the packets, or the host is down), no route.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include "doctor/context.hpp"
#include "doctor/explain.hpp"
#include "net/connect.hpp"

namespace outpost::doctor {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Attempt {
  bool connected = false;
  std::string why;
};

// A plain TCP connect, when this node has no certificate to dial with (the parent logs it as a
// connection closed during TLS).
Attempt connect_once(const std::string& address, std::uint16_t port,
                     std::chrono::milliseconds limit) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return {false, fmt::format("{} is not an address", address)};
  asio::io_context io;
  tcp::socket socket(io);
  asio::steady_timer timer(io, limit);
  bool timed_out = false;
  boost::system::error_code result = asio::error::would_block;
  socket.async_connect(tcp::endpoint(ip, port), [&](const boost::system::error_code& e) {
    result = e;
    timer.cancel();
  });
  timer.async_wait([&](const boost::system::error_code& e) {
    if (e) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  io.run();
  if (timed_out) return {false, connect_failure_reason(Cause::timed_out, "timed out")};
  if (!result) return {true, {}};
  return {false, connect_failure_reason(net::connect_cause(result), result.message())};
}

Finding unreachable(const ParentState& parent, std::string why) {
  return failed(EventId::parent_connect_failed,
                fmt::format("could not connect to {}: {}", parent.endpoint.text(), why),
                fmt::format("check that the parent runs (outpost server/gateway on {}) and that "
                            "TCP port {} is open on every firewall on the path",
                            parent.endpoint.host, parent.endpoint.port),
                parent.endpoint.text());
}

Finding reach(Context& c, ParentState& parent) {
  const std::string subject = parent.endpoint.text();
  if (parent.addresses.empty()) {
    return skipped("not tried: the name did not resolve (check 2)", subject);
  }
  const std::string& address = parent.addresses.front();
  if (tls_context(c) != nullptr) {  // the real dial, whose TLS and hello checks 8 and 9 read
    probe_parent(c, parent);
    if (parent.probe.connect_error) {
      const Error& failure = *parent.probe.connect_error;
      const std::string& m = failure.message;
      const auto colon = m.rfind(": ");  // the OS's words after the address, as evidence
      return unreachable(
          parent,
          fmt::format("{} port {}: {}", address, parent.endpoint.port,
                      connect_failure_reason(
                          failure.cause, colon == std::string::npos ? m : m.substr(colon + 2))));
    }
  } else {
    const Attempt attempt = connect_once(address, parent.endpoint.port, c.options.network);
    if (!attempt.connected) {
      return unreachable(parent,
                         fmt::format("{} port {}: {}", address, parent.endpoint.port, attempt.why));
    }
    parent.reachable = true;
  }
  return passed(fmt::format("TCP connection to {} port {} accepted", address, parent.endpoint.port),
                subject);
}

}  // namespace

std::vector<Finding> check_reachability(Context& c) {
  if (c.parents.empty()) return {skipped("a management server has no parent to connect to")};
  std::vector<Finding> out;
  for (auto& parent : c.parents)
    out.push_back(reach(c, parent));
  return out;
}

}  // namespace outpost::doctor
