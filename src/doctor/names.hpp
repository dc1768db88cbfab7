// Name resolution as doctor reports it: which source answered ([hosts] in the configuration,
// the system's hosts file, or DNS), forward and reverse, each lookup bounded in time. The
// lookups follow the order a node uses: [hosts] first (net::dial does the same), then the
// system resolver, which reads the hosts file before DNS on a standard nsswitch.conf.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::doctor {

enum class NameSource { address_literal, hosts_table, hosts_file, dns, none };

// "[hosts]", "the hosts file /etc/hosts", "DNS", ...
[[nodiscard]] std::string source_text(NameSource source, const std::filesystem::path& hosts_file);

// Pure parsers of hosts-file text ("ADDRESS NAME [ALIAS...]" lines, '#' comments), names
// compared case-insensitively without a trailing dot.
[[nodiscard]] std::vector<std::string> hosts_file_addresses(std::string_view text,
                                                            std::string_view name);
[[nodiscard]] std::vector<std::string> hosts_file_names(std::string_view text,
                                                        std::string_view address);
// The names a [hosts] table maps to `address`.
[[nodiscard]] std::vector<std::string> hosts_table_names(
    const std::map<std::string, std::string>& table, std::string_view address);

struct Lookup {
  NameSource source = NameSource::none;
  std::vector<std::string> answers;  // addresses (forward) or names (reverse)
  std::string error;                 // why nothing answered
};

struct Resolver {
  std::map<std::string, std::string> hosts;  // the configuration's [hosts]
  std::filesystem::path hosts_file;
  std::chrono::milliseconds limit{3000};

  [[nodiscard]] Lookup forward(const std::string& name) const;
  [[nodiscard]] Lookup reverse(const std::string& address) const;
};

}  // namespace outpost::doctor
