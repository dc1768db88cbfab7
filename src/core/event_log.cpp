#include "core/event_log.hpp"

#include <fcntl.h>
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
  const EventInfo& info = event_info(id);
  Event event{number(id),
              info.level,
              source_,
              Clock::now(),
              detail.empty() ? std::string(info.text) : std::move(detail),
              fields.is_object() ? std::move(fields) : nlohmann::json::object()};
  if (echo_ == Echo::stderr_stream) {
    std::cerr << format_event_line(event) << '\n';
  }
  const std::string line = to_json(event).dump() + '\n';
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
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
  return event;
}

Result<EventLogContents> read_events(const std::filesystem::path& state_dir,
                                     const EventFilter& filter) {
  const auto path = state_dir / EventLog::kFileName;
  EventLogContents contents;
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) {
      return contents;  // nothing logged yet
    }
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
  return contents;
}

}  // namespace outpost
