// The durable queue against real failures: a process killed with SIGKILL while appending, and a
// file system that fills up.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "queue/durable_queue.hpp"
#include "queue_fixture.hpp"

namespace outpost::queue::testing {
namespace {

// Reads whole u64 values from `fd` until `want` were read or the writer is gone.
std::vector<std::uint64_t> read_seqs(int fd, std::size_t want) {
  std::vector<std::uint64_t> out;
  std::uint64_t value = 0;
  std::size_t got = 0;
  while (out.size() < want) {
    const ssize_t n = ::read(fd, reinterpret_cast<char*>(&value) + got, sizeof value - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;  // end of file: every writer closed or died
    }
    got += static_cast<std::size_t>(n);
    if (got == sizeof value) {
      out.push_back(value);
      got = 0;
    }
  }
  return out;
}

constexpr QueueLimits kCrashLimits{.max_bytes = 256 << 20,
                                   .max_age = std::chrono::hours(1),
                                   .segment_bytes = 16 << 10};  // small: segments roll too

// The child: opens the queue as a crash left it and appends items, flushing every 7 and
// reporting the last flushed seq on `report_fd`, until it has done `max_items` or is killed.
[[noreturn]] void append_until_killed(const std::filesystem::path& dir, int report_fd,
                                      std::uint64_t max_items) {
  auto q = DurableQueue::open(dir, kCrashLimits, nullptr);
  if (!q) {
    ::_exit(2);
  }
  for (std::uint64_t i = 1; i <= max_items; ++i) {
    const std::uint64_t expected = (*q)->stats().next_seq;
    auto seq = (*q)->append(ItemKind::sample, payload_for(expected), 0);
    if (!seq || *seq != expected) {
      ::_exit(3);
    }
    if (i % 7 == 0) {
      if (!(*q)->flush()) {
        ::_exit(4);
      }
      if (::write(report_fd, &expected, sizeof expected) != static_cast<ssize_t>(sizeof expected)) {
        ::_exit(5);
      }
    }
  }
  ::_exit(0);  // no destructor: the queue is left as a crash leaves it
}

TEST_F(QueueTest, KillNineLosesNothingThatWasFlushed) {
  constexpr std::uint64_t kMaxItems = 20'000;  // per round, if the kill comes late
  for (int round = 0; round < 3; ++round) {    // each round continues the queue of the one before
    SCOPED_TRACE(::testing::Message() << "round " << round);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << std::strerror(errno);
    if (child == 0) {
      ::close(fds[0]);
      append_until_killed(dir_, fds[1], kMaxItems);
    }
    ::close(fds[1]);
    // Wait for some flushes (however slow the machine is), then kill it mid-append.
    auto seqs = read_seqs(fds[0], 50);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    const auto rest = read_seqs(fds[0], SIZE_MAX);  // what it reported before it died
    ::close(fds[0]);
    seqs.insert(seqs.end(), rest.begin(), rest.end());
    ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        << "the child failed with status " << status;
    ASSERT_FALSE(seqs.empty());
    const std::uint64_t flushed = seqs.back();

    auto q = open_queue(kCrashLimits);
    ASSERT_TRUE(q);
    const auto items = peek_all(*q);
    ASSERT_GE(items.size(), flushed) << "a flushed item was lost";
    for (std::size_t i = 0; i < items.size(); ++i) {
      ASSERT_EQ(items[i].seq, i + 1) << "the seqs are not continuous";
      ASSERT_EQ(items[i].payload, payload_for(i + 1));
    }
    // Appending goes on right after the last item that survived.
    const std::uint64_t next = items.size() + 1;
    EXPECT_EQ(*q->append(ItemKind::sample, payload_for(next), 0), next);
  }
}

// A tmpfs of its own, mounted over a folder of the test; skipped where mounting is not allowed.
class QueueDiskFullTest : public QueueTest {
 protected:
  void SetUp() override {
    QueueTest::SetUp();
    std::filesystem::create_directories(dir_);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=256k,mode=0700") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs (" << std::strerror(errno)
                   << "); this test needs root or CAP_SYS_ADMIN";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_ && ::umount2(dir_.c_str(), 0) != 0) {
      ADD_FAILURE() << "cannot unmount " << dir_ << ": " << std::strerror(errno);
      (void)::umount2(dir_.c_str(), MNT_DETACH);
    }
    QueueTest::TearDown();
  }
  bool mounted_ = false;
};

TEST_F(QueueDiskFullTest, AppendFailsWith30040LosesNothingAndResumesWhenThereIsRoom) {
  const QueueLimits limits{
      .max_bytes = 64 << 20, .max_age = std::chrono::hours(1), .segment_bytes = 32 << 10};
  {
    auto q = open_queue(limits);
    ASSERT_TRUE(q);
    std::uint64_t last = 0;
    Result<std::uint64_t> failed = 0;
    for (std::uint64_t i = 1; i <= 10'000; ++i) {  // 256 KiB holds far fewer than this
      auto seq = q->append(ItemKind::sample, payload_for(i, 1000), 1);
      if (!seq) {
        failed = std::move(seq);
        break;
      }
      ASSERT_EQ(*seq, i);
      last = i;
      if (i % 10 == 0) {
        ASSERT_TRUE(q->flush());
      }
    }
    ASSERT_FALSE(failed) << "the tmpfs never filled up";
    EXPECT_EQ(failed.error().event, EventId::queue_write_failed);
    EXPECT_NE(failed.error().message.find("No space left on device"), std::string::npos)
        << failed.error().message;
    ASSERT_GT(last, 100U);
    EXPECT_EQ(count_events(EventId::queue_write_failed), 1U);
    // Still full: it fails again, but the event is not repeated.
    EXPECT_FALSE(q->append(ItemKind::sample, payload_for(last + 1, 1000), 1));
    EXPECT_EQ(count_events(EventId::queue_write_failed), 1U);
    EXPECT_EQ(q->stats().next_seq, last + 1);  // a failed append uses no seq

    // Nothing stored before is lost, and the failed writes left no partial record.
    auto items = peek_all(*q);
    ASSERT_EQ(items.size(), last);
    for (std::size_t i = 0; i < items.size(); ++i) {
      ASSERT_EQ(items[i].seq, i + 1);
      ASSERT_EQ(items[i].payload, payload_for(i + 1, 1000));
    }

    // An ack frees room even though the disk is full: the acked segments are deleted.
    const auto first_segment = segment_files().at(0);
    (void)q->ack(40);  // may fail to write queue.meta on the full disk; that is not fatal
    EXPECT_FALSE(std::filesystem::exists(first_segment));
    ++last;
    auto resumed = q->append(ItemKind::sample, payload_for(last, 1000), 1);
    ASSERT_TRUE(resumed) << resumed.error().describe();
    EXPECT_EQ(*resumed, last);
    EXPECT_EQ(count_events(EventId::queue_write_failed), 1U);
    items = peek_all(*q);
    ASSERT_EQ(items.size(), last - 40);
    EXPECT_EQ(items.front().seq, 41U);

    // Room again: appending resumes by itself.
    ASSERT_EQ(::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, "size=4m,mode=0700"), 0)
        << std::strerror(errno);
    for (std::uint64_t i = last + 1; i <= last + 50; ++i) {
      auto seq = q->append(ItemKind::sample, payload_for(i, 1000), 1);
      ASSERT_TRUE(seq) << seq.error().describe();
      ASSERT_EQ(*seq, i);
    }
    ASSERT_TRUE(q->flush());
    last += 50;
    items = peek_all(*q);
    ASSERT_EQ(items.size(), last - 40);
    ASSERT_TRUE(q->ack(50));
  }
  auto q = open_queue(limits);
  ASSERT_TRUE(q);
  EXPECT_EQ(count_events(EventId::queue_damaged), 0U);
  const auto items = peek_all(*q);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.front().seq, 51U);
  for (std::size_t i = 0; i < items.size(); ++i) {
    ASSERT_EQ(items[i].seq, i + 51);
    ASSERT_EQ(items[i].payload, payload_for(i + 51, 1000));
  }
  EXPECT_EQ(q->stats().next_seq, items.back().seq + 1);
  q.reset();  // closed before TearDown unmounts the tmpfs
}

}  // namespace
}  // namespace outpost::queue::testing
