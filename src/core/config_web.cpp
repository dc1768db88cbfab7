// The [web] section of a management server's configuration (core/config.hpp WebSettings).
#include <arpa/inet.h>

#include <tuple>

#include <fmt/format.h>

#include "core/config_reader.hpp"

namespace outpost::detail {
namespace {

bool is_ip_literal(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

Result<std::filesystem::path> path_of(const ConfigReader& r, const NodeConfig& c,
                                      std::string_view key) {
  auto text = r.text("web", key);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::filesystem::path{};
  if ((*text)->empty()) return std::unexpected(r.bad_value("web", key, "\"\"", "a file path"));
  std::filesystem::path p(**text);
  return (p.is_absolute() ? p : c.file.parent_path() / p).lexically_normal();
}

}  // namespace

Result<void> read_web(const ConfigReader& r, NodeConfig& c) {
  if (r.table("web") == nullptr) return {};
  WebSettings web;
  web.listen = Endpoint{"127.0.0.1", 8443};
  auto address = r.text("web", "address");
  if (!address) return std::unexpected(address.error());
  if (*address) {
    if (!is_ip_literal(**address)) {
      return std::unexpected(r.bad_value("web", "address", fmt::format("\"{}\"", **address),
                                         "an IP address to listen on (0.0.0.0 or :: for all)"));
    }
    web.listen.host = **address;
  }
  auto port = r.integer("web", "port", 0, 65535);  // 0: any free port (tests)
  if (!port) return std::unexpected(port.error());
  web.listen.port = static_cast<std::uint16_t>(port->value_or(web.listen.port));
  for (auto [key, target, low, high] : {
           std::tuple{"max_connections", &web.max_connections, 1, 100000},
           std::tuple{"max_per_source", &web.max_per_source, 1, 100000},
           std::tuple{"body_limit_kb", &web.body_limit_kb, 1, 16384},
           std::tuple{"session_idle_min", &web.session_idle_min, 1, 10080},
           std::tuple{"session_max_h", &web.session_max_h, 1, 8760},
           std::tuple{"threads", &web.threads, 1, 64},
       }) {
    auto value = r.integer("web", key, low, high);
    if (!value) return std::unexpected(value.error());
    *target = static_cast<int>(value->value_or(*target));
  }
  auto cert = path_of(r, c, "cert_file");
  if (!cert) return std::unexpected(cert.error());
  auto key = path_of(r, c, "key_file");
  if (!key) return std::unexpected(key.error());
  if (cert->empty() != key->empty()) {
    return std::unexpected(r.missing("web", cert->empty() ? "cert_file" : "key_file",
                                     "both cert_file and key_file, or neither (the channel "
                                     "certificate is used)"));
  }
  web.cert_file = *cert;
  web.key_file = *key;
  c.web = web;
  return {};
}

}  // namespace outpost::detail
