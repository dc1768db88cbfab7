// Two sessions over real mutual TLS on loopback: messages flow both ways, keepalives keep an
// idle connection open, a silent peer is closed after the dead-peer timeout, a close on one
// side is seen on the other, the send queue is bounded in bytes for the session and for the
// daemon (30080), and a held-back reader reads nothing until it is let go.
#include "channel/session.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "net/connect.hpp"
#include "test_pki.hpp"

namespace outpost::channel {
namespace {

using namespace std::chrono_literals;
using pki::testing::Issued;
using pki::testing::TestCa;

struct Side {
  std::shared_ptr<Session> session;
  std::vector<wire::Envelope> received;
  std::optional<std::string> closed;
  EventId closed_event = EventId::none;
  int close_reports = 0;
};

class SessionTest : public ::testing::Test {
 protected:
  asio::ssl::context context(const Issued& issued, net::TlsSide side) {
    net::TlsIdentity id{issued.certificate.get(), {}, issued.key.get(), {ca_.certificate().get()}};
    return std::move(*net::make_tls_context(id, side, net::TlsVersion::tls13));
  }

  // Connects a gateway (client) to a server and starts a session on each side.
  void connect(SessionSettings server_settings, SessionSettings client_settings) {
    auto acceptor = net::listen_on(io_.get_executor(), Endpoint{"127.0.0.1", 0});
    ASSERT_TRUE(acceptor);
    acceptor_.emplace(std::move(*acceptor));
    const auto port = acceptor_->local_endpoint().port();
    auto on_message = [](Side& side) {
      return [&side](const std::shared_ptr<Session>&, wire::Envelope e) {
        // An owner's handler with a bug, for AnExceptionInTheHandlerClosesTheSession.
        if (e.has_heartbeat() && e.heartbeat().origin() == "throw") {
          throw std::runtime_error("the handler has a bug");
        }
        side.received.push_back(std::move(e));
      };
    };
    auto on_closed = [](Side& side) {
      return [&side](const std::shared_ptr<Session>&, const Closure& why) {
        side.closed = why.reason;
        side.closed_event = why.event;
        ++side.close_reports;
      };
    };
    asio::co_spawn(
        io_,
        net::accept_loop(
            *acceptor_, [this]() -> asio::ssl::context& { return server_ctx_; }, net::Timeouts{},
            outpost::net::AcceptBudget(outpost::net::BudgetLimits{}),
            [&, server_settings](net::TlsStream stream) -> asio::awaitable<void> {
              const LocalNode me{"ms1.lab.test", "LAB", wire::ROLE_MANAGEMENT_SERVER, ""};
              AdmissionCheck admit = [](PeerIdentity, Prover) -> asio::awaitable<Admission> {
                co_return Admission{true, wire::REJECT_UNSPECIFIED, EventId::none, ""};
              };
              auto peer = co_await accept_hello(std::move(stream), me, admit, HelloTimeouts{});
              if (peer) {
                server_.session = Session::start(std::move(*peer), server_settings,
                                                 on_message(server_), on_closed(server_));
              }
            },
            [](const net::Refusal&) {}),
        asio::detached);
    asio::co_spawn(
        io_,
        [&, port, client_settings]() -> asio::awaitable<void> {
          const Endpoint parent{"ms1.lab.test", port};
          const net::HostsTable hosts{{"ms1.lab.test", "127.0.0.1"}};
          auto stream = co_await net::dial(client_ctx_, parent, hosts, net::Timeouts{});
          if (!stream) co_return;
          const LocalNode me{"gw1.lab.test", "LAB", wire::ROLE_GATEWAY, ""};
          auto peer = co_await send_hello(std::move(*stream), me, HelloTimeouts{});
          if (peer) {
            client_.session = Session::start(std::move(*peer), client_settings, on_message(client_),
                                             on_closed(client_));
          }
        },
        asio::detached);
    run_until([&] { return server_.session && client_.session; });
    ASSERT_TRUE(server_.session && client_.session);
  }

  // Runs the loop until `done` (checked every 20 ms), at most 20 s.
  template <class Done>
  void run_until(Done done) {
    for (int slice = 0; slice < 1000 && !done(); ++slice)
      io_.run_for(20ms);
  }
  void run_for(std::chrono::milliseconds total) {
    const auto end = std::chrono::steady_clock::now() + total;
    while (std::chrono::steady_clock::now() < end)
      io_.run_for(20ms);
  }

  void TearDown() override {
    if (acceptor_) acceptor_->close();
    for (Side* side : {&server_, &client_}) {
      if (side->session) side->session->close("test over");
    }
    io_.run_for(100ms);
  }

  TestCa ca_;
  Issued server_cert_ = ca_.issue("ms1.lab.test");
  Issued client_cert_ = ca_.issue("gw1.lab.test");
  asio::ssl::context server_ctx_ = context(server_cert_, net::TlsSide::accepting);
  asio::ssl::context client_ctx_ = context(client_cert_, net::TlsSide::connecting);
  asio::io_context io_;
  std::optional<net::tcp::acceptor> acceptor_;
  Side server_;
  Side client_;
};

wire::Envelope heartbeat(const std::string& origin) {
  wire::Envelope e;
  e.mutable_heartbeat()->set_origin(origin);
  return e;
}

TEST_F(SessionTest, MessagesFlowBothWaysInOrder) {
  connect({}, {});
  for (int i = 0; i < 100; ++i)
    client_.session->send(heartbeat("agent" + std::to_string(i)));
  server_.session->send(heartbeat("from-server"));
  run_until([&] { return server_.received.size() == 100 && client_.received.size() == 1; });
  ASSERT_EQ(server_.received.size(), 100U);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(server_.received[static_cast<std::size_t>(i)].heartbeat().origin(),
              "agent" + std::to_string(i));
  }
  EXPECT_EQ(client_.received.at(0).heartbeat().origin(), "from-server");
  EXPECT_EQ(server_.session->peer().fqdn, "gw1.lab.test");
}

TEST_F(SessionTest, KeepalivesHoldAnIdleConnectionOpen) {
  SessionSettings settings;
  settings.keepalive = 50ms;
  settings.dead_peer = 500ms;
  connect(settings, settings);
  run_for(1500ms);  // three dead-peer periods without application traffic
  EXPECT_FALSE(server_.closed) << *server_.closed;
  EXPECT_FALSE(client_.closed) << *client_.closed;
  EXPECT_TRUE(server_.received.empty());  // keepalives are not handed to the owner
}

TEST_F(SessionTest, SilentPeerIsClosedAfterTheDeadPeerTimeout) {
  SessionSettings watchful;
  watchful.dead_peer = 300ms;
  SessionSettings silent;
  silent.keepalive = 60s;
  connect(watchful, silent);
  run_until([&] { return server_.closed.has_value(); });
  ASSERT_TRUE(server_.closed);
  EXPECT_NE(server_.closed->find("no message from the peer within 300 ms"), std::string::npos)
      << *server_.closed;
}

TEST_F(SessionTest, CloseIsSeenByThePeerAndReportedOnce) {
  connect({}, {});
  client_.session->close("operator asked");
  client_.session->close("again");
  run_until([&] { return server_.closed.has_value(); });
  ASSERT_TRUE(server_.closed);
  EXPECT_NE(server_.closed->find("closed the connection"), std::string::npos) << *server_.closed;
  EXPECT_EQ(*client_.closed, "operator asked");
  EXPECT_EQ(client_.close_reports, 1);
  EXPECT_FALSE(client_.session->send(heartbeat("late")));
}

// An exception that ends one of the session's coroutines (here the owner's message handler, run
// by the reader) closes the session with the exception's text (30023); it never vanishes and
// never leaves a connection that reads nothing but keeps answering keepalives.
TEST_F(SessionTest, AnExceptionInTheHandlerClosesTheSession) {
  connect({}, {});
  client_.session->send(heartbeat("throw"));
  run_until([&] { return server_.closed.has_value() && client_.closed.has_value(); });
  ASSERT_TRUE(server_.closed);
  EXPECT_EQ(*server_.closed, "the connection's reader failed: the handler has a bug");
  EXPECT_EQ(server_.closed_event, EventId::peer_disconnected);
  EXPECT_EQ(server_.close_reports, 1);
  ASSERT_TRUE(client_.closed);  // the peer sees the connection end
}

wire::Envelope sized(std::size_t bytes) {
  return heartbeat(std::string(bytes, 'x'));
}

TEST_F(SessionTest, ASessionHoldingMoreThanItsShareIsClosedWith30080) {
  SessionSettings small;
  small.max_queued_bytes = 3u << 20;
  connect(small, {});
  EXPECT_TRUE(server_.session->send(sized(1u << 20)));
  EXPECT_TRUE(server_.session->send(sized(1u << 20)));
  EXPECT_FALSE(server_.session->send(sized(1u << 20)));  // 3 MiB and some: over
  EXPECT_FALSE(server_.session->send(heartbeat("late")));
  EXPECT_FALSE(server_.closed);  // closed after the caller's turn, not inside send()
  run_until([&] { return server_.closed.has_value(); });
  ASSERT_TRUE(server_.closed);
  EXPECT_EQ(server_.closed_event, EventId::peer_over_buffer);
  EXPECT_NE(server_.closed->find("session_max_buffered_mb = 3"), std::string::npos)
      << *server_.closed;
  EXPECT_EQ(server_.session->queued_bytes(), 0U);
}

TEST_F(SessionTest, OverTheDaemonBudgetTheSessionHoldingMoreThanItsShareIsClosed) {
  auto budget = std::make_shared<BufferBudget>(2u << 20);
  SessionSettings shared;
  shared.budget = budget;
  connect(shared, {});
  EXPECT_EQ(budget->sessions(), 1U);
  EXPECT_TRUE(server_.session->send(sized(1u << 20)));
  EXPECT_GT(budget->held(), 1U << 20);
  EXPECT_FALSE(server_.session->send(sized(1u << 20)));
  run_until([&] { return server_.closed.has_value(); });
  ASSERT_TRUE(server_.closed);
  EXPECT_EQ(server_.closed_event, EventId::peer_over_buffer);
  EXPECT_NE(server_.closed->find("daemon_max_buffered_mb = 2"), std::string::npos)
      << *server_.closed;
  EXPECT_EQ(budget->held(), 0U);  // what waited was released with the session
  EXPECT_EQ(budget->sessions(), 0U);
}

TEST_F(SessionTest, WrittenBytesAreReleasedFromTheBudget) {
  auto budget = std::make_shared<BufferBudget>(64u << 20);
  SessionSettings shared;
  shared.budget = budget;
  connect(shared, {});
  for (int i = 0; i < 8; ++i)
    EXPECT_TRUE(server_.session->send(sized(256u << 10)));
  EXPECT_GE(budget->held(), 2U << 20);
  run_until([&] { return client_.received.size() == 8; });
  EXPECT_EQ(client_.received.size(), 8U);
  run_until([&] { return budget->held() == 0; });
  EXPECT_EQ(budget->held(), 0U);
  EXPECT_EQ(server_.session->queued_bytes(), 0U);
  EXPECT_GE(budget->peak(), 2U << 20);
  EXPECT_FALSE(server_.closed);
}

TEST_F(SessionTest, AHeldBackReaderReadsNothingUntilLetGo) {
  bool hold = true;
  auto gate =
      std::make_shared<asio::steady_timer>(io_, std::chrono::steady_clock::time_point::max());
  SessionSettings held;
  held.before_read = [&hold, gate]() -> asio::awaitable<void> {
    while (hold) {
      boost::system::error_code ec;
      co_await gate->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  };
  connect({}, held);
  for (int i = 0; i < 3; ++i)
    server_.session->send(heartbeat("held" + std::to_string(i)));
  run_for(300ms);
  EXPECT_TRUE(client_.received.empty());
  hold = false;
  gate->cancel();
  run_until([&] { return client_.received.size() == 3; });
  EXPECT_EQ(client_.received.size(), 3U);
  EXPECT_FALSE(client_.closed);
}

TEST(BufferBudget, TheFairShareIsTheBudgetOverTheSessionsAtLeastOneMiB) {
  BufferBudget budget(8u << 20);
  EXPECT_EQ(budget.fair_share(), 8U << 20);
  for (int i = 0; i < 4; ++i)
    budget.opened();
  EXPECT_EQ(budget.fair_share(), 2U << 20);
  for (int i = 0; i < 60; ++i)
    budget.opened();
  EXPECT_EQ(budget.fair_share(), BufferBudget::kMinShare);
  budget.add(8u << 20);
  EXPECT_FALSE(budget.allows(2u << 20, 1));  // over the budget and over its share
  EXPECT_TRUE(budget.allows(0, 1000));       // over the budget, a small holder still passes
  budget.release(1u << 20);
  EXPECT_TRUE(budget.allows(5u << 20, 1000));  // under the budget: anyone
  budget.release(100u << 20);                  // never below zero
  EXPECT_EQ(budget.held(), 0U);
  EXPECT_EQ(budget.peak(), 8U << 20);
}

}  // namespace
}  // namespace outpost::channel
