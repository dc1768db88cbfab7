// Shared by the durable queue tests: a throwaway folder holding the queue and an event log.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/event_log.hpp"
#include "queue/durable_queue.hpp"

namespace outpost::queue::testing {

// The payload item `seq` carries in these tests: its seq, padded to `size` bytes.
inline std::string payload_for(std::uint64_t seq, std::size_t size = 200) {
  std::string p = fmt::format("item-{:08}-", seq);
  p.resize(std::max(size, p.size()), static_cast<char>('a' + seq % 26));
  return p;
}

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "outpost-queue-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    state_ = root_ / "state";
    dir_ = root_ / "queue";
    std::filesystem::create_directories(state_);
    log_ = std::make_unique<EventLog>(state_, "agent", Echo::none);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  std::unique_ptr<DurableQueue> open_queue(QueueLimits limits = {}) {
    auto q = DurableQueue::open(dir_, limits, log_.get());
    EXPECT_TRUE(q) << (q ? "" : q.error().describe());
    return q ? std::move(*q) : nullptr;
  }

  // Appends items `from`..`to` (their payloads from payload_for), produced at `produced_ms`.
  static void append_range(DurableQueue& q, std::uint64_t from, std::uint64_t to,
                           std::size_t size = 200, std::int64_t produced_ms = 1'700'000'000'000) {
    for (std::uint64_t seq = from; seq <= to; ++seq) {
      auto got = q.append(ItemKind::sample, payload_for(seq, size), produced_ms);
      ASSERT_TRUE(got) << got.error().describe();
      ASSERT_EQ(*got, seq);
    }
  }

  // Every unacked item, in order.
  static std::vector<StoredItem> peek_all(const DurableQueue& q, std::uint64_t after = 0) {
    return q.peek(after, SIZE_MAX, SIZE_MAX);
  }

  std::size_t count_events(EventId id) const {
    auto contents = read_events(state_, {.id = number(id), .since = {}});
    EXPECT_TRUE(contents);
    return contents ? contents->events.size() : 0;
  }

  std::vector<std::filesystem::path> segment_files() const {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().extension() == ".seg") {
        out.push_back(e.path());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static void append_bytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << bytes;
  }

  std::filesystem::path root_, state_, dir_;
  std::unique_ptr<EventLog> log_;
};

}  // namespace outpost::queue::testing
