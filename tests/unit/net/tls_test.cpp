// In-process mutual TLS on loopback, port 0, with a throwaway CA: the handshake succeeds only
// when both sides present a certificate the other trusts, and each refusal says why.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/connect.hpp"
#include "test_pki.hpp"

namespace outpost::net {
namespace {

using pki::testing::Issued;
using pki::testing::TestCa;

TlsIdentity identity(const Issued& issued, const std::vector<const TestCa*>& trusted) {
  TlsIdentity id{issued.certificate.get(), {}, issued.key.get(), {}};
  for (const auto* ca : trusted)
    id.trusted.push_back(ca->certificate().get());
  return id;
}

asio::ssl::context context(const Issued& issued, const std::vector<const TestCa*>& trusted,
                           TlsSide side, TlsVersion minimum = TlsVersion::tls13) {
  auto ctx = make_tls_context(identity(issued, trusted), side, minimum);
  EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error().describe());
  return std::move(*ctx);
}

// A server on 127.0.0.1:<free port> answering "ping" with "pong", and one client attempt.
class TlsTest : public ::testing::Test {
 protected:
  struct Outcome {
    bool done = false;
    Result<void> client = {};
    std::string reply;
    int sessions = 0;
    std::vector<Refusal> refusals;
  };

  Outcome run(asio::ssl::context& server_ctx, asio::ssl::context& client_ctx,
              const std::string& server_name = "ms1.lab.test") {
    asio::io_context io;
    auto acceptor = listen_on(io.get_executor(), Endpoint{"127.0.0.1", 0});
    EXPECT_TRUE(acceptor);
    const auto port = acceptor->local_endpoint().port();
    Outcome out;
    asio::co_spawn(io,
                   accept_loop(
                       *acceptor, [&server_ctx]() -> asio::ssl::context& { return server_ctx; },
                       Timeouts{}, outpost::net::AcceptBudget(outpost::net::BudgetLimits{}),
                       [&out](TlsStream stream) -> asio::awaitable<void> {
                         ++out.sessions;
                         char buffer[4];
                         boost::system::error_code ec;
                         co_await asio::async_read(stream, asio::buffer(buffer),
                                                   asio::redirect_error(asio::use_awaitable, ec));
                         if (!ec) {
                           co_await asio::async_write(
                               stream, asio::buffer("pong", 4),
                               asio::redirect_error(asio::use_awaitable, ec));
                         }
                       },
                       [&out](const Refusal& r) { out.refusals.push_back(r); }),
                   asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const HostsTable hosts{{server_name, "127.0.0.1"}};
          const Endpoint parent{server_name, port};
          auto stream = co_await dial(client_ctx, parent, hosts, Timeouts{});
          if (!stream) {
            out.client = std::unexpected(stream.error());
          } else {
            boost::system::error_code ec;
            co_await asio::async_write(*stream, asio::buffer("ping", 4),
                                       asio::redirect_error(asio::use_awaitable, ec));
            char buffer[4];
            const std::size_t n = co_await asio::async_read(
                *stream, asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
            out.reply.assign(buffer, n);
            if (ec) out.client = fail("read failed: " + ec.message());
          }
          // Give the server a moment to log its side, then stop.
          asio::steady_timer settle(io, std::chrono::milliseconds(100));
          co_await settle.async_wait(asio::use_awaitable);
          acceptor->close();
          out.done = true;
        },
        asio::detached);
    for (int slice = 0; slice < 300 && !out.done; ++slice) {  // at most 30 s
      io.run_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(out.done) << "the exchange did not finish in 30 s";
    return out;
  }

  TestCa ca_;
  Issued server_ = ca_.issue("ms1.lab.test");
  Issued client_ = ca_.issue("gw1.lab.test");
};

TEST_F(TlsTest, MutualAuthenticationCarriesData) {
  auto server_ctx = context(server_, {&ca_}, TlsSide::accepting);
  auto client_ctx = context(client_, {&ca_}, TlsSide::connecting);
  const Outcome out = run(server_ctx, client_ctx);
  EXPECT_TRUE(out.client) << out.client.error().describe();
  EXPECT_EQ(out.reply, "pong");
  EXPECT_EQ(out.sessions, 1);
  EXPECT_TRUE(out.refusals.empty());
}

TEST_F(TlsTest, ClientWithoutCertificateGetsNoApplicationData) {
  auto server_ctx = context(server_, {&ca_}, TlsSide::accepting);
  asio::ssl::context bare(asio::ssl::context::tls_client);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(bare.native_handle()), ca_.certificate().get());
  SSL_CTX_set_verify(bare.native_handle(), SSL_VERIFY_PEER, nullptr);
  const std::string alpn = std::string(1, static_cast<char>(kAlpn.size())) + std::string(kAlpn);
  SSL_CTX_set_alpn_protos(bare.native_handle(), reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned>(alpn.size()));
  const Outcome out = run(server_ctx, bare);
  EXPECT_FALSE(out.client);
  EXPECT_NE(out.reply, "pong");
  EXPECT_EQ(out.sessions, 0);
  ASSERT_EQ(out.refusals.size(), 1U);
  EXPECT_NE(out.refusals[0].reason.find("certificate is required"), std::string::npos)
      << out.refusals[0].reason;
  EXPECT_EQ(out.refusals[0].cause, Cause::peer_sent_no_certificate);
  EXPECT_FALSE(out.refusals[0].presented);
}

TEST_F(TlsTest, ClientFromAnUntrustedCaIsRefusedWith20072OnTheServer) {
  const TestCa stranger("Stranger CA");
  const Issued intruder = stranger.issue("gw1.lab.test");
  auto server_ctx = context(server_, {&ca_}, TlsSide::accepting);
  auto client_ctx = context(intruder, {&ca_}, TlsSide::connecting);
  const Outcome out = run(server_ctx, client_ctx);
  EXPECT_FALSE(out.client);
  EXPECT_EQ(out.sessions, 0);
  ASSERT_EQ(out.refusals.size(), 1U);
  EXPECT_EQ(out.refusals[0].event, EventId::remote_cert_untrusted);
  EXPECT_NE(out.refusals[0].reason.find("CN=gw1.lab.test"), std::string::npos);
  // Typed, and with the certificate it presented (OpenSSL keeps none when verification fails).
  EXPECT_EQ(out.refusals[0].cause, Cause::peer_issuer_unknown);
  ASSERT_TRUE(out.refusals[0].presented);
  EXPECT_EQ(X509_cmp(out.refusals[0].presented.get(), intruder.certificate.get()), 0);
}

// A peer that completes TLS but never gets an answer is refused at the deadline, with the
// certificate it presented (so its refusal record has its name).
TEST_F(TlsTest, APeerSilentAfterTlsIsRefusedAtTheDeadlineWithItsCertificate) {
  auto server_ctx = context(server_, {&ca_}, TlsSide::accepting);
  auto client_ctx = context(client_, {&ca_}, TlsSide::connecting);
  asio::io_context io;
  auto acceptor = listen_on(io.get_executor(), Endpoint{"127.0.0.1", 0});
  ASSERT_TRUE(acceptor);
  const auto port = acceptor->local_endpoint().port();
  Timeouts quick;
  quick.handshake = std::chrono::milliseconds(500);
  std::vector<Refusal> refusals;
  asio::co_spawn(io,
                 accept_loop(
                     *acceptor, [&server_ctx]() -> asio::ssl::context& { return server_ctx; },
                     quick, outpost::net::AcceptBudget(outpost::net::BudgetLimits{}),
                     [](TlsStream stream) -> asio::awaitable<void> {
                       asio::steady_timer forever(stream.get_executor(), std::chrono::hours(1));
                       boost::system::error_code ec;
                       co_await forever.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                     },
                     [&refusals](const Refusal& r) { refusals.push_back(r); }),
                 asio::detached);
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const HostsTable hosts{{"ms1.lab.test", "127.0.0.1"}};
        const Endpoint parent{"ms1.lab.test", port};
        auto stream = co_await dial(client_ctx, parent, hosts, Timeouts{});
        EXPECT_TRUE(stream);
        for (int i = 0; i < 100 && refusals.empty(); ++i) {  // at most 10 s
          asio::steady_timer pause(io, std::chrono::milliseconds(100));
          co_await pause.async_wait(asio::use_awaitable);
        }
        acceptor->close();
        done = true;
      },
      asio::detached);
  for (int slice = 0; slice < 300 && !done; ++slice)
    io.run_for(std::chrono::milliseconds(100));
  ASSERT_EQ(refusals.size(), 1U);
  EXPECT_EQ(refusals[0].event, EventId::closed_before_auth);
  EXPECT_EQ(refusals[0].cause, Cause::timed_out);
  ASSERT_TRUE(refusals[0].presented);
  EXPECT_EQ(X509_cmp(refusals[0].presented.get(), client_.certificate.get()), 0);
}

TEST_F(TlsTest, ServerFromAnUntrustedCaIsRefusedWith20072OnTheClient) {
  const TestCa stranger("Stranger CA");
  const Issued impostor = stranger.issue("ms1.lab.test");
  auto server_ctx = context(impostor, {&ca_}, TlsSide::accepting);
  auto client_ctx = context(client_, {&ca_}, TlsSide::connecting);
  const Outcome out = run(server_ctx, client_ctx);
  ASSERT_FALSE(out.client);
  EXPECT_EQ(out.client.error().event, EventId::remote_cert_untrusted);
  EXPECT_EQ(out.sessions, 0);
}

TEST_F(TlsTest, ServerWhoseNameIsNotTheOneDialledIsRefused) {
  const Issued other = ca_.issue("ms2.lab.test");
  auto server_ctx = context(other, {&ca_}, TlsSide::accepting);
  auto client_ctx = context(client_, {&ca_}, TlsSide::connecting);
  const Outcome out = run(server_ctx, client_ctx, "ms1.lab.test");
  ASSERT_FALSE(out.client);
  EXPECT_EQ(out.client.error().event, EventId::remote_cert_untrusted);
  EXPECT_NE(out.client.error().message.find("hostname mismatch"), std::string::npos)
      << out.client.error().message;
}

TEST_F(TlsTest, Tls12ClientIsRefusedByADefaultServer) {
  auto server_ctx = context(server_, {&ca_}, TlsSide::accepting);
  auto client_ctx = context(client_, {&ca_}, TlsSide::connecting, TlsVersion::tls12);
  SSL_CTX_set_max_proto_version(client_ctx.native_handle(), TLS1_2_VERSION);
  const Outcome out = run(server_ctx, client_ctx);
  ASSERT_FALSE(out.client);
  EXPECT_NE(out.client.error().message.find("no TLS version in common"), std::string::npos)
      << out.client.error().message;
  EXPECT_EQ(out.sessions, 0);
}

TEST_F(TlsTest, ConnectRefusedIs21006WithTheOsError) {
  auto client_ctx = context(client_, {&ca_}, TlsSide::connecting);
  asio::io_context io;
  // A port that was free a moment ago: bind, note it, close.
  auto probe = listen_on(io.get_executor(), Endpoint{"127.0.0.1", 0});
  ASSERT_TRUE(probe);
  const auto port = probe->local_endpoint().port();
  probe->close();
  std::optional<Result<TlsStream>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const Endpoint parent{"127.0.0.1", port};
        const HostsTable no_hosts;
        auto dialled = co_await dial(client_ctx, parent, no_hosts, Timeouts{});
        result.emplace(std::move(dialled));
      },
      asio::detached);
  io.run_for(std::chrono::seconds(20));
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error().event, EventId::parent_connect_failed);
  EXPECT_NE(result->error().message.find("Connection refused"), std::string::npos)
      << result->error().message;
}

TEST(TlsContext, RefusesAKeyThatDoesNotMatch) {
  const TestCa ca;
  const Issued a = ca.issue("a.lab.test");
  const Issued b = ca.issue("b.lab.test");
  TlsIdentity id{a.certificate.get(), {}, b.key.get(), {ca.certificate().get()}};
  auto ctx = make_tls_context(id, TlsSide::accepting, TlsVersion::tls13);
  ASSERT_FALSE(ctx);
  EXPECT_EQ(ctx.error().event, EventId::cert_no_private_key);
}

}  // namespace
}  // namespace outpost::net
