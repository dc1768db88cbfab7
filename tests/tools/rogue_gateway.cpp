// A compromised gateway for tests/integration/trust_identity_test.sh: it holds gw1's real
// certificate and key (so the management server admits it as gw1) and tries what end-to-end
// agent authentication must stop (docs/security.md): heartbeats and a data batch for an agent
// that is not connected to it, admission queries for names that are not computer names, and an
// admission query for a real agent (its real certificate chain) whose proof it forges, and a
// Goodbye in the agent's name (as if it had stopped). It prints
// one line per message the server sends it and exits after --seconds.
//
//   outpost-rogue-gateway --config gw1.toml --server HOST:PORT --agent FQDN
//                         --chain-of FQDN CERT.pem --seconds N
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include "channel/node_context.hpp"
#include "channel/session.hpp"
#include "net/connect.hpp"
#include "pki/certificate.hpp"
#include "pki/proof.hpp"

namespace asio = boost::asio;
using namespace outpost;

namespace {

struct Options {
  std::string config;
  std::string server;
  std::string agent;        // heartbeats and data are forged for it
  std::string proof_agent;  // an admission query with its real chain, and a forged proof
  std::string proof_agent_pem;
  int seconds = 10;
};

std::string der_of_pem(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto certificates = pki::parse_certificates(text.str());
  if (!certificates || certificates->empty()) return {};
  unsigned char* out = nullptr;
  const int n = i2d_X509(certificates->front().get(), &out);
  std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return der;
}

wire::Envelope heartbeat(const std::string& origin) {
  wire::Envelope e;
  e.mutable_heartbeat()->set_origin(origin);
  e.mutable_heartbeat()->set_produced_unix_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
          .count());
  return e;
}

wire::Envelope query(std::uint64_t id, const std::string& name, const std::string& der) {
  wire::Envelope e;
  e.mutable_admission_query()->set_query_id(id);
  e.mutable_admission_query()->set_agent_fqdn(name);
  if (!der.empty()) e.mutable_admission_query()->add_certificate_chain(der);
  return e;
}

asio::awaitable<void> run(const Options& o, channel::NodeContext& node) {
  const auto parent = parse_endpoint(o.server);
  auto stream = co_await net::dial(node.connecting(), *parent, {}, net::Timeouts{});
  if (!stream) {
    std::cout << "dial failed: " << stream.error().describe() << std::endl;
    co_return;
  }
  const channel::LocalNode me{node.config().fqdn, node.config().management_group,
                              wire::ROLE_GATEWAY, ""};
  auto peer = co_await channel::send_hello(std::move(*stream), me, channel::HelloTimeouts{});
  if (!peer) {
    std::cout << "refused: " << peer.error().describe() << std::endl;
    co_return;
  }
  std::cout << "admitted as " << me.fqdn << std::endl;
  auto key = channel::connection_key(peer->stream());
  std::shared_ptr<EVP_PKEY> own(key.release(), EVP_PKEY_free);
  auto session = channel::Session::start(
      std::move(*peer), channel::SessionSettings{},
      [own](const std::shared_ptr<channel::Session>& s, wire::Envelope e) {
        if (e.has_agent_challenge()) {
          const auto& c = e.agent_challenge();
          std::cout << "challenge for " << c.agent_fqdn() << " query " << c.query_id() << std::endl;
          // The proof a gateway can make: signed with its own key, not the agent's.
          auto forged =
              pki::sign_proof(own.get(), {c.nonce(), c.agent_fqdn(), "gw1.lab.test", "LAB"});
          wire::Envelope proof;
          auto* p = proof.mutable_agent_proof();
          p->set_query_id(c.query_id());
          p->set_agent_fqdn(c.agent_fqdn());
          p->set_nonce(c.nonce());
          p->set_signature(forged ? *forged : std::string("forged"));
          s->send(std::move(proof));
        } else if (e.has_admission_answer()) {
          const auto& a = e.admission_answer();
          std::cout << "answer query " << a.query_id() << " admitted " << a.admitted() << ": "
                    << a.reason() << std::endl;
        } else if (e.has_ack()) {
          std::cout << "ack " << e.ack().origin() << " through " << e.ack().through_seq()
                    << std::endl;
        }
      },
      [](const auto&, const channel::Closure& why) {
        std::cout << "closed: " << why.reason << std::endl;
      });
  session->send(query(1, "not a name!", ""));
  session->send(query(2, std::string(300, 'a') + ".lab.test", ""));
  if (!o.proof_agent.empty()) session->send(query(3, o.proof_agent, der_of_pem(o.proof_agent_pem)));
  wire::Envelope goodbye;  // the agent is not proven through this gateway: ignored
  goodbye.mutable_goodbye()->set_origin(o.agent);
  goodbye.mutable_goodbye()->set_reason("forged by a rogue gateway");
  session->send(std::move(goodbye));
  wire::Envelope batch;
  auto* b = batch.mutable_data_batch();
  b->set_origin(o.agent);
  b->set_first_seq(1000000);
  b->set_previous_seq(0);
  auto* item = b->add_items();
  item->set_seq(1000000);
  item->set_produced_unix_ms(0);
  item->set_event(R"({"rule":"forged","message":"written by a rogue gateway","level":"error"})");
  const int rounds = o.seconds * 2;
  for (int i = 0; i < rounds && session->is_open(); ++i) {
    session->send(heartbeat(me.fqdn));  // its own: gw1 itself is healthy
    session->send(heartbeat(o.agent));
    if (i % 4 == 0) session->send(batch);
    asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(500));
    co_await pause.async_wait(asio::use_awaitable);
  }
  std::cout << "done" << std::endl;
  session->close("the test is over");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--config")
      o.config = argv[++i];
    else if (flag == "--server")
      o.server = argv[++i];
    else if (flag == "--agent")
      o.agent = argv[++i];
    else if (flag == "--seconds")
      o.seconds = std::stoi(argv[++i]);
    else if (flag == "--chain-of" && i + 2 < argc) {
      o.proof_agent = argv[++i];
      o.proof_agent_pem = argv[++i];
    }
  }
  if (o.config.empty() || o.server.empty() || o.agent.empty() || !parse_endpoint(o.server)) {
    std::cerr << "usage: outpost-rogue-gateway --config FILE --server HOST:PORT --agent FQDN "
                 "[--chain-of FQDN CERT.pem] [--seconds N]\n";
    return 2;
  }
  auto config = load_node_config(o.config);
  if (!config) {
    std::cerr << config.error().describe() << "\n";
    return 1;
  }
  const auto scratch = std::filesystem::temp_directory_path() /
                       ("outpost-rogue-gateway-" + std::to_string(::getpid()));
  std::filesystem::create_directories(scratch);
  EventLog log(scratch, "rogue", Echo::none);
  auto node = channel::NodeContext::load(*config, log);
  if (!node) {
    std::cerr << node.error().describe() << "\n";
    return 1;
  }
  asio::io_context io;
  asio::co_spawn(io, run(o, *node), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  std::filesystem::remove_all(scratch);
  return 0;
}
