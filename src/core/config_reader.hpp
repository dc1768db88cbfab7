// Internal to core: typed access to one TOML document with errors in the configuration's words.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/config.hpp"
#include "core/error.hpp"

namespace outpost::detail {

class ConfigReader {
 public:
  ConfigReader(const toml::table& root, std::string file);

  // Fails on a section or key that is not in `known` ({"section", {"key", ...}}).
  [[nodiscard]] Result<void> reject_unknown(
      const std::vector<std::pair<std::string_view, std::set<std::string_view>>>& known) const;

  [[nodiscard]] Result<std::optional<std::string>> text(std::string_view section,
                                                        std::string_view key) const;
  [[nodiscard]] Result<std::optional<std::int64_t>> integer(std::string_view section,
                                                            std::string_view key, std::int64_t min,
                                                            std::int64_t max) const;
  [[nodiscard]] Result<std::optional<bool>> boolean(std::string_view section,
                                                    std::string_view key) const;
  [[nodiscard]] Result<std::optional<std::vector<std::string>>> text_list(
      std::string_view section, std::string_view key) const;
  [[nodiscard]] const toml::table* table(std::string_view section) const;

  // "FILE: [section] key = value: expected ..."
  [[nodiscard]] Error bad_value(std::string_view section, std::string_view key,
                                std::string_view value, std::string_view expected) const;
  [[nodiscard]] Error missing(std::string_view section, std::string_view key,
                              std::string_view expected) const;

 private:
  [[nodiscard]] const toml::node* node(std::string_view section, std::string_view key) const;
  [[nodiscard]] static std::string render(const toml::node& node);

  const toml::table& root_;
  std::string file_;
};

// config_web.cpp: the [web] section.
[[nodiscard]] Result<void> read_web(const ConfigReader& r, NodeConfig& c);

// The section `name` of `root` ([collect] with its [[collect.log]] and [[collect.check]] tables,
// [alerts]) rendered as TOML, "" when there is none. The same table always renders the same text,
// so the section can be part of a configuration document whose hash is a state cookie.
[[nodiscard]] std::string render_section(const toml::table& root, std::string_view name);

}  // namespace outpost::detail
