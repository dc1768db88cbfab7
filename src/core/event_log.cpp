#include "core/event_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

namespace outpost {

nlohmann::json to_json(const Event& event) {
  return nlohmann::json{{"id", event.id},           {"level", level_name(event.level)},
                        {"source", event.source},   {"time", format_utc(event.time, true)},
                        {"message", event.message}, {"fields", event.fields}};
}

Result<Event> event_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer() || !j.contains("time") ||
      !j["time"].is_string() || !j.contains("message") || !j["message"].is_string()) {
    return fail("an event needs an integer id, a time and a message");
  }
  Event event;
  event.id = j["id"].get<int>();
  auto level = level_from_name(j.value("level", std::string("info")));
  if (!level) {
    return fail("unknown level '" + j.value("level", std::string()) + "'");
  }
  event.level = *level;
  event.source = j.value("source", std::string());
  auto time = parse_time(j["time"].get<std::string>(), Clock::now());
  if (!time) {
    return fail("unreadable time '" + j["time"].get<std::string>() + "'");
  }
  event.time = *time;
  event.message = j["message"].get<std::string>();
  if (j.contains("fields") && j["fields"].is_object()) {
    event.fields = j["fields"];
  }
  return event;
}

std::string format_event_line(const Event& event) {
  return fmt::format("{} {} {} [{}] {}", format_utc(event.time), level_name(event.level), event.id,
                     event.source, event.message);
}

EventLog::EventLog(std::filesystem::path state_dir, std::string source, Echo echo)
    : path_(std::move(state_dir) / kFileName), source_(std::move(source)), echo_(echo) {}

Result<Event> EventLog::write(EventId id, std::string detail, nlohmann::json fields) {
  const std::lock_guard lock(mutex_);
  const EventInfo& info = event_info(id);
  Event event{number(id),
              info.level,
              source_,
              Clock::now(),
              detail.empty() ? std::string(info.text) : std::move(detail),
              fields.is_object() ? std::move(fields) : nlohmann::json::object()};
  if (echo_ == Echo::stderr_stream) {
    std::cerr << format_event_line(event) << '\n';
    if (rotation_) {
      if (const std::string file = rotate_stderr_if_over(*rotation_); !file.empty()) rotated(file);
    }
  }
  if (auto appended = append(to_json(event).dump() + '\n'); !appended) {
    return std::unexpected(appended.error());
  }
  return event;
}

Result<void> EventLog::append(const std::string& line) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  struct stat st {};
  bool rotated_now = false;
  if (fd >= 0 && rotation_ && ::fstat(fd, &st) == 0 && st.st_size > 0 &&
      static_cast<std::uint64_t>(st.st_size) + line.size() > rotation_->max_bytes()) {
    ::close(fd);
    if (auto done = rotate_files(path_, rotation_->keep_files); !done) {
      std::cerr << "outpost: " << done.error().message << '\n';
    } else {
      rotated_now = true;
    }
    fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  }
  if (fd < 0) {
    const std::string reason =
        fmt::format("cannot open event log {}: {}", path_.string(), std::strerror(errno));
    std::cerr << "outpost: " << reason << '\n';
    return fail(reason, "check that the state directory exists and is writable");
  }
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    const std::string reason = fmt::format("cannot append to event log {}: {}", path_.string(),
                                           n < 0 ? std::strerror(err) : "short write");
    std::cerr << "outpost: " << reason << '\n';
    return fail(reason, "check free space on the state directory's file system");
  }
  if (rotated_now) rotated(path_.string());
  return {};
}

// 30073 in the (new) event log; not echoed, so that it cannot start another rotation.
void EventLog::rotated(const std::string& file) {
  const Event event{number(EventId::log_rotated),
                    event_info(EventId::log_rotated).level,
                    source_,
                    Clock::now(),
                    fmt::format("{} reached [log] max_file_mb = {} and was rotated to {}.1; "
                                "{} rotated files are kept.",
                                file, rotation_->max_file_mb, file, rotation_->keep_files),
                    {{"file", file}}};
  (void)append(to_json(event).dump() + '\n');
}

namespace {

Result<void> read_file(const std::filesystem::path& path, const EventFilter& filter,
                       EventLogContents& contents) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return {};  // nothing logged yet (or rotated away)
    return fail(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  std::string line;
  for (std::size_t number_of_line = 1; std::getline(in, line); ++number_of_line) {
    if (line.empty()) {
      continue;
    }
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    auto event = parsed.is_discarded() ? fail("not JSON") : event_from_json(parsed);
    if (!event) {
      contents.damaged_lines.push_back(
          fmt::format("{} line {}: {}", path.string(), number_of_line, event.error().message));
      continue;
    }
    if ((filter.id && event->id != *filter.id) || (filter.since && event->time < *filter.since)) {
      continue;
    }
    contents.events.push_back(std::move(*event));
  }
  return {};
}

}  // namespace

Result<EventLogContents> read_events(const std::filesystem::path& state_dir,
                                     const EventFilter& filter) {
  const auto path = state_dir / EventLog::kFileName;
  EventLogContents contents;
  for (const auto& file : rotated_files(path)) {
    if (auto read = read_file(file, filter, contents); !read) return std::unexpected(read.error());
  }
  if (auto read = read_file(path, filter, contents); !read) return std::unexpected(read.error());
  return contents;
}

}  // namespace outpost
