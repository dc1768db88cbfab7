// The agent's collectors (issue 5): performance samples from /proc and statvfs, log files
// followed across rotation and matched with regular expressions, and checks run as monitoring
// plugins. Each collected item is handed to `Emit` on the executor's thread as one JSON payload;
// the agent puts it in its durable queue. Payload shapes: src/collect/README.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/event_log.hpp"
#include "core/events.hpp"

namespace outpost::collect {

namespace asio = boost::asio;

enum class Kind { event, sample, check };

[[nodiscard]] std::string_view kind_name(Kind kind);  // "event", "sample", "check"

struct Collected {
  Kind kind;
  std::int64_t produced_unix_ms;
  std::string json;  // one item, the payload documented in README.md
};

// Returns whether the item was kept (queued); a log file's position moves on only past lines
// whose items were all kept.
using Emit = std::function<bool(Collected)>;

// [[collect.log]]: lines of `path` that match `pattern` (RE2 syntax) become events of `level`.
struct LogRule {
  std::string path;
  std::string rule;     // the rule's name, in every event it produces
  std::string pattern;  // checked at parse time
  Level level = Level::warning;
  bool operator==(const LogRule&) const = default;
};

// [[collect.check]]: a monitoring plugin run every interval, without a shell.
struct CheckSpec {
  std::string name;                  // [A-Za-z0-9_.-]+, unique; samples are check.<name>.<label>
  std::vector<std::string> command;  // command[0] is an absolute path
  int interval_s = 300;
  int timeout_s = 30;
  bool operator==(const CheckSpec&) const = default;
};

struct CollectConfig {
  int performance_interval_s = 60;                 // 0 disables performance samples
  std::optional<std::vector<std::string>> mounts;  // none: every real file system mounted
  int log_interval_s = 1;                          // how often followed files are polled
  std::vector<LogRule> logs;
  std::vector<CheckSpec> checks;

  // Not in TOML: where the followed files' positions are kept across restarts (the agent's
  // <state_dir>/log-positions.json); empty: every start reads from the files' ends.
  std::filesystem::path positions_file;

  // Bounds, not in TOML.
  std::size_t max_line_bytes = 64 * 1024;          // a longer line is cut (and marked) here
  std::size_t max_lines_per_tick = 1000;           // per file; the rest waits for the next tick
  std::size_t max_check_output_bytes = 64 * 1024;  // more output is read and dropped
  std::chrono::milliseconds kill_grace{2000};      // SIGTERM, then SIGKILL after this

  bool operator==(const CollectConfig&) const = default;
};

// Parses the [collect] part of a TOML text (the agent's file, or a configuration-service
// document); other sections are ignored, unknown keys inside [collect] are errors. Without a
// [collect] section the defaults apply. Errors carry EventId::config_invalid and read like
// core's: "ORIGIN: [collect.check] timeout_s = 0: expected an integer from 1 to 3600".
[[nodiscard]] Result<CollectConfig> parse_collect_config(std::string_view toml_text,
                                                         std::string_view origin);

// The [collect] section of a node's configuration parses: a reload is refused (30025) when not.
[[nodiscard]] Result<void> check_collect_rules(const NodeConfig& config);

class Collectors {
 public:
  // `log` may be null (no events about the collectors themselves are written then).
  Collectors(asio::any_io_executor executor, CollectConfig config, Emit emit, EventLog* log);
  ~Collectors();  // stops
  Collectors(const Collectors&) = delete;
  Collectors& operator=(const Collectors&) = delete;

  void start();  // timers for performance, log following, checks
  void stop();   // cancels everything, kills running check processes; bounded in time

  struct State;  // shared with the coroutines, which may outlive this object briefly

 private:
  std::shared_ptr<State> state_;
};

}  // namespace outpost::collect
