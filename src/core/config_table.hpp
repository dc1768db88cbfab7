// Typed, strict access to one table of a TOML configuration ("[collect]", "[[alerts.monitor]]
// #2"), shared by the sections that other libraries parse (collect/, alerts/): unknown keys are
// errors, and every error names the file, the table, the key, the bad value and what is expected
// (event 30010).
#pragma once

#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/error.hpp"

namespace outpost {

inline std::string render_toml_value(const toml::node& node) {
  if (const auto* text = node.as_string()) return fmt::format("\"{}\"", text->get());
  std::ostringstream out;
  node.visit([&](const auto& value) { out << value; });
  return out.str();
}

// One table, named for errors by the file (`origin`) and `where` ("[[collect.check]] #2").
class ConfigTable {
 public:
  ConfigTable(const toml::table& table, std::string origin, std::string where)
      : table_(table), origin_(std::move(origin)), where_(std::move(where)) {}

  [[nodiscard]] Error bad(std::string_view key, std::string_view value,
                          std::string_view expected) const {
    return Error{EventId::config_invalid,
                 fmt::format("{}: {} {} = {}: expected {}", origin_, where_, key, value, expected),
                 ""};
  }
  [[nodiscard]] Error missing(std::string_view key, std::string_view expected) const {
    return Error{EventId::config_invalid,
                 fmt::format("{}: {} {} is missing: expected {}", origin_, where_, key, expected),
                 ""};
  }

  [[nodiscard]] Result<void> reject_unknown(const std::set<std::string_view>& known) const {
    for (const auto& [key, value] : table_) {
      if (known.contains(key.str())) continue;
      std::string names;
      for (auto k : known)
        names += (names.empty() ? "" : ", ") + std::string(k);
      return fail(fmt::format("{}: unknown key '{}' in {}: expected one of {}", origin_, key.str(),
                              where_, names),
                  "", EventId::config_invalid);
    }
    return {};
  }

  // The node under `key` as it is (nullptr when absent), for the types without an accessor.
  [[nodiscard]] const toml::node* raw(std::string_view key) const { return table_.get(key); }

  [[nodiscard]] Result<std::optional<std::string>> text(std::string_view key) const {
    const auto* n = table_.get(key);
    if (n == nullptr) return std::optional<std::string>{};
    if (!n->is_string()) return std::unexpected(bad(key, render_toml_value(*n), "a quoted string"));
    return std::optional<std::string>(n->as_string()->get());
  }

  [[nodiscard]] Result<std::optional<bool>> boolean(std::string_view key) const {
    const auto* n = table_.get(key);
    if (n == nullptr) return std::optional<bool>{};
    if (!n->is_boolean()) return std::unexpected(bad(key, render_toml_value(*n), "true or false"));
    return std::optional<bool>(n->as_boolean()->get());
  }

  [[nodiscard]] Result<std::optional<int>> integer(std::string_view key, int min, int max) const {
    const auto* n = table_.get(key);
    if (n == nullptr) return std::optional<int>{};
    const auto expected = fmt::format("an integer from {} to {}", min, max);
    if (!n->is_integer()) return std::unexpected(bad(key, render_toml_value(*n), expected));
    const auto value = n->as_integer()->get();
    if (value < min || value > max)
      return std::unexpected(bad(key, render_toml_value(*n), expected));
    return std::optional<int>(static_cast<int>(value));
  }

  [[nodiscard]] Result<std::optional<double>> number(std::string_view key,
                                                     std::string_view expected) const {
    const auto* n = table_.get(key);
    if (n == nullptr) return std::optional<double>{};
    if (const auto* i = n->as_integer()) return std::optional<double>(double(i->get()));
    if (const auto* f = n->as_floating_point()) return std::optional<double>(f->get());
    return std::unexpected(bad(key, render_toml_value(*n), expected));
  }

  [[nodiscard]] Result<std::optional<std::vector<std::string>>> text_list(
      std::string_view key, std::string_view expected) const {
    const auto* n = table_.get(key);
    if (n == nullptr) return std::optional<std::vector<std::string>>{};
    const auto* array = n->as_array();
    if (array == nullptr) return std::unexpected(bad(key, render_toml_value(*n), expected));
    std::vector<std::string> out;
    for (const auto& element : *array) {
      if (!element.is_string()) return std::unexpected(bad(key, render_toml_value(*n), expected));
      out.push_back(element.as_string()->get());
    }
    return std::optional<std::vector<std::string>>(std::move(out));
  }

  // The array of tables under `key` (`shown` is how it is written, "[[collect.log]]"), or an
  // error when it is something else.
  [[nodiscard]] Result<std::vector<const toml::table*>> tables(std::string_view key,
                                                               std::string_view shown) const {
    std::vector<const toml::table*> out;
    const auto* n = table_.get(key);
    if (n == nullptr) return out;
    const auto* array = n->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return std::unexpected(bad(key, render_toml_value(*n), fmt::format("{} tables", shown)));
    }
    for (const auto& element : *array)
      out.push_back(element.as_table());
    return out;
  }

 private:
  const toml::table& table_;
  std::string origin_;
  std::string where_;
};

}  // namespace outpost
