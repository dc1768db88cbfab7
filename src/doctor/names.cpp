#include "doctor/names.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/files.hpp"
#include "core/names.hpp"

namespace outpost::doctor {
namespace {

struct Line {
  std::string address;
  std::vector<std::string> names;
};

std::vector<Line> parse_hosts(std::string_view text) {
  std::vector<Line> out;
  std::istringstream in{std::string(text)};
  std::string raw;
  while (std::getline(in, raw)) {
    if (const auto hash = raw.find('#'); hash != std::string::npos) raw.erase(hash);
    std::istringstream words(raw);
    Line line;
    if (!(words >> line.address)) continue;
    for (std::string name; words >> name;)
      line.names.push_back(canonical_host_name(name));
    if (!line.names.empty()) out.push_back(std::move(line));
  }
  return out;
}

// Runs `work` on its own thread and waits at most `limit`: the system resolver cannot be
// cancelled, so a lookup that hangs is abandoned (the thread ends when the resolver gives up).
template <class T, class F>
std::optional<T> bounded(F work, std::chrono::milliseconds limit) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  std::thread([promise, work = std::move(work)]() mutable { promise->set_value(work()); }).detach();
  if (future.wait_for(limit) != std::future_status::ready) return std::nullopt;
  return future.get();
}

Lookup system_forward(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &result);
  Lookup lookup;
  if (rc != 0) {
    lookup.error = gai_strerror(rc);
    return lookup;
  }
  for (addrinfo* a = result; a != nullptr; a = a->ai_next) {
    char host[NI_MAXHOST] = {};
    if (getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) ==
            0 &&
        std::ranges::find(lookup.answers, std::string(host)) == lookup.answers.end()) {
      lookup.answers.emplace_back(host);
    }
  }
  freeaddrinfo(result);
  return lookup;
}

Lookup system_reverse(const std::string& address) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* result = nullptr;
  Lookup lookup;
  if (const int rc = getaddrinfo(address.c_str(), nullptr, &hints, &result); rc != 0) {
    lookup.error = gai_strerror(rc);
    return lookup;
  }
  char host[NI_MAXHOST] = {};
  const int rc =
      getnameinfo(result->ai_addr, result->ai_addrlen, host, sizeof host, nullptr, 0, NI_NAMEREQD);
  freeaddrinfo(result);
  if (rc != 0) {
    lookup.error = gai_strerror(rc);
    return lookup;
  }
  lookup.answers.push_back(canonical_host_name(host));
  return lookup;
}

}  // namespace

std::string source_text(NameSource source, const std::filesystem::path& hosts_file) {
  switch (source) {
    case NameSource::address_literal:
      return "an address literal (no lookup)";
    case NameSource::hosts_table:
      return "[hosts] in the configuration";
    case NameSource::hosts_file:
      return fmt::format("the hosts file {}", hosts_file.string());
    case NameSource::dns:
      return "DNS";
    case NameSource::none:
      break;
  }
  return "nothing";
}

std::vector<std::string> hosts_file_addresses(std::string_view text, std::string_view name) {
  std::vector<std::string> out;
  const std::string wanted = canonical_host_name(name);
  for (const auto& line : parse_hosts(text)) {
    if (std::ranges::find(line.names, wanted) != line.names.end()) out.push_back(line.address);
  }
  return out;
}

std::vector<std::string> hosts_file_names(std::string_view text, std::string_view address) {
  std::vector<std::string> out;
  for (const auto& line : parse_hosts(text)) {
    if (line.address == address) out.insert(out.end(), line.names.begin(), line.names.end());
  }
  return out;
}

std::vector<std::string> hosts_table_names(const std::map<std::string, std::string>& table,
                                           std::string_view address) {
  std::vector<std::string> out;
  for (const auto& [name, value] : table) {
    if (value == address) out.push_back(name);
  }
  return out;
}

Lookup Resolver::forward(const std::string& name) const {
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(name, not_an_address);
  if (!not_an_address) return Lookup{NameSource::address_literal, {name}, {}};
  if (const auto it = hosts.find(canonical_host_name(name)); it != hosts.end()) {
    return Lookup{NameSource::hosts_table, {it->second}, {}};
  }
  if (auto text = read_file(hosts_file)) {
    if (auto found = hosts_file_addresses(*text, name); !found.empty()) {
      return Lookup{NameSource::hosts_file, std::move(found), {}};
    }
  }
  auto answer = bounded<Lookup>([name] { return system_forward(name); }, limit);
  if (!answer) {
    return Lookup{
        NameSource::none, {}, fmt::format("DNS did not answer within {} ms", limit.count())};
  }
  answer->source = answer->answers.empty() ? NameSource::none : NameSource::dns;
  if (answer->answers.empty() && answer->error.empty()) answer->error = "no address";
  return *answer;
}

Lookup Resolver::reverse(const std::string& address) const {
  if (auto names = hosts_table_names(hosts, address); !names.empty()) {
    return Lookup{NameSource::hosts_table, std::move(names), {}};
  }
  if (auto text = read_file(hosts_file)) {
    if (auto names = hosts_file_names(*text, address); !names.empty()) {
      return Lookup{NameSource::hosts_file, std::move(names), {}};
    }
  }
  auto answer = bounded<Lookup>([address] { return system_reverse(address); }, limit);
  if (!answer) {
    return Lookup{
        NameSource::none, {}, fmt::format("DNS did not answer within {} ms", limit.count())};
  }
  answer->source = answer->answers.empty() ? NameSource::none : NameSource::dns;
  return *answer;
}

}  // namespace outpost::doctor
