// The hello exchange over real mutual TLS on loopback: admitted peers become AuthenticatedPeers
// on both sides; every refusal reaches the connecting side with its reason and is reported on
// the accepting side with its event.
#include "channel/hello.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/frames_io.hpp"
#include "net/connect.hpp"
#include "pki/proof.hpp"
#include "test_pki.hpp"

namespace outpost::channel {
namespace {

using pki::testing::Issued;
using pki::testing::TestCa;

asio::ssl::context context(const Issued& issued, const TestCa& ca, net::TlsSide side) {
  net::TlsIdentity id{issued.certificate.get(), {}, issued.key.get(), {ca.certificate().get()}};
  auto ctx = net::make_tls_context(id, side, net::TlsVersion::tls13);
  EXPECT_TRUE(ctx);
  return std::move(*ctx);
}

struct Outcome {
  bool done = false;
  std::optional<Result<PeerIdentity>> server;
  std::optional<Result<PeerIdentity>> client;
};

class HelloTest : public ::testing::Test {
 protected:
  // Runs one connection: `client_me` dials the server `server_me`, whose admission is `admit`.
  Outcome run(LocalNode client_me, AdmissionCheck admit,
              HelloTimeouts server_timeouts = HelloTimeouts{}) {
    asio::io_context io;
    auto server_ctx = context(server_, ca_, net::TlsSide::accepting);
    auto client_ctx = context(client_, ca_, net::TlsSide::connecting);
    auto acceptor = net::listen_on(io.get_executor(), Endpoint{"127.0.0.1", 0});
    EXPECT_TRUE(acceptor);
    const auto port = acceptor->local_endpoint().port();
    Outcome out;
    asio::co_spawn(io,
                   net::accept_loop(
                       *acceptor, [&server_ctx]() -> asio::ssl::context& { return server_ctx; },
                       net::Timeouts{}, outpost::net::AcceptBudget(outpost::net::BudgetLimits{}),
                       [&](net::TlsStream stream) -> asio::awaitable<void> {
                         auto peer = co_await accept_hello(std::move(stream), server_me_, admit,
                                                           server_timeouts);
                         if (peer) {
                           out.server = peer->identity();
                         } else {
                           out.server = std::unexpected(peer.error().error);
                         }
                       },
                       [](const net::Refusal&) {}),
                   asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const Endpoint parent{"ms1.lab.test", port};
          const net::HostsTable hosts{{"ms1.lab.test", "127.0.0.1"}};
          auto stream = co_await net::dial(client_ctx, parent, hosts, net::Timeouts{});
          if (!stream) {
            out.client = std::unexpected(stream.error());
          } else {
            auto peer = co_await send_hello(std::move(*stream), client_me, HelloTimeouts{});
            if (peer) {
              out.client = peer->identity();
            } else {
              out.client = std::unexpected(peer.error());
            }
          }
          for (int i = 0; i < 100 && !out.server; ++i) {  // let the server finish (<= 10 s)
            asio::steady_timer pause(io, std::chrono::milliseconds(100));
            co_await pause.async_wait(asio::use_awaitable);
          }
          acceptor->close();
          out.done = true;
        },
        asio::detached);
    for (int slice = 0; slice < 300 && !out.done; ++slice) {
      io.run_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(out.done);
    return out;
  }

  static AdmissionCheck admit_all() {
    return [](PeerIdentity, Prover) -> asio::awaitable<Admission> {
      co_return Admission{true, wire::REJECT_UNSPECIFIED, EventId::none, ""};
    };
  }

  LocalNode gateway() const {
    return LocalNode{"gw1.lab.test", "LAB", wire::ROLE_GATEWAY, "cookie-1"};
  }

  TestCa ca_;
  Issued server_ = ca_.issue("ms1.lab.test");
  Issued client_ = ca_.issue("gw1.lab.test");
  LocalNode server_me_{"ms1.lab.test", "LAB", wire::ROLE_MANAGEMENT_SERVER, ""};
};

TEST_F(HelloTest, AdmittedPeerIsAuthenticatedOnBothSides) {
  const Outcome out = run(gateway(), admit_all());
  ASSERT_TRUE(out.server && out.client);
  ASSERT_TRUE(*out.server) << out.server->error().describe();
  ASSERT_TRUE(*out.client) << out.client->error().describe();
  EXPECT_EQ((*out.server)->fqdn, "gw1.lab.test");
  EXPECT_EQ((*out.server)->role, wire::ROLE_GATEWAY);
  EXPECT_EQ((*out.server)->config_cookie, "cookie-1");
  EXPECT_EQ((*out.server)->certificate_sha256, client_.certificate.sha256_hex());
  EXPECT_EQ((*out.client)->fqdn, "ms1.lab.test");
  EXPECT_EQ((*out.client)->management_group, "LAB");
}

TEST_F(HelloTest, WrongManagementGroupIsRefusedOnBothSides) {
  LocalNode me = gateway();
  me.management_group = "OTHER";
  const Outcome out = run(me, admit_all());
  ASSERT_TRUE(out.server && out.client);
  ASSERT_FALSE(*out.server);
  EXPECT_EQ(out.server->error().event, EventId::device_wrong_group);
  ASSERT_FALSE(*out.client);
  EXPECT_EQ(out.client->error().event, EventId::closed_after_auth);
  EXPECT_NE(out.client->error().message.find("REJECT_WRONG_MANAGEMENT_GROUP"), std::string::npos);
  EXPECT_NE(out.client->error().message.find("management group 'OTHER', but this is 'LAB'"),
            std::string::npos)
      << out.client->error().message;
}

TEST_F(HelloTest, HelloNameThatIsNotTheCertificatesIsRefused) {
  LocalNode me = gateway();
  me.fqdn = "gw2.lab.test";  // the certificate says gw1
  const Outcome out = run(me, admit_all());
  ASSERT_TRUE(out.server && out.client);
  ASSERT_FALSE(*out.server);
  EXPECT_EQ(out.server->error().event, EventId::cert_name_mismatch);
  ASSERT_FALSE(*out.client);
  EXPECT_NE(out.client->error().message.find("REJECT_NAME_MISMATCH"), std::string::npos);
}

TEST_F(HelloTest, ExtraNamesProveNothing) {
  // CN agent9, and gw1 as an extra DNS name: it is agent9, and cannot say it is gw1.
  client_ = ca_.issue("agent9.lab.test",
                      [](pki::CertificateSpec& spec) { spec.dns_names.push_back("gw1.lab.test"); });
  const Outcome out = run(gateway(), admit_all());
  ASSERT_TRUE(out.server && out.client);
  ASSERT_FALSE(*out.server);
  EXPECT_EQ(out.server->error().event, EventId::cert_name_mismatch);
  ASSERT_FALSE(*out.client);
  EXPECT_NE(out.client->error().message.find("REJECT_NAME_MISMATCH"), std::string::npos);
}

TEST_F(HelloTest, APeerProvesPossessionOfItsKeyBeforeItsWelcome) {
  std::string checked;
  const Outcome out =
      run(gateway(), [&](PeerIdentity peer, Prover prove) -> asio::awaitable<Admission> {
        EXPECT_EQ(peer.key_sha256, pki::public_key_sha256_hex(client_.certificate.public_key()));
        EXPECT_FALSE(peer.certificate_chain.empty());  // its own certificate first
        const std::string nonce = pki::make_nonce();
        auto signature = co_await prove(nonce);
        EXPECT_TRUE(signature);
        auto second = co_await prove(pki::make_nonce());  // one challenge per hello
        EXPECT_FALSE(second);
        auto chain = pki::verify_client_chain(peer.certificate_chain, {ca_.certificate()},
                                              peer.fqdn, Clock::now());
        EXPECT_TRUE(chain);
        const bool proven =
            signature && chain &&
            pki::verify_proof(chain->public_key(), {nonce, peer.fqdn, "ms1.lab.test", "LAB"},
                              *signature);
        checked = proven ? "proven" : "not proven";
        co_return Admission{proven, wire::REJECT_UNSPECIFIED, EventId::none, ""};
      });
  EXPECT_EQ(checked, "proven");
  ASSERT_TRUE(out.server && out.client);
  EXPECT_TRUE(*out.server);
  EXPECT_TRUE(*out.client);
}

TEST_F(HelloTest, AdmissionRefusalCarriesItsReason) {
  const Outcome out = run(gateway(), [](PeerIdentity peer, Prover) -> asio::awaitable<Admission> {
    co_return Admission{false, wire::REJECT_NOT_APPROVED, EventId::device_not_in_group,
                        fmt::format("gateway {} is not approved", peer.fqdn)};
  });
  ASSERT_TRUE(out.server && out.client);
  ASSERT_FALSE(*out.server);
  EXPECT_EQ(out.server->error().event, EventId::device_not_in_group);
  ASSERT_FALSE(*out.client);
  EXPECT_EQ(out.client->error().event, EventId::closed_after_auth);
  EXPECT_NE(out.client->error().message.find("gateway gw1.lab.test is not approved"),
            std::string::npos);
  EXPECT_NE(out.client->error().fix.find("approve this computer"), std::string::npos);
}

TEST_F(HelloTest, SilentPeerIsDroppedAfterTheHelloTimeout) {
  // The client sends a hello only after the server's (short) hello timeout.
  HelloTimeouts quick;
  quick.hello = std::chrono::milliseconds(200);
  asio::io_context io;
  auto server_ctx = context(server_, ca_, net::TlsSide::accepting);
  auto client_ctx = context(client_, ca_, net::TlsSide::connecting);
  auto acceptor = net::listen_on(io.get_executor(), Endpoint{"127.0.0.1", 0});
  ASSERT_TRUE(acceptor);
  const auto port = acceptor->local_endpoint().port();
  std::optional<std::expected<AuthenticatedPeer, HelloRefusal>> server;
  bool done = false;
  asio::co_spawn(io,
                 net::accept_loop(
                     *acceptor, [&server_ctx]() -> asio::ssl::context& { return server_ctx; },
                     net::Timeouts{}, outpost::net::AcceptBudget(outpost::net::BudgetLimits{}),
                     [&](net::TlsStream stream) -> asio::awaitable<void> {
                       server.emplace(co_await accept_hello(std::move(stream), server_me_,
                                                            admit_all(), quick));
                     },
                     [](const net::Refusal&) {}),
                 asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const Endpoint parent{"ms1.lab.test", port};
        const net::HostsTable hosts{{"ms1.lab.test", "127.0.0.1"}};
        auto stream = co_await net::dial(client_ctx, parent, hosts, net::Timeouts{});
        for (int i = 0; i < 100 && !server; ++i) {
          asio::steady_timer pause(io, std::chrono::milliseconds(100));
          co_await pause.async_wait(asio::use_awaitable);
        }
        acceptor->close();
        done = true;
      },
      asio::detached);
  for (int slice = 0; slice < 300 && !done; ++slice)
    io.run_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(server.has_value());
  ASSERT_FALSE(*server);
  EXPECT_NE(server->error().error.message.find("no message from the peer within 200 ms"),
            std::string::npos)
      << server->error().error.message;
  // The refusal record names the peer by its certificate: it never sent a hello.
  EXPECT_EQ(server->error().observed.key.identity, "gw1.lab.test");
  EXPECT_EQ(server->error().observed.key.event, EventId::closed_before_auth);
  EXPECT_FALSE(server->error().observed.certificate.empty());
  EXPECT_EQ(server->error().observed.role, "");
}

}  // namespace
}  // namespace outpost::channel
