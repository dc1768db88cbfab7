#include "channel/configuration.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>

#include "channel/session.hpp"
#include "core/files.hpp"

namespace outpost::channel {

std::string state_cookie(std::string_view document) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(document.data(), document.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i)
    hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

ReceivedConfiguration::ReceivedConfiguration(std::filesystem::path state_dir)
    : file_(std::move(state_dir) / "configuration.toml") {}

std::string ReceivedConfiguration::read() {
  auto text = read_file(file_);
  if (!text) return {};
  auto document = parse_document(*text);
  if (!document) {
    return fmt::format("{} was damaged: {}", file_.string(), document.error().message);
  }
  document_ = std::move(*document);
  cookie_ = state_cookie(*text);
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(file_, ec);
  if (!ec) {
    received_ =
        std::chrono::time_point_cast<TimePoint::duration>(std::chrono::file_clock::to_sys(written));
  }
  return {};
}

void ReceivedConfiguration::load(const std::string& management_group, EventLog& log) {
  const std::string damaged = read();
  if (document_) return;
  const std::string problem = damaged.empty() ? "" : " (" + damaged + ")";
  (void)log.write(EventId::config_none_requesting,
                  fmt::format("There is no configuration for management group {} yet{}; it is "
                              "requested from the configuration service.",
                              management_group, problem));
}

bool ReceivedConfiguration::apply(const wire::ConfigUpdate& update, EventLog& log) {
  const std::string cookie = state_cookie(update.document());
  if (cookie == cookie_) return false;
  auto document = parse_document(update.document());
  if (!document) {
    (void)log.write(EventId::config_invalid,
                    "The configuration service sent a document this node cannot use: " +
                        document.error().describe());
    return false;
  }
  if (auto saved = write_file_atomic(file_, update.document()); !saved) {
    (void)log.write(EventId::config_invalid,
                    "The new configuration cannot be saved (it is applied for now): " +
                        saved.error().describe());
  }
  document_ = std::move(*document);
  cookie_ = cookie;
  received_ = Clock::now();
  std::string parents;
  for (const auto& p : document_->parents)
    parents += (parents.empty() ? "" : ", ") + p.text();
  (void)log.write(EventId::config_received,
                  fmt::format("New configuration received, state cookie '{}' (parents: {}; "
                              "heartbeat every {} s).",
                              cookie_, parents.empty() ? "this node's own" : parents,
                              document_->heartbeat_interval_s),
                  {{"cookie", cookie_}});
  return true;
}

std::vector<Endpoint> ReceivedConfiguration::parents(const NodeConfig& local) const {
  if (document_ && !document_->parents.empty()) return document_->parents;
  return local.parents;
}

std::optional<int> ReceivedConfiguration::pushed_heartbeat_interval_s() const {
  if (!document_) return std::nullopt;
  return document_->heartbeat_interval_s;
}

int ReceivedConfiguration::heartbeat_interval_s(const NodeConfig& local) const {
  return document_ ? document_->heartbeat_interval_s : local.heartbeat_interval_s;
}

void ReceivedConfiguration::on_update(const wire::ConfigUpdate& update, const NodeConfig& local,
                                      Session& current, const Endpoint& parent, EventLog& log) {
  if (!apply(update, log)) return;
  for (const auto& p : parents(local)) {
    if (p == parent) return;  // still listed: the connection stays
  }
  current.close(fmt::format("the new configuration no longer lists the parent {}", parent.text()));
}

const std::string& ReceivedConfiguration::collect_toml(const NodeConfig& local) const {
  return has_collect() ? document_->collect : local.collect_toml;
}

nlohmann::json ReceivedConfiguration::status() const {
  if (!document_) return nullptr;
  nlohmann::json parents = nlohmann::json::array();
  for (const auto& p : document_->parents)
    parents.push_back(p.text());
  return {{"cookie", cookie_},
          {"received", received_ ? format_utc(*received_) : ""},
          {"parents", parents},
          {"heartbeat_interval_s", document_->heartbeat_interval_s},
          {"collect", document_->collect.empty() ? "this node's own [collect]" : "received"}};
}

}  // namespace outpost::channel
