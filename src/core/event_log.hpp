// The event log: one JSON object per line in <state_dir>/events.jsonl, optionally echoed to
// stderr as one human line. Appends are single write(2) calls on an O_APPEND descriptor, so
// several processes of one node can log to the same file without interleaving lines. A daemon's
// log rotates (rotate_at): events.jsonl at [log] max_file_mb into events.jsonl.1 ..., and its
// stderr too when that is a regular file; each rotation is logged as 30073.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/events.hpp"
#include "core/log_rotation.hpp"
#include "core/time.hpp"

namespace outpost {

struct Event {
  int id = 0;
  Level level = Level::info;
  std::string source;  // the component that wrote it: "cert", "gateway", "channel", ...
  TimePoint time;
  std::string message;
  nlohmann::json fields = nlohmann::json::object();
};

[[nodiscard]] nlohmann::json to_json(const Event& event);
[[nodiscard]] Result<Event> event_from_json(const nlohmann::json& j);
// "2026-11-22T10:04:05Z error 20050 [cert] message"
[[nodiscard]] std::string format_event_line(const Event& event);

enum class Echo { none, stderr_stream };

class EventLog {
 public:
  static constexpr const char* kFileName = "events.jsonl";

  EventLog(std::filesystem::path state_dir, std::string source, Echo echo);

  // Writes the event with the catalogue's level. Thread-safe. `detail` is the specific message;
  // when empty the catalogue text is used. A failure to write the file is reported on stderr and
  // returned.
  Result<Event> write(EventId id, std::string detail, nlohmann::json fields = {});

  // From now on the file (and stderr when echoed there and a regular file) rotate at the size.
  void rotate_at(LogRotation rotation) { rotation_ = rotation; }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string source_;
  Echo echo_;
  std::optional<LogRotation> rotation_;
  // write() is called from several threads (the console's, the server's).
  std::mutex mutex_;

  [[nodiscard]] Result<void> append(const std::string& line);
  void rotated(const std::string& file);
};

struct EventFilter {
  std::optional<int> id;
  std::optional<TimePoint> since;
};

struct EventLogContents {
  std::vector<Event> events;
  std::vector<std::string> damaged_lines;  // "events.jsonl line 7: not JSON", one per bad line
};

// Reads the event log, the rotated files first (events.jsonl.N ... .1, oldest first). A damaged
// line (a torn write after a crash, an edit by hand) does not hide the rest: it is reported in
// `damaged_lines` with its line number.
[[nodiscard]] Result<EventLogContents> read_events(const std::filesystem::path& state_dir,
                                                   const EventFilter& filter = {});

}  // namespace outpost
