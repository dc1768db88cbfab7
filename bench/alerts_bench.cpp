// What evaluating monitors costs ingest (issue 12): a SQLite operational database with
// --computers computers, each with 10 minutes of --monitors counters sampled once a minute (the
// agents' default). An ingest thread writes batches of the other counters agents send as the
// server's ingest writer does (one transaction per round of batches, each origin's items in
// sequence) in four phases of --seconds: alone, twice while a second thread with its own connection
// evaluates a threshold monitor per monitored counter for every computer, as the alert evaluator
// does: a round every --interval seconds (the default evaluation_interval_s, 10), or round after
// round with --interval 0 (the worst case: a group whose rounds take longer than the interval),
// and alone again.
// Prints items/s of each phase, the means, the slowdown, and the time of one evaluation round.
// Usage: outpost_alerts_bench [--computers N] [--monitors M] [--seconds S] [--interval S]
// [--dir DIR]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "alerts/evaluate.hpp"
#include "storage/storage.hpp"

namespace {

using namespace outpost;

struct Options {
  int computers = 10000;
  int monitors = 10;
  int seconds = 20;
  int interval = 10;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
};

std::string computer(int i) {
  return fmt::format("agent{:05}.lab.test", i);
}
std::string counter(int m) {
  return fmt::format("bench.counter{}", m);
}

// One round of batches: `per_origin` samples for each of `count` computers from `first` on
// (wrapping around), each after its origin's last sequence number; item i is counter `name(i)`.
template <class Name>
std::vector<storage::IngestBatch> round_of(int first, int count, int per_origin, const Name& name,
                                           std::int64_t produced_ms,
                                           std::vector<std::uint64_t>& seq) {
  std::vector<storage::IngestBatch> batches;
  const int computers = static_cast<int>(seq.size());
  for (int k = 0; k < count; ++k) {
    const int o = (first + k) % computers;
    auto& s = seq[static_cast<std::size_t>(o)];
    storage::IngestBatch batch{computer(o), {}, s};
    for (int i = 0; i < per_origin; ++i) {
      const std::string counter = name(i);
      ++s;
      batch.items.push_back({s, produced_ms, storage::ItemKind::sample, counter, "", "",
                             fmt::format(R"({{"counter":"{}","instance":"","value":{},"unit":""}})",
                                         counter, 40 + (s % 50))});
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

std::unique_ptr<storage::Storage> open(const std::string& url) {
  auto db = storage::open_storage(url);
  if (!db) {
    std::cerr << db.error().describe() << '\n';
    std::exit(1);
  }
  return std::move(*db);
}

// Ingests rounds for `seconds`; returns items per second.
double ingest_for(storage::Storage& db, const Options& o, std::vector<std::uint64_t>& seq) {
  constexpr int kOriginsPerRound = 500;  // like a commit of the ingest writer
  constexpr int kItemsPerOrigin = 20;
  std::uint64_t items = 0;
  int next = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(o.seconds);
  while (std::chrono::steady_clock::now() < end) {
    const int count = std::min(kOriginsPerRound, o.computers);
    // What agents send besides the monitored counters (the other counters, events, checks).
    auto batches = round_of(
        next, count, kItemsPerOrigin, [](int i) { return fmt::format("bench.other{}", i % 50); },
        unix_ms(Clock::now()), seq);
    next = (next + count) % o.computers;
    auto written = db.ingest(batches);
    if (!written) {
      std::cerr << written.error().describe() << '\n';
      std::exit(1);
    }
    for (const auto& r : *written)
      items += r.written;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(items) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--computers") o.computers = std::atoi(argv[i + 1]);
    if (key == "--monitors") o.monitors = std::atoi(argv[i + 1]);
    if (key == "--seconds") o.seconds = std::atoi(argv[i + 1]);
    if (key == "--interval") o.interval = std::atoi(argv[i + 1]);
    if (key == "--dir") o.dir = argv[i + 1];
  }
  if (o.computers < 1 || o.monitors < 1 || o.seconds < 1 || o.interval < 0) {
    std::cerr << "usage: outpost_alerts_bench [--computers N] [--monitors M] [--seconds S] "
                 "[--interval S] [--dir DIR]\n";
    return 2;
  }
  const auto path = o.dir / fmt::format("outpost-alerts-bench-{}.db", ::getpid());
  const std::string url = "sqlite://" + path.string();
  auto writer = open(url);
  std::vector<std::uint64_t> seq(static_cast<std::size_t>(o.computers), 0);
  // The last 10 minutes of the monitored counters: a sample of each per minute, as agents send
  // them by default (performance_interval_s = 60).
  for (int minute = 10; minute >= 1; --minute) {
    const auto at = unix_ms(Clock::now() - std::chrono::minutes(minute));
    for (int first = 0; first < o.computers; first += 500) {
      auto batches = round_of(
          first, std::min(500, o.computers - first), o.monitors, [](int i) { return counter(i); },
          at, seq);
      if (!writer->ingest(batches)) return 1;
    }
  }
  std::cout << fmt::format("{} computers, {} counters each, a round every {} s, SQLite {}\n",
                           o.computers, o.monitors, o.interval, path.string());

  alerts::AlertRules rules;
  for (int m = 0; m < o.monitors; ++m) {
    alerts::Monitor monitor;
    monitor.name = fmt::format("m{}", m);
    monitor.counter = counter(m);
    monitor.warning = 80;
    monitor.critical = 90;
    rules.monitors.push_back(monitor);
  }
  std::vector<alerts::ComputerView> views;
  for (int i = 0; i < o.computers; ++i) {
    storage::Computer c;
    c.fqdn = computer(i);
    c.approval = storage::Approval::approved;
    views.push_back({c, false});
  }
  std::atomic<bool> stop{false};
  std::atomic<bool> evaluating{false};
  std::vector<double> rounds;
  std::thread evaluator([&] {
    auto reader = open(url);
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
      if (!evaluating || std::chrono::steady_clock::now() < next) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      const auto start = std::chrono::steady_clock::now();
      next = start + std::chrono::seconds(o.interval);
      auto found = alerts::evaluate(*reader, rules, views, {}, Clock::now());
      if (!found) {
        std::cerr << found.error().describe() << '\n';
        std::exit(1);
      }
      rounds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  });
  // Alone, with, with, alone: ingest slows as the database grows, so the phases are placed
  // symmetrically in time and a steady drift cancels out of the means.
  double alone = 0;
  double with_monitors = 0;
  for (int phase = 0; phase < 4; ++phase) {
    evaluating = phase == 1 || phase == 2;
    const double rate = ingest_for(*writer, o, seq);
    std::cout << fmt::format("  phase {} ({}): {:>10.0f} items/s\n", phase + 1,
                             evaluating ? "evaluating" : "alone", rate);
    (evaluating ? with_monitors : alone) += rate / 2;
  }
  stop = true;
  evaluator.join();
  double total = 0;
  for (double r : rounds)
    total += r;
  std::cout << fmt::format("ingest alone:                 {:>10.0f} items/s\n", alone);
  std::cout << fmt::format("ingest while evaluating:      {:>10.0f} items/s ({:+.1f} %)\n",
                           with_monitors, (with_monitors / alone - 1) * 100);
  std::cout << fmt::format("evaluation rounds completed:  {:>10}\n", rounds.size());
  if (!rounds.empty()) {
    std::cout << fmt::format(
        "one round ({} monitors):    {:>10.2f} s ({:.0f} µs per computer "
        "and monitor)\n",
        o.computers * o.monitors, total / static_cast<double>(rounds.size()),
        total / static_cast<double>(rounds.size()) * 1e6 / (o.computers * o.monitors));
  }
  writer.reset();
  for (const auto* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path.string() + suffix);
  return 0;
}
