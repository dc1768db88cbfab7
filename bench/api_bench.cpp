// The database behind the REST API's latency benchmark (issue 13, bench/run.sh api): fills an
// operational database through the storage API with what a group of --computers agents looks
// like to the management server, and prints what it wrote and how long it took. The requests are
// timed by bench/api_latency.py against a real `outpost server` on this database.
//
//   --gateways gateways gw1..gwG.lab.test, approved, heartbeating through --server
//   --computers agents agent00000..agentNNNNN.lab.test, admitted by the automatic policy,
//               heartbeating through the gateways in turn (a recent heartbeat: healthy)
//   --days      for agent00000.lab.test only: one sample of cpu.percent per minute over the last
//               D days, as agents send them (performance_interval_s = 60), written as the
//               server's ingest writer does (Storage::ingest: the exactly-once rule of
//               apply_batch, a transaction per round of batches)
//
// Usage: outpost_api_bench --db URL [--computers N] [--days D] [--gateways G] [--server FQDN]
// URL: sqlite:///path/ops.db (or a PostgreSQL URL). The database may be new or already in use
// by nothing else; the computers must not be in it yet.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "storage/storage.hpp"

namespace {

using namespace outpost;
using Steady = std::chrono::steady_clock;

struct Options {
  std::string db;
  int computers = 10000;
  int days = 30;
  int gateways = 5;
  std::string server = "ms1.bench.test";
};

std::string agent(int i) {
  return fmt::format("agent{:05}.lab.test", i);
}
std::string gateway(int g) {
  return fmt::format("gw{}.lab.test", g + 1);
}
// A certificate fingerprint per computer (the storage keeps it; nothing checks it here).
std::string fingerprint(const std::string& fqdn) {
  return fmt::format("{:064x}", std::hash<std::string>{}(fqdn));
}

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

template <class T>
T must(Result<T> result, std::string_view what) {
  if (!result) {
    std::cerr << "outpost_api_bench: " << what << ": " << result.error().describe() << '\n';
    std::exit(1);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

int usage() {
  std::cerr << "usage: outpost_api_bench --db URL [--computers N] [--days D] [--gateways G] "
               "[--server FQDN]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[i + 1];
    if (key == "--db") {
      o.db = value;
    } else if (key == "--computers") {
      o.computers = std::atoi(value.c_str());
    } else if (key == "--days") {
      o.days = std::atoi(value.c_str());
    } else if (key == "--gateways") {
      o.gateways = std::atoi(value.c_str());
    } else if (key == "--server") {
      o.server = value;
    } else {
      return usage();
    }
  }
  if (o.db.empty() || o.computers < 1 || o.days < 0 || o.gateways < 1) return usage();

  const auto total_start = Steady::now();
  auto db = must(storage::open_storage(o.db), "opening the database");
  const auto now = Clock::now();
  const auto not_after = now + std::chrono::days(365);

  // The gateways: approved, heartbeating through the server.
  auto start = Steady::now();
  for (int g = 0; g < o.gateways; ++g) {
    const std::string fqdn = gateway(g);
    must(db->approve_gateway(fqdn, false, ""), "approving a gateway");
    must(db->record_heartbeat(fqdn, o.server, now, fingerprint(fqdn), not_after),
         "recording a gateway's heartbeat");
  }
  const double gateways_s = seconds_since(start);

  // The agents: seen (admitted by the automatic policy), then heartbeating through a gateway.
  start = Steady::now();
  for (int i = 0; i < o.computers; ++i) {
    const std::string fqdn = agent(i);
    const auto approval =
        must(db->agent_seen(fqdn, storage::AgentPolicy::automatic, now), "recording an agent");
    if (approval != storage::Approval::approved) {
      std::cerr << "outpost_api_bench: " << fqdn << " is not approved (it was in the database)\n";
      return 1;
    }
    must(db->record_heartbeat(fqdn, gateway(i % o.gateways), now, fingerprint(fqdn), not_after),
         "recording an agent's heartbeat");
  }
  const double agents_s = seconds_since(start);

  // One computer's samples: one a minute over the last --days days, oldest first, in batches of
  // 100 items (an agent's backlog as a gateway relays it), 20 batches per Storage::ingest (one
  // transaction, as the ingest writer commits a round of batches).
  constexpr std::size_t kItemsPerBatch = 100;
  constexpr std::size_t kBatchesPerRound = 20;
  const std::string origin = agent(0);
  const std::int64_t samples = std::int64_t{o.days} * 24 * 60;
  const std::int64_t newest_ms = unix_ms(now) - 30'000;  // the last one half a minute ago
  std::uint64_t seq = must(db->high_water_mark(origin), "reading the high-water mark");
  std::uint64_t written = 0;
  start = Steady::now();
  std::vector<storage::IngestBatch> round;
  for (std::int64_t k = 0; k < samples; ++k) {
    if (round.empty() || round.back().items.size() == kItemsPerBatch)
      round.push_back({origin, {}, seq});
    const std::int64_t produced_ms = newest_ms - (samples - 1 - k) * 60'000;
    // A daily cycle between ~10 and ~70 %, with some noise, so the chart has a shape.
    const double hour = static_cast<double>(produced_ms % 86'400'000) / 3'600'000.0;
    const double value = std::round((40 + 30 * std::sin(hour / 24 * 2 * std::numbers::pi) +
                                     static_cast<double>(k % 7)) *
                                    10) /
                         10;
    ++seq;
    round.back().items.push_back(
        {seq, produced_ms, storage::ItemKind::sample, "cpu.percent", "", "",
         fmt::format(R"({{"counter":"cpu.percent","instance":"","value":{},"unit":"%"}})", value)});
    if ((round.size() == kBatchesPerRound && round.back().items.size() == kItemsPerBatch) ||
        k + 1 == samples) {
      for (const auto& r : must(db->ingest(round), "ingesting samples"))
        written += r.written;
      round.clear();
    }
  }
  const double samples_s = seconds_since(start);

  std::cout << fmt::format("database        {}\n", o.db);
  std::cout << fmt::format("gateways        {:>8}  ({:.2f} s)\n", o.gateways, gateways_s);
  std::cout << fmt::format("agents          {:>8}  ({:.2f} s, {:.0f} per second)\n", o.computers,
                           agents_s, o.computers / agents_s);
  std::cout << fmt::format(
      "samples         {:>8}  of cpu.percent for {}, one per minute over {} days ({:.2f} s, {:.0f} "
      "per second)\n",
      written, origin, o.days, samples_s,
      samples_s > 0 ? static_cast<double>(written) / samples_s : 0.0);
  std::cout << fmt::format("total           {:.2f} s\n", seconds_since(total_start));
  return written == static_cast<std::uint64_t>(samples) ? 0 : 1;
}
