#include "loadgen/load.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <deque>
#include <iostream>
#include <random>

#include <fmt/format.h>

namespace outpost::bench {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::milliseconds jitter(std::chrono::milliseconds base) {
  thread_local std::mt19937 random(std::random_device{}());
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(base.count()) * factor(random)));
}

asio::awaitable<void> sleep_for(asio::steady_timer& timer, std::chrono::milliseconds wait) {
  timer.expires_after(wait);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

struct AgentState {
  std::size_t index = 0;
  std::shared_ptr<channel::Session> session;
  std::uint64_t next_seq = 1;      // the next item produced gets this
  std::uint64_t sent_through = 0;  // sent on the current session up to here
  std::uint64_t rewound_to = 0;    // the mark of the last resend the server asked for
  std::deque<std::pair<std::uint64_t, std::int64_t>> unacked;  // (seq, produced unix ms)
  double owed = 0;                                             // items due, fractional
  TimePoint last_progress;                                     // the last Ack, or the last resend
  TimePoint next_heartbeat;
};

void Histogram::add(std::int64_t ms, std::uint64_t n) {
  const auto bucket = static_cast<std::size_t>(
      std::clamp<std::int64_t>(ms, 0, static_cast<std::int64_t>(buckets_.size() - 1)));
  buckets_[bucket] += n;
  count_ += n;
}

std::int64_t Histogram::percentile(double p) const {
  if (count_ == 0) return -1;
  const auto wanted = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= wanted && seen > 0) return static_cast<std::int64_t>(i);
  }
  return static_cast<std::int64_t>(buckets_.size() - 1);
}

LoadGenerator::LoadGenerator(asio::io_context& io, LoadSettings settings, Credentials credentials,
                             asio::ssl::context context)
    : io_(io),
      settings_(std::move(settings)),
      credentials_(std::move(credentials)),
      context_(std::move(context)) {
  states_.reserve(settings_.agents);
  for (std::size_t i = 0; i < settings_.agents; ++i) {
    states_.push_back(std::make_unique<AgentState>());
    states_.back()->index = i;
  }
}

LoadGenerator::~LoadGenerator() = default;

std::uint64_t LoadGenerator::in_flight() const {
  std::uint64_t n = 0;
  for (const auto& s : states_)
    n += s->unacked.size();
  return n;
}

asio::awaitable<Result<channel::AuthenticatedPeer>> LoadGenerator::connect(std::size_t index) {
  auto executor = co_await asio::this_coro::executor;
  net::tcp::socket socket(executor);
  boost::system::error_code ec;
  socket.open(net::tcp::v4(), ec);
  if (ec) co_return fail("socket: " + ec.message());
  // Many source addresses, so that ephemeral ports never run out; the port is chosen at
  // connect time (IP_BIND_ADDRESS_NO_PORT), not reserved by bind.
  const int one = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  const auto host_part = static_cast<std::uint32_t>(1 + index % 65534);
  const asio::ip::address_v4 source((127U << 24) | (1U << 16) | host_part);
  socket.bind(net::tcp::endpoint(source, 0), ec);
  if (ec) co_return fail("bind " + source.to_string() + ": " + ec.message());
  const net::tcp::endpoint target(asio::ip::make_address(settings_.host), settings_.port);
  asio::steady_timer timer(executor, std::chrono::seconds(5));
  auto connected = co_await (socket.async_connect(target, kTuple) || timer.async_wait(kTuple));
  if (connected.index() == 1) co_return fail("connect: timed out");
  if (const auto [error] = std::get<0>(connected); error) {
    co_return fail("connect: " + error.message());
  }
  net::TlsStream stream(std::move(socket), context_);
  SSL* ssl = stream.native_handle();
  const AgentCredential& me = credentials_.agents[index];
  if (SSL_use_certificate(ssl, me.certificate.get()) != 1 ||
      SSL_use_PrivateKey(ssl, me.key.get()) != 1 ||
      SSL_set1_host(ssl, settings_.gateway_fqdn.c_str()) != 1) {
    co_return fail("cannot set the agent's certificate on its connection");
  }
  timer.expires_after(std::chrono::seconds(10));
  auto shaken = co_await (stream.async_handshake(asio::ssl::stream_base::client, kTuple) ||
                          timer.async_wait(kTuple));
  if (shaken.index() == 1) co_return fail("handshake: timed out");
  if (const auto [error] = std::get<0>(shaken); error) {
    co_return fail("handshake: " + net::describe_tls_error(error));
  }
  const channel::LocalNode node{
      me.fqdn, settings_.management_group, wire::ROLE_AGENT,
      "",      wire::kDefaultFrameLimit,   static_cast<std::uint32_t>(settings_.heartbeat.count())};
  const channel::HelloTimeouts timeouts;
  const std::string expected = settings_.gateway_fqdn;
  co_return co_await channel::send_hello(std::move(stream), node, timeouts, expected);
}

void LoadGenerator::note_connected_change() {
  const double now = std::chrono::duration<double>(Clock::now() - started_).count();
  stats_.peak_connected = std::max(stats_.peak_connected, stats_.connected);
  if (stats_.connected == settings_.agents) {
    if (stats_.all_connected_after_s < 0) stats_.all_connected_after_s = now;
    if (dropped_at_s_ >= 0) {
      stats_.recoveries.emplace_back(dropped_at_s_, now - dropped_at_s_);
      std::cout << fmt::format("all {} agents connected again after {:.2f} s\n", settings_.agents,
                               now - dropped_at_s_)
                << std::flush;
      dropped_at_s_ = -1;
    }
  } else if (stats_.all_connected_after_s >= 0 && dropped_at_s_ < 0 && !stopping_) {
    dropped_at_s_ = now;
  }
}

void LoadGenerator::send_unsent(AgentState& agent) {
  if (!agent.session || !agent.session->is_open() || agent.unacked.empty()) return;
  const std::uint64_t first_unacked = agent.unacked.front().first;
  const std::string& origin = credentials_.agents[agent.index].fqdn;
  while (agent.sent_through + 1 < agent.next_seq) {
    const std::uint64_t first = agent.sent_through + 1;
    const std::uint64_t last =
        std::min<std::uint64_t>(agent.next_seq - 1, first + settings_.max_batch_items - 1);
    wire::Envelope envelope;
    auto* batch = envelope.mutable_data_batch();
    batch->set_origin(origin);
    batch->set_first_seq(first);
    batch->set_previous_seq(first - 1);  // a simulated agent drops nothing: seqs are contiguous
    for (std::uint64_t seq = first; seq <= last; ++seq) {
      auto* item = batch->add_items();
      item->set_seq(seq);
      item->set_produced_unix_ms(
          agent.unacked[static_cast<std::size_t>(seq - first_unacked)].second);
      item->set_sample(
          fmt::format(R"({{"counter":"bench.value","instance":"","value":{},"unit":""}})", seq));
    }
    if (!agent.session->send(std::move(envelope))) return;
    ++stats_.batches_sent;
    agent.sent_through = last;
  }
}

void LoadGenerator::produce_and_send(AgentState& agent, TimePoint now) {
  (void)now;
  agent.owed += settings_.rate * std::chrono::duration<double>(settings_.batch_every).count();
  auto due = static_cast<std::uint64_t>(agent.owed);
  agent.owed -= static_cast<double>(due);
  const std::size_t room = settings_.max_in_flight > agent.unacked.size()
                               ? settings_.max_in_flight - agent.unacked.size()
                               : 0;
  if (due > room) {
    stats_.throttled += due - room;
    due = room;
  }
  const std::int64_t produced = unix_ms();
  for (std::uint64_t i = 0; i < due; ++i)
    agent.unacked.emplace_back(agent.next_seq++, produced);
  stats_.produced += due;
  send_unsent(agent);
}

void LoadGenerator::on_ack(AgentState& agent, const wire::Ack& ack) {
  const std::int64_t now = unix_ms();
  // The server refused a batch out of order (a relay lost the one before): send again after its
  // mark, once per mark (every refused batch in flight says the same).
  if (ack.resend() && ack.through_seq() != agent.rewound_to &&
      agent.sent_through > ack.through_seq()) {
    agent.rewound_to = ack.through_seq();
    stats_.resent += agent.sent_through - ack.through_seq();
    agent.sent_through = ack.through_seq();
  }
  std::uint64_t count = 0;
  while (!agent.unacked.empty() && agent.unacked.front().first <= ack.through_seq()) {
    stats_.latency.add(now - agent.unacked.front().second);
    agent.unacked.pop_front();
    ++count;
  }
  if (count == 0) return;
  agent.rewound_to = 0;
  stats_.acked += count;
  agent.last_progress = Clock::now();
  if (producing_ && last_ack_unix_ms_ != 0) {
    const double gap = static_cast<double>(now - last_ack_unix_ms_) / 1000.0;
    if (gap > stats_.max_ack_gap_s) {
      stats_.max_ack_gap_s = gap;
      stats_.max_ack_gap_from_unix_ms = last_ack_unix_ms_;
    }
  }
  last_ack_unix_ms_ = now;
}

asio::awaitable<void> LoadGenerator::agent_loop(std::size_t index) {
  AgentState& agent = *states_[index];
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  std::chrono::milliseconds backoff{1000};
  while (!stopping_) {
    // At most connect_concurrency handshakes at once; the others wait in line, each on its own
    // timer, which the agent finishing a handshake cancels (no polling).
    while (connecting_ >= settings_.connect_concurrency && !stopping_) {
      timer.expires_at(asio::steady_timer::time_point::max());
      waiting_.push_back(&timer);
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (stopping_) break;
    ++connecting_;
    auto peer = co_await connect(index);
    --connecting_;
    if (!waiting_.empty()) {
      waiting_.front()->cancel();
      waiting_.pop_front();
    }
    if (!peer) {
      ++stats_.connect_failures;
      if (stats_.connect_failures <= 5) {
        std::cout << fmt::format("{}: {}\n", credentials_.agents[index].fqdn,
                                 peer.error().describe())
                  << std::flush;
      }
      co_await sleep_for(timer, jitter(backoff));
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, settings_.max_backoff);
      continue;
    }
    backoff = std::chrono::milliseconds(1000);
    ++stats_.handshakes;
    AgentState* state = &agent;
    // Behind a gateway the management server challenges each agent every heartbeat interval
    // (docs/security.md); answered like the agent's own parent link does.
    std::shared_ptr<EVP_PKEY> key(channel::connection_key(peer->stream()).release(), EVP_PKEY_free);
    const std::string parent = peer->identity().fqdn;
    const std::string group = peer->identity().management_group;
    const std::string agent_name = credentials_.agents[index].fqdn;
    agent.session = channel::Session::start(
        std::move(*peer), channel::SessionSettings{},
        [this, state, key, parent, group, agent_name](const auto& session,
                                                      wire::Envelope envelope) {
          if (envelope.has_ack()) on_ack(*state, envelope.ack());
          if (envelope.has_challenge()) {
            auto answer = channel::answer_challenge(key.get(), envelope.challenge(), agent_name,
                                                    parent, group);
            if (answer) session->send(std::move(*answer));
          }
        },
        [this, state](const auto& session, const channel::Closure&) {
          if (state->session != session) return;
          state->session.reset();
          --stats_.connected;
          ++stats_.sessions_lost;
          note_connected_change();
        });
    ++stats_.connected;
    note_connected_change();
    // A new session: everything not acknowledged is sent again.
    if (!agent.unacked.empty()) {
      stats_.resent += agent.sent_through + 1 - agent.unacked.front().first;
      agent.sent_through = agent.unacked.front().first - 1;
    }
    auto now = Clock::now();
    agent.last_progress = now;
    agent.next_heartbeat = now;
    // The first batch at a random phase, so that the agents do not all send at once.
    std::uniform_int_distribution<std::int64_t> phase(0, settings_.batch_every.count());
    thread_local std::mt19937 random(std::random_device{}());
    std::chrono::milliseconds wait(phase(random));
    while (agent.session && agent.session->is_open() && !stopping_) {
      now = Clock::now();
      if (now >= agent.next_heartbeat) {
        wire::Envelope heartbeat;
        heartbeat.mutable_heartbeat()->set_origin(credentials_.agents[index].fqdn);
        heartbeat.mutable_heartbeat()->set_produced_unix_ms(unix_ms());
        agent.session->send(std::move(heartbeat));
        ++stats_.heartbeats_sent;
        agent.next_heartbeat = now + settings_.heartbeat;
      }
      if (!agent.unacked.empty() && now - agent.last_progress > settings_.ack_timeout) {
        stats_.resent += agent.sent_through + 1 - agent.unacked.front().first;
        agent.sent_through = agent.unacked.front().first - 1;
        agent.last_progress = now;
      }
      if (producing_) {
        produce_and_send(agent, now);
      } else {
        send_unsent(agent);
      }
      co_await sleep_for(timer, wait);
      wait = settings_.batch_every;
    }
    if (stopping_) break;
    co_await sleep_for(timer, jitter(std::chrono::milliseconds(1000)));
  }
  if (agent.session) agent.session->close("the load generator stops");
}

asio::awaitable<void> LoadGenerator::progress_loop() {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  std::uint64_t last_acked = 0;
  std::uint64_t last_handshakes = 0;
  while (!stopping_) {
    co_await sleep_for(timer, std::chrono::milliseconds(1000));
    const double t = std::chrono::duration<double>(Clock::now() - started_).count();
    std::cout << fmt::format(
                     "t={:.0f}s connected={}/{} handshakes={} (+{}/s) failures={} produced={} "
                     "acked={} (+{}/s) in_flight={} resent={}\n",
                     t, stats_.connected, settings_.agents, stats_.handshakes,
                     stats_.handshakes - last_handshakes, stats_.connect_failures, stats_.produced,
                     stats_.acked, stats_.acked - last_acked, in_flight(), stats_.resent)
              << std::flush;
    last_acked = stats_.acked;
    last_handshakes = stats_.handshakes;
  }
}

asio::awaitable<void> LoadGenerator::run() {
  auto executor = co_await asio::this_coro::executor;
  started_ = Clock::now();
  asio::co_spawn(executor, progress_loop(), asio::detached);
  for (std::size_t i = 0; i < settings_.agents; ++i)
    asio::co_spawn(executor, agent_loop(i), asio::detached);
  asio::steady_timer timer(executor);
  {  // SIGTERM or SIGINT ends the production early (the drain and the figures still follow)
    asio::signal_set signals(executor, SIGTERM, SIGINT);
    timer.expires_after(settings_.duration);
    auto ended = co_await (timer.async_wait(kTuple) || signals.async_wait(kTuple));
    (void)ended;
  }
  producing_ = false;
  stats_.acked_during_production = stats_.acked;
  stats_.production_s = std::chrono::duration<double>(Clock::now() - started_).count();
  std::cout << fmt::format(
                   "production over after {} s: {} items; waiting at most {} s for "
                   "their Acks\n",
                   settings_.duration.count(), stats_.produced, settings_.drain.count())
            << std::flush;
  const auto drain_until = Clock::now() + settings_.drain;
  while (Clock::now() < drain_until && in_flight() > 0)
    co_await sleep_for(timer, std::chrono::milliseconds(100));
  stopping_ = true;
  for (auto* waiting : waiting_)
    waiting->cancel();
  waiting_.clear();
  for (auto& state : states_) {
    if (state->session) state->session->close("the load generator stops");
  }
  co_await sleep_for(timer, std::chrono::milliseconds(300));
}

}  // namespace outpost::bench
