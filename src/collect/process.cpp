#include "collect/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

extern char** environ;  // NOLINT: the agent's environment, handed to the checks

namespace outpost::collect {
namespace {

using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kPoll{100};            // waitpid(WNOHANG) polling
constexpr std::chrono::milliseconds kPipeAfterExit{1000};  // grandchildren holding the pipe

// The agent's environment with LC_ALL=C, so that plugins print numbers with a '.'.
std::vector<std::string> check_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("LC_ALL=")) continue;
    out.emplace_back(*e);
  }
  out.emplace_back("LC_ALL=C");
  return out;
}

// The exit status when the process has ended (and is reaped now), none while it runs.
std::optional<int> try_reap(RunningProcess& p) {
  if (p.reaped) return std::nullopt;
  int status = 0;
  const pid_t r = ::waitpid(p.pid, &status, WNOHANG);
  if (r == p.pid || (r < 0 && errno == ECHILD)) {
    p.reaped = true;
    p.lost = r != p.pid;  // reaped elsewhere (SIGCHLD ignored?): the exit status is lost
    return status;
  }
  return std::nullopt;
}

// The whole group: the plugin and whatever it started. Also after the plugin itself was reaped,
// for children it left behind: Linux does not reuse a pid while a process group has its id.
void kill_group(const RunningProcess& p, int signal) {
  ::kill(-p.pid, signal);
}

std::int64_t elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

// Waits until the process is reaped, `until`, or the table is stopped; false when it still runs.
asio::awaitable<bool> wait_reaped(std::shared_ptr<RunningProcess> p, const ProcessTable& table,
                                  Clock::time_point until, std::optional<int>* status) {
  for (;;) {
    if (auto s = try_reap(*p)) {
      *status = s;
      co_return true;
    }
    if (p->reaped) co_return true;
    if (table.stopped || Clock::now() >= until) co_return false;
    p->timer.expires_after(kPoll);
    co_await p->timer.async_wait(kTuple);
  }
}

}  // namespace

RunningProcess::RunningProcess(asio::any_io_executor executor, pid_t p, int fd)
    : pid(p), pipe(executor, fd), timer(executor) {}

Result<Spawned> spawn_process(const std::vector<std::string>& command) {
  if (command.empty()) return fail("the check has no command", "give its command");
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return fail(fmt::format("cannot create a pipe for {}: {}", command[0], std::strerror(errno)),
                "check the agent's open-file limit");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);  // its own group: the timeout kills its children
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attributes, &all);

  std::vector<char*> argv;
  for (const auto& word : command)
    argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  auto environment = check_environment();
  std::vector<char*> envp;
  for (auto& entry : environment)
    envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, command[0].c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return fail(fmt::format("cannot run {}: {}", command[0], std::strerror(rc)),
                "check the check's command: the path and its permissions");
  }
  return Spawned{pid, fds[0]};
}

void ProcessTable::kill_all(std::chrono::milliseconds bound) {
  stopped = true;
  for (const auto& p : running) {
    kill_group(*p, SIGKILL);
    boost::system::error_code ignored;
    p->pipe.close(ignored);
    p->timer.cancel();
  }
  const auto until = Clock::now() + bound;
  for (;;) {
    bool all_reaped = true;
    for (const auto& p : running) {
      try_reap(*p);
      all_reaped = all_reaped && p->reaped;
    }
    if (all_reaped || Clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  running.clear();
}

asio::awaitable<std::optional<CheckRun>> run_check(CheckSpec spec, CheckLimits limits,
                                                   std::shared_ptr<ProcessTable> table) {
  if (table->stopped) co_return std::nullopt;  // stop() came before this run began
  const auto started = Clock::now();
  CheckRun run;
  run.result.name = spec.name;
  auto spawned = spawn_process(spec.command);
  if (!spawned) {
    run.result.status = CheckStatus::unknown;
    run.result.exit_code = -1;
    run.result.output = spawned.error().message;
    run.result.duration_ms = elapsed_ms(started);
    co_return run;
  }
  auto executor = co_await asio::this_coro::executor;
  auto p = std::make_shared<RunningProcess>(executor, spawned->pid, spawned->output_fd);
  table->running.insert(p);

  const auto deadline = started + std::chrono::seconds(spec.timeout_s);
  std::string output;
  std::array<char, 8192> buffer{};
  std::optional<int> status;
  std::optional<Clock::time_point> exited_at;
  bool eof = false;
  bool timed_out = false;
  for (;;) {
    const auto now = Clock::now();
    if (!status) {
      if (auto s = try_reap(*p)) {
        status = s;
        exited_at = now;
      }
    }
    if (status && (eof || now >= *exited_at + kPipeAfterExit)) break;
    if (!status && now >= deadline) {
      timed_out = true;
      break;
    }
    auto wake = std::min(deadline, now + kPoll);
    if (exited_at) wake = std::min(wake, *exited_at + kPipeAfterExit);
    p->timer.expires_at(wake);
    if (eof) {
      co_await p->timer.async_wait(kTuple);
      if (table->stopped) co_return std::nullopt;
      continue;
    }
    auto outcome = co_await (p->pipe.async_read_some(asio::buffer(buffer), kTuple) ||
                             p->timer.async_wait(kTuple));
    if (table->stopped) co_return std::nullopt;
    if (outcome.index() == 0) {
      const auto [ec, n] = std::get<0>(outcome);
      if (ec) {
        eof = true;  // end of output (or a read error: the same for us)
      } else if (output.size() < limits.output_cap) {
        output.append(buffer.data(), std::min(n, limits.output_cap - output.size()));
      }
    }
  }
  if (timed_out) {
    // SIGTERM first so that the plugin may clean up; SIGKILL to the group after the grace period
    // (also when the plugin itself ended but left children that ignore SIGTERM).
    kill_group(*p, SIGTERM);
    const bool gone = co_await wait_reaped(p, *table, Clock::now() + limits.kill_grace, &status);
    if (table->stopped) co_return std::nullopt;
    kill_group(*p, SIGKILL);
    if (!gone) {
      // SIGKILL ends it unless it sleeps in the kernel (a hung NFS mount); stop() ends the wait.
      co_await wait_reaped(p, *table, Clock::time_point::max(), &status);
      if (table->stopped) co_return std::nullopt;
    }
  } else if (!eof) {
    kill_group(*p, SIGKILL);  // the plugin ended; children it left behind still hold the pipe
  }
  boost::system::error_code ignored;
  p->pipe.close(ignored);
  table->running.erase(p);

  const auto parsed = parse_plugin_output(output);
  run.result.duration_ms = elapsed_ms(started);
  if (timed_out) {
    run.result.status = CheckStatus::unknown;
    run.result.exit_code = -1;
    run.result.output = fmt::format("timed out after {} s", spec.timeout_s);
    co_return run;
  }
  const int s = status.value_or(0);
  if (p->lost) {
    run.result.exit_code = -1;
    run.result.status = CheckStatus::unknown;
    run.result.output = "ended, but its exit status was lost (is SIGCHLD ignored?)";
  } else if (WIFEXITED(s)) {
    run.result.exit_code = WEXITSTATUS(s);
    run.result.status = status_from_exit_code(run.result.exit_code);
    run.result.output = parsed.first_line;
  } else {
    run.result.exit_code = -1;
    run.result.status = CheckStatus::unknown;
    run.result.output = WIFSIGNALED(s) ? fmt::format("killed by signal {} ({})", WTERMSIG(s),
                                                     ::strsignal(WTERMSIG(s)))
                                       : std::string("ended without an exit status");
  }
  run.perfdata = parsed.perfdata;
  co_return run;
}

}  // namespace outpost::collect
