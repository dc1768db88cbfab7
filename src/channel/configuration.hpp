// A node's side of the configuration service: the state cookie (SHA-256 of the document) and
// the configuration the node received, kept in <state_dir>/configuration.toml and applied over
// its own file (the received parent list replaces [parents]; heartbeat settings replace
// [heartbeat]). The node starts from the saved document, so a restart does not lose it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event_log.hpp"
#include "core/node_document.hpp"
#include "core/time.hpp"
#include "wire/frame.hpp"

namespace outpost::channel {

[[nodiscard]] std::string state_cookie(std::string_view document);  // SHA-256, lower-case hex

class Session;

class ReceivedConfiguration {
 public:
  explicit ReceivedConfiguration(std::filesystem::path state_dir);

  // Reads the saved document; logs 21023 when there is none (or it is damaged: it is then
  // requested again).
  void load(const std::string& management_group, EventLog& log);
  // Reads the saved document without logging (doctor): "" when it was read or there is none,
  // else why it is damaged.
  std::string read();
  // Applies a ConfigUpdate: saves it atomically and logs 21025 with the new cookie. False (and
  // nothing changes) when the cookie is the current one, or the document is invalid (30010).
  bool apply(const wire::ConfigUpdate& update, EventLog& log);

  [[nodiscard]] const std::string& cookie() const { return cookie_; }
  // The parents to use: the received list when it has one, else the file's [parents].
  [[nodiscard]] std::vector<Endpoint> parents(const NodeConfig& local) const;
  [[nodiscard]] int heartbeat_interval_s(const NodeConfig& local) const;
  // The group's heartbeat interval once a configuration arrived (it outranks the interval the
  // parent's Welcome offered); nullopt before.
  [[nodiscard]] std::optional<int> pushed_heartbeat_interval_s() const;
  // The [collect] rules to run: the received ones when the document has them, else the file's.
  [[nodiscard]] const std::string& collect_toml(const NodeConfig& local) const;
  [[nodiscard]] bool has_collect() const { return document_ && !document_->collect.empty(); }
  [[nodiscard]] nlohmann::json status() const;  // cookie, received (time), parents

  // What a node does with a ConfigUpdate for itself from `current` (connected to `parent`):
  // applies it without reconnecting, unless `parent` is no longer in the parent list, in which
  // case the session is closed and the link reconnects to the new primary.
  void on_update(const wire::ConfigUpdate& update, const NodeConfig& local, Session& current,
                 const Endpoint& parent, EventLog& log);

 private:
  std::filesystem::path file_;
  std::string cookie_;
  std::optional<NodeDocument> document_;
  std::optional<TimePoint> received_;
};

}  // namespace outpost::channel
