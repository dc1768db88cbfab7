// Collectors: the timers. Performance reads and log polls do blocking file I/O (statvfs on a hung
// network mount, a log on a slow disk), so each turn runs on a short-lived thread and posts its
// items back to the executor; a turn still running when the next is due is skipped (30061).
// Checks run as coroutines on the executor (process.hpp). Emit and the event log are only ever
// called on the executor's thread.
#include <re2/re2.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "collect/collect.hpp"
#include "collect/log_follow.hpp"
#include "collect/payload.hpp"
#include "collect/performance.hpp"
#include "collect/process.hpp"
#include "core/files.hpp"

namespace outpost::collect {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kReapBound{1000};    // stop(): check processes
constexpr std::chrono::milliseconds kThreadBound{2000};  // stop(): reads under way

// Lets background threads post to the executor only while it is certain to exist.
struct Gate {
  explicit Gate(asio::any_io_executor e) : executor(std::move(e)) {}
  asio::any_io_executor executor;
  std::mutex mutex;
  std::condition_variable changed;
  bool open = true;
  int running = 0;
};

struct Batch {
  std::vector<Collected> items;
  std::vector<std::string> problems;                       // for 30060
  std::map<std::string, LogFollower::Position> positions;  // log turns: where each file stands
};

struct CompiledRule {
  std::string name;
  std::shared_ptr<const RE2> pattern;
  Level level;
};

struct FollowedFile {
  FollowedFile(const std::string& path, const CollectConfig& c)
      : follower(path, c.max_line_bytes, c.max_lines_per_tick) {}
  LogFollower follower;
  std::vector<CompiledRule> rules;
};

// Touched only by the thread of the turn that runs it (one at a time).
struct PerformanceJob {
  std::optional<std::vector<std::string>> mounts;
  std::optional<Snapshot> previous;
};
struct LogJob {
  std::list<FollowedFile> files;
};

Batch performance_turn(PerformanceJob& job) {
  auto reading = read_snapshot(job.mounts);
  const auto unix_ms = now_unix_ms();
  Batch batch;
  for (const auto& sample :
       samples_from(job.previous ? &*job.previous : nullptr, reading.snapshot)) {
    batch.items.push_back(sample_item(sample, unix_ms));
  }
  job.previous = std::move(reading.snapshot);
  batch.problems = std::move(reading.problems);
  return batch;
}

Batch log_turn(LogJob& job) {
  Batch batch;
  for (auto& file : job.files) {
    auto poll = file.follower.poll();
    if (poll.problem) batch.problems.push_back(*poll.problem);
    if (auto at = file.follower.position()) batch.positions[file.follower.path().string()] = *at;
    const auto source = "log:" + file.follower.path().string();
    const auto unix_ms = now_unix_ms();
    for (const auto& line : poll.lines) {
      for (const auto& rule : file.rules) {
        if (RE2::PartialMatch(line, *rule.pattern)) {
          batch.items.push_back(event_item(source, rule.level, rule.name, line, unix_ms));
        }
      }
    }
  }
  return batch;
}

}  // namespace

struct Collectors::State {
  State(asio::any_io_executor e, CollectConfig c, Emit em, EventLog* l)
      : executor(e),
        config(std::move(c)),
        emit(std::move(em)),
        log(l),
        gate(std::make_shared<Gate>(e)),
        processes(std::make_shared<ProcessTable>()) {}

  asio::any_io_executor executor;
  CollectConfig config;
  Emit emit;
  EventLog* log;
  bool started = false;
  bool stopped = false;
  std::list<asio::steady_timer> timers;
  std::shared_ptr<Gate> gate;
  std::shared_ptr<ProcessTable> processes;
  std::shared_ptr<PerformanceJob> performance = std::make_shared<PerformanceJob>();
  std::shared_ptr<LogJob> logs = std::make_shared<LogJob>();
  bool performance_busy = false;
  bool logs_busy = false;
  std::set<std::string> reported;  // problems logged as 30060 and not yet recovered
  std::set<std::string> stalled;   // turns logged as 30061
  std::map<std::string, LogFollower::Position> positions;  // as last saved

  void write(EventId id, std::string detail);
  // After the lines of a turn went to `emit` (the agent's queue): at-least-once from the file.
  void save_positions(const std::map<std::string, LogFollower::Position>& now);
  void load_positions();

  // Logs each new problem once; problems that went away may be logged again later.
  void report(const std::string& area, const std::vector<std::string>& problems) {
    std::erase_if(reported, [&](const std::string& key) {
      return key.starts_with(area) &&
             std::ranges::find(problems, key.substr(area.size())) == problems.end();
    });
    for (const auto& problem : problems) {
      if (reported.insert(area + problem).second) {
        write(EventId::collect_source_unreadable, "collect: " + problem);
      }
    }
  }
};

void Collectors::State::write(EventId id, std::string detail) {
  if (log != nullptr) (void)log->write(id, std::move(detail));
}

void Collectors::State::save_positions(const std::map<std::string, LogFollower::Position>& now) {
  if (config.positions_file.empty()) return;
  bool changed = false;
  for (const auto& [path, at] : now) {
    auto& kept = positions[path];
    if (!(kept == at)) changed = true;
    kept = at;
  }
  if (!changed) return;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [path, at] : positions)
    out[path] = {{"device", at.device}, {"inode", at.inode}, {"offset", at.offset}};
  if (auto saved = write_file_atomic(config.positions_file, out.dump(1)); !saved) {
    write(EventId::collect_source_unreadable,
          "collect: cannot keep the log files' positions: " + saved.error().describe());
  }
}

void Collectors::State::load_positions() {
  if (config.positions_file.empty() || !std::filesystem::exists(config.positions_file)) return;
  auto text = read_file(config.positions_file);
  const auto in = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (!in.is_object()) {
    write(EventId::collect_source_unreadable,
          "collect: " + config.positions_file.string() +
              " is damaged; the followed files are read from their ends");
    return;
  }
  for (const auto& [path, at] : in.items()) {
    if (!at.is_object()) continue;
    positions[path] = {at.value("device", std::uint64_t{0}), at.value("inode", std::uint64_t{0}),
                       at.value("offset", std::uint64_t{0})};
  }
}

namespace {

using State = Collectors::State;

// The thread of one turn; it posts the batch to the executor while the gate is open.
template <class Job>
void start_turn_thread(const std::shared_ptr<Gate>& gate, std::shared_ptr<Job> job,
                       Batch (*work)(Job&), const std::weak_ptr<State>& weak, bool State::*busy,
                       const std::string& area) {
  std::thread([gate, job, work, weak, busy, area] {
    auto batch = work(*job);
    const std::lock_guard lock(gate->mutex);
    if (gate->open) {
      asio::post(gate->executor, [weak, busy, area, batch = std::move(batch)]() mutable {
        auto s = weak.lock();
        if (!s || s->stopped) return;
        (*s).*busy = false;
        s->stalled.erase(area);
        s->report(area + ": ", batch.problems);
        bool kept = true;
        for (auto& item : batch.items)
          kept = s->emit(std::move(item)) && kept;
        // Lines that could not be queued (a full disk: 30040) do not count as read: an agent
        // restarted before the next turn that saves reads them again.
        if (kept) s->save_positions(batch.positions);
      });
    }
    --gate->running;
    gate->changed.notify_all();
  }).detach();
}

// Runs `work` on its own thread unless the previous turn still runs; the batch comes back to the
// executor unless stopped by then.
template <class Job>
void run_turn(const std::shared_ptr<State>& state, std::shared_ptr<Job> job, Batch (*work)(Job&),
              bool State::*busy, const std::string& area) {
  if ((*state).*busy) {
    if (state->stalled.insert(area).second) {
      state->write(EventId::collect_read_stalled,
                   "collect: the previous " + area + " read has not finished; skipping a turn");
    }
    return;
  }
  (*state).*busy = true;
  auto gate = state->gate;
  {
    const std::lock_guard lock(gate->mutex);
    ++gate->running;
  }
  std::weak_ptr<State> weak = state;
  try {
    start_turn_thread(gate, std::move(job), work, weak, busy, area);
  } catch (const std::system_error& e) {  // no thread now (a process or memory limit)
    (*state).*busy = false;
    const std::lock_guard lock(gate->mutex);
    --gate->running;
    state->write(EventId::collect_read_stalled,
                 "collect: cannot start the " + area + " read: " + e.what());
  }
}

void every(const std::shared_ptr<State>& state, asio::steady_timer* timer,
           std::chrono::seconds interval, void (*turn)(const std::shared_ptr<State>&)) {
  turn(state);
  timer->expires_after(interval);
  timer->async_wait([state, timer, interval, turn](const boost::system::error_code& ec) {
    if (ec || state->stopped) return;
    every(state, timer, interval, turn);
  });
}

void performance_tick(const std::shared_ptr<State>& s) {
  run_turn(s, s->performance, &performance_turn, &State::performance_busy, "performance");
}

void log_tick(const std::shared_ptr<State>& s) {
  run_turn(s, s->logs, &log_turn, &State::logs_busy, "log");
}

asio::awaitable<void> check_loop(std::shared_ptr<State> state, CheckSpec spec,
                                 asio::steady_timer* timer) {
  const CheckLimits limits{state->config.max_check_output_bytes, state->config.kill_grace};
  while (!state->stopped) {
    const auto started = std::chrono::steady_clock::now();
    auto run = co_await run_check(spec, limits, state->processes);
    if (state->stopped || !run) co_return;
    const auto unix_ms = now_unix_ms();
    (void)state->emit(check_item(run->result, unix_ms));
    for (const auto& value : run->perfdata) {
      const Sample sample{"check." + spec.name + "." + value.label, "", value.value, value.unit};
      (void)state->emit(sample_item(sample, unix_ms));
    }
    timer->expires_at(started + std::chrono::seconds(spec.interval_s));
    co_await timer->async_wait(kTuple);
  }
}

}  // namespace

Collectors::Collectors(asio::any_io_executor executor, CollectConfig config, Emit emit,
                       EventLog* log)
    : state_(
          std::make_shared<State>(std::move(executor), std::move(config), std::move(emit), log)) {
  state_->performance->mounts = state_->config.mounts;
  RE2::Options options;
  options.set_log_errors(false);
  for (const auto& rule : state_->config.logs) {
    auto compiled = std::make_shared<const RE2>(rule.pattern, options);
    if (!compiled->ok()) {
      state_->write(EventId::config_invalid, "collect: log rule '" + rule.rule +
                                                 "' has an invalid pattern: " + compiled->error());
      continue;
    }
    auto& files = state_->logs->files;
    auto it = std::ranges::find_if(
        files, [&](const FollowedFile& f) { return f.follower.path() == rule.path; });
    if (it == files.end()) it = files.emplace(files.end(), rule.path, state_->config);
    it->rules.push_back(CompiledRule{rule.rule, std::move(compiled), rule.level});
  }
  // Only the files these rules follow keep a position: one dropped from the rules starts from
  // its end again if it comes back.
  state_->load_positions();
  std::erase_if(state_->positions, [&](const auto& kept) {
    return std::ranges::none_of(state_->logs->files, [&](const FollowedFile& f) {
      return f.follower.path().string() == kept.first;
    });
  });
  for (auto& file : state_->logs->files) {
    const auto kept = state_->positions.find(file.follower.path().string());
    if (kept != state_->positions.end()) file.follower.resume_at(kept->second);
  }
}

Collectors::~Collectors() {
  stop();
}

void Collectors::start() {
  auto& s = state_;
  if (s->started || s->stopped) return;
  s->started = true;
  if (s->config.performance_interval_s > 0) {
    auto* timer = &s->timers.emplace_back(s->executor);
    every(s, timer, std::chrono::seconds(s->config.performance_interval_s), &performance_tick);
  }
  if (!s->logs->files.empty()) {
    auto* timer = &s->timers.emplace_back(s->executor);
    every(s, timer, std::chrono::seconds(s->config.log_interval_s), &log_tick);
  }
  for (const auto& check : s->config.checks) {
    auto* timer = &s->timers.emplace_back(s->executor);
    asio::co_spawn(s->executor, check_loop(s, check, timer), asio::detached);
  }
}

void Collectors::stop() {
  auto& s = state_;
  if (s->stopped) return;
  s->stopped = true;
  for (auto& timer : s->timers)
    timer.cancel();
  s->processes->kill_all(kReapBound);
  std::unique_lock lock(s->gate->mutex);
  s->gate->open = false;
  s->gate->changed.wait_for(lock, kThreadBound, [&] { return s->gate->running == 0; });
}

}  // namespace outpost::collect
