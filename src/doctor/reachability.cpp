// Check 3: a TCP connection to each parent's host:port, with a bounded timeout per address, and
// what went wrong in words: refused (nothing listens, or a firewall rejects), timed out (a
// firewall drops the packets, or the host is down), no route.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include "doctor/context.hpp"

namespace outpost::doctor {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Attempt {
  bool connected = false;
  std::string why;
};

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
  if (timed_out) {
    return {false, fmt::format("timed out after {} ms (a firewall drops the packets, or the host "
                               "is down)",
                               limit.count())};
  }
  if (!result) return {true, {}};
  if (result == asio::error::connection_refused) {
    return {false, "connection refused (nothing listens on the port, or a firewall rejects it)"};
  }
  if (result == asio::error::host_unreachable || result == asio::error::network_unreachable) {
    return {false, fmt::format("no route to the host ({})", result.message())};
  }
  return {false, result.message()};
}

Finding reach(const Context& c, ParentState& parent) {
  const std::string subject = parent.endpoint.text();
  if (parent.addresses.empty()) {
    return skipped("not tried: the name did not resolve (check 2)", subject);
  }
  std::vector<std::string> tried;
  for (const auto& address : parent.addresses) {
    const Attempt attempt = connect_once(address, parent.endpoint.port, c.options.network);
    if (attempt.connected) {
      parent.reachable = true;
      parent.reached = address;
      return passed(
          fmt::format("TCP connection to {} port {} accepted", address, parent.endpoint.port),
          subject);
    }
    tried.push_back(fmt::format("{} port {}: {}", address, parent.endpoint.port, attempt.why));
    if (tried.size() == 2) break;  // keep the run short: at most two addresses
  }
  return failed(EventId::parent_connect_failed,
                fmt::format("could not connect to {}: {}", subject, fmt::join(tried, "; ")),
                fmt::format("check that the parent runs (outpost server/gateway on {}) and that "
                            "TCP port {} is open on every firewall on the path",
                            parent.endpoint.host, parent.endpoint.port),
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
