// Durable queue benchmark: append throughput with a flush (fsync) every N items (group commit),
// and peek + ack throughput, for 200-byte payloads, in a temporary folder.
//
//   outpost_queue_bench [--dir PARENT] [--seconds S]
//
// PARENT is where the temporary queue folder is made (default: $TMPDIR or /tmp); put it on the
// disk the agent's state directory is on, since the figures are mostly that disk's fsync cost.
// Each phase stops after S seconds (default 1) or a fixed number of items, whichever comes
// first, so a run takes a few seconds on any machine. The figures are in docs/performance.md.
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "queue/durable_queue.hpp"
#include "queue/record.hpp"

namespace {

using outpost::queue::DurableQueue;
using outpost::queue::ItemKind;
using outpost::queue::QueueLimits;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kPayloadSize = 200;
constexpr std::uint64_t kMaxItemsPerPhase = 2'000'000;  // ~450 MB of records at most

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "outpost_queue_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Options {
  std::filesystem::path parent;
  double seconds = 1.0;
};

Options parse(int argc, char** argv) {
  Options o;
  const char* tmp = std::getenv("TMPDIR");
  o.parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      o.parent = argv[++i];
    } else if (arg == "--seconds" && i + 1 < argc) {
      o.seconds = std::stod(argv[++i]);
    } else {
      die("usage: outpost_queue_bench [--dir PARENT] [--seconds S]");
    }
  }
  if (!(o.seconds > 0.0 && o.seconds <= 60.0)) {
    die("--seconds must be between 0 and 60");
  }
  return o;
}

class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent) {
    std::string pattern = (parent / "outpost-queue-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      die(fmt::format("cannot create a folder in {}: {}", parent.string(), std::strerror(errno)));
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<DurableQueue> open_queue(const std::filesystem::path& dir) {
  // A byte cap the phases never reach: the benchmark measures writing, not dropping.
  const QueueLimits limits{.max_bytes = 1ull << 40,
                           .max_age = std::chrono::hours(24 * 365),
                           .segment_bytes = 4ull << 20};
  auto q = DurableQueue::open(dir, limits, nullptr);
  if (!q) {
    die(q.error().describe());
  }
  return std::move(*q);
}

void print_rate(std::string_view phase, std::uint64_t items, double secs, std::string_view extra) {
  const double payload_mb = static_cast<double>(items * kPayloadSize) / 1e6;
  const double record_mb =
      static_cast<double>(items * (kPayloadSize + outpost::queue::kRecordOverhead)) / 1e6;
  std::printf("%-28s %10llu items %7.2f s %12.0f items/s %8.2f MB/s payload %8.2f MB/s disk%s\n",
              std::string(phase).c_str(), static_cast<unsigned long long>(items), secs,
              static_cast<double>(items) / secs, payload_mb / secs, record_mb / secs,
              std::string(extra).c_str());
}

// Appends for `seconds` (or kMaxItemsPerPhase items), flushing every `every` items; 0: never
// (the page cache only: what a kill -9 survives, but not a power loss).
void bench_append(const std::filesystem::path& parent, std::uint64_t every, double seconds) {
  TempDir dir(parent);
  auto q = open_queue(dir.path() / "queue");
  const std::string payload(kPayloadSize, 'p');
  std::uint64_t items = 0;
  std::uint64_t flushes = 0;
  const auto start = SteadyClock::now();
  while (items < kMaxItemsPerPhase) {
    // Check the clock per batch (or every 256 items without flushes): a cheap bounded loop.
    const std::uint64_t batch = every == 0 ? 256 : every;
    for (std::uint64_t i = 0; i < batch; ++i) {
      if (auto seq = q->append(ItemKind::sample, payload, 1'700'000'000'000); !seq) {
        die(seq.error().describe());
      }
    }
    items += batch;
    if (every != 0) {
      if (auto flushed = q->flush(); !flushed) {
        die(flushed.error().describe());
      }
      ++flushes;
    }
    if (seconds_since(start) >= seconds) {
      break;
    }
  }
  const double secs = seconds_since(start);
  const std::string phase =
      every == 0 ? std::string("append, no flush") : fmt::format("append, flush every {}", every);
  const std::string extra =
      flushes == 0 ? std::string()
                   : fmt::format("  {:.3f} ms/flush", secs * 1000.0 / static_cast<double>(flushes));
  print_rate(phase, items, secs, extra);
}

// Fills a queue, then drains it as the agent does: peek a batch after what is in flight, ack it.
void bench_peek_ack(const std::filesystem::path& parent, std::size_t batch, std::uint64_t fill,
                    double seconds) {
  TempDir dir(parent);
  auto q = open_queue(dir.path() / "queue");
  const std::string payload(kPayloadSize, 'p');
  for (std::uint64_t i = 0; i < fill; ++i) {
    if (auto seq = q->append(ItemKind::sample, payload, 1'700'000'000'000); !seq) {
      die(seq.error().describe());
    }
  }
  if (auto flushed = q->flush(); !flushed) {
    die(flushed.error().describe());
  }
  std::uint64_t items = 0;
  std::uint64_t acks = 0;
  std::uint64_t after = 0;
  const auto start = SteadyClock::now();
  while (seconds_since(start) < seconds) {
    const auto got = q->peek(after, batch, 1u << 20);
    if (got.empty()) {
      break;
    }
    after = got.back().seq;
    items += got.size();
    if (auto acked = q->ack(after); !acked) {
      die(acked.error().describe());
    }
    ++acks;
  }
  const double secs = seconds_since(start);
  print_rate(fmt::format("peek+ack, batches of {}", batch), items, secs,
             fmt::format("  {:.3f} ms/batch", secs * 1000.0 / static_cast<double>(acks)));
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::printf("durable queue benchmark: %zu-byte payloads (%zu bytes a record), in %s\n",
              kPayloadSize, kPayloadSize + outpost::queue::kRecordOverhead, o.parent.c_str());
  for (const std::uint64_t every :
       {std::uint64_t{1}, std::uint64_t{100}, std::uint64_t{1000}, std::uint64_t{0}}) {
    bench_append(o.parent, every, o.seconds);
  }
  for (const std::size_t batch : {std::size_t{100}, std::size_t{1000}}) {
    bench_peek_ack(o.parent, batch, 200'000, o.seconds);
  }
  return 0;
}
