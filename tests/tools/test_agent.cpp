// A test client that speaks as an agent: it loads an agent's configuration like `outpost agent`
// (its certificate, trusted store and first parent), dials, completes the hello and sends the data
// batches a JSON file describes, items of any shape included, then waits for the Acks. The
// integration tests use it to send what a real agent never would (ingest_validation_test.sh,
// gateway_memory_test.sh).
//
//   outpost_test_agent --config AGENT.toml --batches FILE.json [--first-seq N] [--wait-s S]
//   outpost_test_agent --config AGENT.toml --big-frames N --frame-bytes B [--items-per-frame K]
//                      [--first-seq N] [--hold-s S]
//   outpost_test_agent --config AGENT.toml --goodbye-as NAME
//
// --goodbye-as says Goodbye in the name of NAME (another computer, as a forger would), then
// waits for the parent to close the connection (exit 2, "closed: REASON") or the time to run out.
// FILE.json: [{"items": [{"kind": "sample", "payload": "{...}"}, ...]}, ...]; "payload_hex"
// gives bytes that are not UTF-8; kind "none" sends an item without a payload. Items are numbered
// from --first-seq on, across batches. Every Ack is printed as "ack THROUGH [resend]". Exit 0
// when the last item sent is acknowledged, 1 when the time ran out, 2 when a write or the
// connection failed (the peer closed it: printed as "closed: REASON"). Big frames carry K valid
// event items (one by default) whose messages fill the frame. --hold-s waits S seconds between
// the hello and the first batch.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "channel/frames_io.hpp"
#include "channel/hello.hpp"
#include "channel/identity.hpp"
#include "net/connect.hpp"

namespace {

using namespace outpost;
namespace asio = boost::asio;

struct Options {
  std::string config;
  std::string batches;
  std::uint64_t first_seq = 1;
  int big_frames = 0;
  std::size_t frame_bytes = 0;
  int items_per_frame = 1;
  int hold_s = 0;  // waits this long after the hello before it sends
  int wait_s = 30;
  std::string goodbye_as;
};

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

void add_item(wire::DataBatch& batch, std::uint64_t seq, const nlohmann::json& spec) {
  auto* item = batch.add_items();
  item->set_seq(seq);
  item->set_produced_unix_ms(1700000000000 + static_cast<std::int64_t>(seq));
  const std::string kind = spec.value("kind", "event");
  const std::string payload =
      spec.contains("payload_hex") ? from_hex(spec.at("payload_hex")) : spec.value("payload", "");
  if (kind == "sample") item->set_sample(payload);
  if (kind == "check") item->set_check(payload);
  if (kind == "event") item->set_event(payload);
}

std::vector<wire::Envelope> make_batches(const Options& o, const std::string& origin) {
  nlohmann::json specs = nlohmann::json::array();
  if (o.big_frames > 0) {
    const std::size_t per_item = o.frame_bytes / static_cast<std::size_t>(o.items_per_frame);
    const nlohmann::json item = {
        {"kind", "event"},
        {"payload", nlohmann::json{{"source", "test"},
                                   {"level", "info"},
                                   {"rule", "big"},
                                   {"message", std::string(per_item > 80 ? per_item - 80 : 1, 'x')}}
                        .dump()}};
    for (int i = 0; i < o.big_frames; ++i)
      specs.push_back({{"items", nlohmann::json(std::vector<nlohmann::json>(
                                     static_cast<std::size_t>(o.items_per_frame), item))}});
  } else {
    std::ifstream in(o.batches);
    specs = nlohmann::json::parse(in);
  }
  std::vector<wire::Envelope> out;
  std::uint64_t seq = o.first_seq;
  for (const auto& spec : specs) {
    wire::Envelope envelope;
    auto* batch = envelope.mutable_data_batch();
    batch->set_origin(origin);
    batch->set_first_seq(seq);
    batch->set_previous_seq(seq - 1);
    for (const auto& item : spec.at("items"))
      add_item(*batch, seq++, item);
    out.push_back(std::move(envelope));
  }
  return out;
}

asio::awaitable<int> run(Options o, NodeConfig config, net::asio::ssl::context& context) {
  if (config.parents.empty()) {
    std::cerr << "the configuration has no [parents] servers\n";
    co_return 2;
  }
  const net::Timeouts dial_timeouts;
  auto stream = co_await net::dial(context, config.parents.front(), config.hosts, dial_timeouts);
  if (!stream) {
    std::cerr << "dial: " << stream.error().describe() << '\n';
    co_return 2;
  }
  const channel::HelloTimeouts timeouts;
  const channel::LocalNode me{config.fqdn, config.management_group, wire::ROLE_AGENT, ""};
  auto peer =
      co_await channel::send_hello(std::move(*stream), me, timeouts, config.parents.front().host);
  if (!peer) {
    std::cerr << "hello: " << peer.error().describe() << '\n';
    co_return 2;
  }
  if (o.hold_s > 0) {
    asio::steady_timer hold(co_await asio::this_coro::executor, std::chrono::seconds(o.hold_s));
    co_await hold.async_wait(asio::use_awaitable);
  }
  if (!o.goodbye_as.empty()) {
    wire::Envelope goodbye;
    goodbye.mutable_goodbye()->set_origin(o.goodbye_as);
    goodbye.mutable_goodbye()->set_reason("forged by the test agent");
    auto written = co_await channel::write_envelope(
        peer->stream(), goodbye, wire::kDefaultFrameLimit, std::chrono::seconds(o.wait_s));
    if (!written) {
      std::cout << "closed: " << written.error().describe() << std::endl;
      co_return 2;
    }
    std::cout << "sent goodbye as " << o.goodbye_as << std::endl;
  }
  const auto batches =
      o.goodbye_as.empty() ? make_batches(o, config.fqdn) : std::vector<wire::Envelope>{};
  const std::uint64_t last = o.first_seq + [&] {
    std::uint64_t n = 0;
    for (const auto& b : batches)
      n += static_cast<std::uint64_t>(b.data_batch().items_size());
    return n;
  }() - 1;
  for (const auto& batch : batches) {
    auto written = co_await channel::write_envelope(peer->stream(), batch, wire::kDefaultFrameLimit,
                                                    std::chrono::seconds(o.wait_s));
    if (!written) {
      std::cout << "closed: " << written.error().describe() << std::endl;
      co_return 2;
    }
    std::cout << "sent " << batch.data_batch().items_size() << std::endl;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_s);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto envelope = co_await channel::read_envelope(peer->stream(), peer->decoder(), left);
    if (!envelope) {
      std::cout << "closed: " << envelope.error().describe() << std::endl;
      co_return 2;
    }
    if (envelope->has_reject()) {
      std::cout << "closed: " << envelope->reject().reason() << std::endl;
      co_return 2;
    }
    if (!envelope->has_ack()) continue;
    std::cout << "ack " << envelope->ack().through_seq()
              << (envelope->ack().resend() ? " resend" : "") << std::endl;
    if (envelope->ack().through_seq() >= last) co_return 0;
  }
  co_return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--config") o.config = value;
    if (key == "--batches") o.batches = value;
    if (key == "--first-seq") o.first_seq = std::stoull(value);
    if (key == "--big-frames") o.big_frames = std::stoi(value);
    if (key == "--frame-bytes") o.frame_bytes = std::stoull(value);
    if (key == "--items-per-frame") o.items_per_frame = std::max(1, std::stoi(value));
    if (key == "--wait-s") o.wait_s = std::stoi(value);
    if (key == "--hold-s") o.hold_s = std::stoi(value);
    if (key == "--goodbye-as") o.goodbye_as = value;
  }
  if (o.config.empty() || (o.batches.empty() && o.big_frames == 0 && o.goodbye_as.empty())) {
    std::cerr << "usage: outpost_test_agent --config AGENT.toml (--batches FILE.json | "
                 "--big-frames N --frame-bytes B [--items-per-frame K] | --goodbye-as NAME) "
                 "[--first-seq N] [--wait-s S] [--hold-s S]\n";
    return 2;
  }
  auto config = load_node_config(o.config);
  if (!config) {
    std::cerr << config.error().describe() << '\n';
    return 2;
  }
  EventLog log(config->state_dir, "test_agent", Echo::none);
  auto tls = channel::load_node_tls(*config, log);
  if (!tls) {
    std::cerr << tls.error().describe() << '\n';
    return 2;
  }
  asio::io_context io;
  int code = 2;
  asio::co_spawn(io, run(o, *config, *tls->connecting), [&](std::exception_ptr e, int c) {
    if (!e) {
      code = c;
      return;
    }
    try {  // exit 2, with the reason
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::cerr << "failed: " << x.what() << '\n';
    } catch (...) {
      std::cerr << "failed: an unknown exception\n";
    }
  });
  io.run();
  return code;
}
