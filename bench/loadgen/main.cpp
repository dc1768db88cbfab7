// outpost-loadgen: N simulated agents against one gateway over real mutual TLS (see load.hpp).
// Prints a progress line every second and, with --json, writes the figures of the run.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "loadgen/load.hpp"
#include "net/tls.hpp"

namespace {

using namespace outpost;

// Raises the file-descriptor limit as far as allowed: to the hard limit, and as root the hard
// limit itself to fs.nr_open.
rlim_t raise_fd_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  rlim_t nr_open = limit.rlim_max;
  if (std::ifstream in("/proc/sys/fs/nr_open"); in) in >> nr_open;
  rlimit wanted{std::max(limit.rlim_max, nr_open), std::max(limit.rlim_max, nr_open)};
  if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
    wanted = {limit.rlim_max, limit.rlim_max};
    setrlimit(RLIMIT_NOFILE, &wanted);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

nlohmann::json to_json(const bench::LoadGenerator& load, const bench::LoadSettings& s) {
  const auto& st = load.stats();
  nlohmann::json recoveries = nlohmann::json::array();
  for (const auto& [at, took] : st.recoveries)
    recoveries.push_back({{"at_s", at}, {"took_s", took}});
  return {{"agents", s.agents},
          {"rate_per_agent", s.rate},
          {"duration_s", st.production_s},
          {"connected_at_end", st.connected},
          {"peak_connected", st.peak_connected},
          {"handshakes", st.handshakes},
          {"connect_failures", st.connect_failures},
          {"sessions_lost", st.sessions_lost},
          {"all_connected_after_s", st.all_connected_after_s},
          {"produced", st.produced},
          {"acked", st.acked},
          {"acked_during_production", st.acked_during_production},
          {"in_flight_at_end", load.in_flight()},
          {"resent", st.resent},
          {"batches_sent", st.batches_sent},
          {"heartbeats_sent", st.heartbeats_sent},
          {"throttled", st.throttled},
          {"latency_ms_p50", st.latency.percentile(0.50)},
          {"latency_ms_p99", st.latency.percentile(0.99)},
          {"latency_ms_max", st.latency.percentile(1.0)},
          {"max_ack_gap_s", st.max_ack_gap_s},
          {"max_ack_gap_from_unix_ms", st.max_ack_gap_from_unix_ms},
          {"recoveries", recoveries}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"outpost-loadgen: N simulated agents against one gateway over mutual TLS"};
  bench::LoadSettings s;
  std::string gateway;
  std::string cache = "bench/.cache";
  std::string json_file;
  bool issue_only = false;
  int batch_ms = 1000;
  int heartbeat_s = 60;
  int duration_s = 10;
  int drain_s = 30;
  int ack_timeout_s = 10;
  int max_backoff_s = 60;
  app.add_option("--gateway", gateway, "the gateway's ADDRESS:PORT");
  app.add_option("--gateway-fqdn", s.gateway_fqdn, "the name the gateway's certificate holds");
  app.add_option("--group", s.management_group, "the management group");
  app.add_option("--agents", s.agents, "how many agents");
  app.add_option("--rate", s.rate, "items per second per agent");
  app.add_option("--batch-ms", batch_ms, "how often each agent sends what it produced");
  app.add_option("--heartbeat-s", heartbeat_s, "heartbeat interval");
  app.add_option("--duration", duration_s, "seconds of production");
  app.add_option("--drain", drain_s, "at most this many seconds waiting for the last Acks");
  app.add_option("--ack-timeout-s", ack_timeout_s, "resend what is unacknowledged after this");
  app.add_option("--max-backoff-s", max_backoff_s, "reconnect backoff cap");
  app.add_option("--concurrency", s.connect_concurrency, "handshakes under way at once");
  app.add_option("--max-in-flight", s.max_in_flight, "unacknowledged items per agent");
  app.add_option("--cache", cache, "the certificate cache folder");
  app.add_option("--json", json_file, "write the figures here");
  app.add_flag("--issue-only", issue_only, "issue and cache the certificates, then exit");
  CLI11_PARSE(app, argc, argv);
  s.batch_every = std::chrono::milliseconds(batch_ms);
  s.heartbeat = std::chrono::seconds(heartbeat_s);
  s.duration = std::chrono::seconds(duration_s);
  s.drain = std::chrono::seconds(drain_s);
  s.ack_timeout = std::chrono::seconds(ack_timeout_s);
  s.max_backoff = std::chrono::seconds(max_backoff_s);

  const auto issue_started = Clock::now();
  auto credentials = bench::load_or_issue(cache, s.agents, [&](std::size_t ready) {
    if (ready % 10000 == 0 || ready == s.agents) {
      std::cout << fmt::format("certificates: {}/{} ready\n", ready, s.agents) << std::flush;
    }
  });
  if (!credentials) {
    std::cerr << "outpost-loadgen: " << credentials.error().describe() << "\n";
    return 1;
  }
  std::cout << fmt::format("certificates: {} from the cache, {} issued in {:.1f} s\n",
                           s.agents - std::min(s.agents, credentials->issued_now),
                           credentials->issued_now,
                           std::chrono::duration<double>(Clock::now() - issue_started).count())
            << std::flush;
  if (issue_only) return 0;
  const auto colon = gateway.rfind(':');
  if (colon == std::string::npos || s.gateway_fqdn.empty() || s.agents == 0) {
    std::cerr << "outpost-loadgen: give --gateway ADDRESS:PORT, --gateway-fqdn and --agents\n";
    return 2;
  }
  s.host = gateway.substr(0, colon);
  s.port = static_cast<std::uint16_t>(std::stoi(gateway.substr(colon + 1)));
  std::cout << fmt::format("file descriptors: up to {}\n", raise_fd_limit()) << std::flush;

  net::TlsIdentity identity;
  identity.certificate = credentials->agents.front().certificate.get();
  identity.key = credentials->agents.front().key.get();
  identity.trusted = {credentials->ca.get()};
  auto context = net::make_tls_context(identity, net::TlsSide::connecting, net::TlsVersion::tls13);
  if (!context) {
    std::cerr << "outpost-loadgen: " << context.error().describe() << "\n";
    return 1;
  }
  // Idle connections keep no read and write buffers inside OpenSSL.
  SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);

  boost::asio::io_context io(1);
  bench::LoadGenerator load(io, s, std::move(*credentials), std::move(*context));
  boost::asio::co_spawn(io, load.run(), [&](std::exception_ptr) { io.stop(); });
  io.run();

  const auto figures = to_json(load, s);
  std::cout << figures.dump(2) << "\n";
  if (!json_file.empty()) {
    std::ofstream out(json_file);
    out << figures.dump(2) << "\n";
  }
  return 0;
}
