// Follows one log file like `tail -F`: the first poll starts at the end of an existing file (a
// file that appears later is read from its start); rotation is noticed by a new inode at the
// path (the rest of the old file is read first, within the bounds) or by the file shrinking
// (copytruncate: read again from the start; a file that grew past the old offset again before
// the next poll is not seen as truncated, as with tail). A last line without its newline is
// held back until the newline comes, or until its file is rotated away or deleted. Lines are
// bounded in length (cut, with kCutMarker) and in number per poll (the rest waits).
// Polling does blocking file I/O; Collectors runs it off the I/O thread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace outpost::collect {

class LogFollower {
 public:
  LogFollower(std::filesystem::path path, std::size_t max_line_bytes,
              std::size_t max_lines_per_poll);
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  struct Poll {
    std::vector<std::string> lines;      // complete lines, without the newline
    std::optional<std::string> problem;  // the file cannot be read now (reported, then retried)
    bool rotated = false;                // a new file or a truncation was noticed
  };
  [[nodiscard]] Poll poll();

  // Where reading stands in which file: after the last line poll() returned (a held-back partial
  // line is read again). None while no file is open.
  struct Position {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t offset = 0;
    bool operator==(const Position&) const = default;
  };
  [[nodiscard]] std::optional<Position> position() const;
  // Before the first poll: continue at `p` (kept across an agent restart) when the file at the
  // path is still that file and not shorter; another file there now (rotated while the agent was
  // not running) is read from its start.
  void resume_at(Position p) { resume_ = p; }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  static constexpr std::string_view kCutMarker = " [line cut]";

 private:
  bool open_current(Poll& out, bool from_end);
  // Reads complete lines from the open file into `out` until EOF or the line budget.
  void read_lines(Poll& out);
  void take_line(Poll& out, std::string_view piece, bool complete);
  void close_file();
  void finish_file(Poll& out);  // emits the held-back last line, then closes

  std::filesystem::path path_;
  std::size_t max_line_bytes_;
  std::size_t max_lines_;
  bool opened_once_ = false;
  bool seen_missing_ = false;
  std::optional<Position> resume_;
  int fd_ = -1;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::uint64_t offset_ = 0;
  std::string partial_;      // an incomplete last line, waiting for its newline
  bool discarding_ = false;  // the current line was cut; drop the rest up to its newline
};

}  // namespace outpost::collect
