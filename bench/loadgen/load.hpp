// N simulated agents on one io_context: each connects from its own loopback source address
// (127.1.0.0/16, rotated) with its own certificate over mutual TLS, says Hello as an agent,
// then runs a channel::Session that sends heartbeats and DataBatch frames with its own
// per-origin sequence, counting the Acks. Like the real agent it resends everything not
// acknowledged on a new session and when no Ack came for `ack_timeout` while items are in
// flight, and reconnects with jittered exponential backoff.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "channel/session.hpp"
#include "loadgen/certs.hpp"

namespace outpost::bench {

namespace asio = boost::asio;

struct LoadSettings {
  std::string host = "127.0.0.1";  // the gateway's address
  std::uint16_t port = 0;
  std::string gateway_fqdn;  // its certificate must name it
  std::string management_group = "LAB";
  std::size_t agents = 10;
  double rate = 0;                              // items per second per agent
  std::chrono::milliseconds batch_every{1000};  // how often an agent sends what it produced
  std::chrono::seconds heartbeat{60};
  std::chrono::seconds duration{10};  // producing; then the drain
  std::chrono::seconds drain{30};     // at most, waiting for the last Acks
  std::chrono::seconds ack_timeout{10};
  std::chrono::seconds max_backoff{60};
  std::size_t connect_concurrency = 256;  // handshakes under way at once
  std::size_t max_in_flight = 20000;      // unacknowledged items per agent
  std::size_t max_batch_items = 5000;
};

// Production-to-Ack latency in milliseconds, one bucket per millisecond up to a minute.
class Histogram {
 public:
  void add(std::int64_t ms, std::uint64_t n = 1);
  [[nodiscard]] std::int64_t percentile(double p) const;
  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(60001, 0);
  std::uint64_t count_ = 0;
};

struct LoadStats {
  std::size_t connected = 0;
  std::size_t peak_connected = 0;
  std::uint64_t handshakes = 0;  // TLS + hello completed
  std::uint64_t connect_failures = 0;
  std::uint64_t sessions_lost = 0;
  std::uint64_t produced = 0;
  std::uint64_t acked = 0;
  std::uint64_t acked_during_production = 0;
  double production_s = 0;   // the duration, or less when a signal ended it
  std::uint64_t resent = 0;  // items sent again (new session or Ack timeout)
  std::uint64_t batches_sent = 0;
  std::uint64_t heartbeats_sent = 0;
  std::uint64_t throttled = 0;  // production skipped: max_in_flight reached
  double all_connected_after_s = -1;
  // The longest interval without any Ack while items were in flight (the data gap).
  double max_ack_gap_s = 0;
  std::int64_t max_ack_gap_from_unix_ms = 0;
  // Each time fewer than all agents were connected after all had been: seconds until all were
  // back.
  std::vector<std::pair<double, double>> recoveries;  // (at s since start, took s)
  Histogram latency;
};

struct AgentState;

class LoadGenerator {
 public:
  LoadGenerator(asio::io_context& io, LoadSettings settings, Credentials credentials,
                asio::ssl::context context);
  ~LoadGenerator();
  // Runs until the duration and the drain are over; prints a progress line every second.
  asio::awaitable<void> run();
  [[nodiscard]] const LoadStats& stats() const { return stats_; }
  [[nodiscard]] std::uint64_t in_flight() const;
  [[nodiscard]] std::size_t agents() const { return settings_.agents; }

 private:
  asio::awaitable<void> agent_loop(std::size_t index);
  asio::awaitable<Result<channel::AuthenticatedPeer>> connect(std::size_t index);
  asio::awaitable<void> progress_loop();
  void produce_and_send(AgentState& agent, TimePoint now);
  void send_unsent(AgentState& agent);
  void on_ack(AgentState& agent, const wire::Ack& ack);
  void note_connected_change();

  asio::io_context& io_;
  LoadSettings settings_;
  Credentials credentials_;
  asio::ssl::context context_;
  std::vector<std::unique_ptr<AgentState>> states_;
  LoadStats stats_;
  TimePoint started_;
  bool producing_ = true;
  bool stopping_ = false;
  std::size_t connecting_ = 0;
  std::deque<asio::steady_timer*> waiting_;  // agents in line for a handshake slot
  std::int64_t last_ack_unix_ms_ = 0;
  double dropped_at_s_ = -1;
};

}  // namespace outpost::bench
