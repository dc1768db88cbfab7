// Dialing and accepting mutually authenticated TLS connections, every step bounded in time.
// Failures come back as values that name the event an operator sees: 21005 (name not
// resolved), 21006 (TCP connect failed, with the OS error), 20072 (a certificate is not
// trusted), 20071 (closed before authentication completed, with the reason).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "net/accept_budget.hpp"
#include "net/tls.hpp"

namespace outpost::net {

struct Timeouts {
  std::chrono::milliseconds resolve{5000};
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds handshake{10000};
};

// Names resolved by the configuration's [hosts] table (canonical name -> address literal)
// before DNS is asked, the documented workaround for split or missing DNS.
using HostsTable = std::map<std::string, std::string>;

// Connects to `parent`, then runs the TLS handshake as the connecting side, requiring the
// parent's certificate to name `parent.host` (unless the host is an address literal).
// Coroutine parameters are taken by value: GCC 12 mishandles temporaries bound to reference
// parameters of a coroutine inside a co_await expression.
[[nodiscard]] asio::awaitable<Result<TlsStream>> dial(asio::ssl::context& context, Endpoint parent,
                                                      HostsTable hosts, Timeouts timeouts);

// What the accepting side knows about a refused connection, for its event log.
struct Refusal {
  std::string remote;  // "127.0.0.5:40112"
  EventId event;       // 30071 when refused at accept (over budget), before any TLS work
  std::string reason;
  std::string source;  // the address alone ("127.0.0.5"), the key of rate limits
  Cause cause = Cause::unspecified;
  std::shared_ptr<X509> presented{};  // the peer's certificate, when TLS got that far
};

using SessionHandler = std::function<asio::awaitable<void>(TlsStream)>;
// The accepting context for the next connection (a reload may replace it).
using ContextSource = std::function<asio::ssl::context&()>;
using RefusalHandler = std::function<void(const Refusal&)>;

// Accepts until the acceptor is closed. A connection over `budget` (in total or from its source
// address) is closed at once, before any TLS work, and reported to `on_refused` as 30071 (the
// handler summarises those). Any other runs in its own coroutine holding a budget slot: the TLS
// handshake, then `on_session`, both within one deadline (`timeouts.handshake`, from accept).
// `on_session` must return once the peer is admitted or refused (the session it starts runs
// elsewhere): its return releases the slot. A connection still without an answer at the deadline
// is closed (its handler cancelled) and reported as 20071.
[[nodiscard]] asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, ContextSource context,
                                                Timeouts timeouts, AcceptBudget budget,
                                                SessionHandler on_session,
                                                RefusalHandler on_refused);

// The peer's address and port as text ("127.0.0.5:40112", "[::1]:40112"), "unknown" if closed.
[[nodiscard]] std::string remote_text(const tcp::socket& socket);

// A failed TCP connect as a value: refused, no route, timed out (unspecified otherwise).
[[nodiscard]] Cause connect_cause(const boost::system::error_code& ec);

// Opens a listening socket (SO_REUSEADDR) on `listen`; port 0 picks a free one.
[[nodiscard]] Result<tcp::acceptor> listen_on(const asio::any_io_executor& executor,
                                              const Endpoint& listen);

}  // namespace outpost::net
