// Check processes: started with posix_spawn (no shell) in their own process group, stdin from
// /dev/null, stdout and stderr into one pipe that is read asynchronously with a cap; killed
// (SIGTERM to the group, SIGKILL after a grace period) at the timeout; always reaped with
// waitpid(WNOHANG) polling on a timer, so the I/O thread never blocks and no zombie is left.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "collect/collect.hpp"
#include "collect/payload.hpp"
#include "collect/perfdata.hpp"

namespace outpost::collect {

struct Spawned {
  pid_t pid = -1;
  int output_fd = -1;  // read end of the stdout+stderr pipe; the caller owns it
};
// Fails (with the reason) when the executable cannot be run: missing, not executable, ...
[[nodiscard]] Result<Spawned> spawn_process(const std::vector<std::string>& command);

struct RunningProcess {
  RunningProcess(asio::any_io_executor executor, pid_t pid, int fd);
  pid_t pid;
  bool reaped = false;
  bool lost = false;  // waitpid said ECHILD: someone else reaped it
  asio::posix::stream_descriptor pipe;
  asio::steady_timer timer;
};

// The check processes running now, so that stop() can end them.
struct ProcessTable {
  bool stopped = false;
  std::set<std::shared_ptr<RunningProcess>> running;
  // SIGKILL to every group, close the pipes, cancel the timers, and reap for at most `bound`.
  void kill_all(std::chrono::milliseconds bound);
};

struct CheckRun {
  CheckResult result;
  std::vector<PerfValue> perfdata;
};

struct CheckLimits {
  std::size_t output_cap = 64 * 1024;
  std::chrono::milliseconds kill_grace{2000};
};

// Runs one check to its end. None when the table was stopped meanwhile.
[[nodiscard]] asio::awaitable<std::optional<CheckRun>> run_check(
    CheckSpec spec, CheckLimits limits, std::shared_ptr<ProcessTable> table);

}  // namespace outpost::collect
