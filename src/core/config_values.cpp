#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "core/config_reader.hpp"

namespace outpost::detail {

ConfigReader::ConfigReader(const toml::table& root, std::string file)
    : root_(root), file_(std::move(file)) {}

Error ConfigReader::bad_value(std::string_view section, std::string_view key,
                              std::string_view value, std::string_view expected) const {
  return Error{EventId::config_invalid,
               fmt::format("{}: [{}] {} = {}: expected {}", file_, section, key, value, expected),
               ""};
}

Error ConfigReader::missing(std::string_view section, std::string_view key,
                            std::string_view expected) const {
  return Error{EventId::config_invalid,
               fmt::format("{}: [{}] {} is missing: expected {}", file_, section, key, expected),
               ""};
}

Result<void> ConfigReader::reject_unknown(
    const std::vector<std::pair<std::string_view, std::set<std::string_view>>>& known) const {
  for (const auto& [section_name, section_node] : root_) {
    const auto entry =
        std::ranges::find_if(known, [&](const auto& k) { return k.first == section_name.str(); });
    if (entry == known.end()) {
      std::string names;
      for (const auto& k : known) {
        names += names.empty() ? "" : ", ";
        names += fmt::format("[{}]", k.first);
      }
      return std::unexpected(Error{EventId::config_invalid,
                                   fmt::format("{}: unknown section [{}]: expected one of {}",
                                               file_, section_name.str(), names),
                                   ""});
    }
    const auto* section = section_node.as_table();
    if (section == nullptr) {
      return std::unexpected(bad_value(section_name.str(), "", render(section_node), "a table"));
    }
    if (entry->first == "hosts" || entry->first == "collect" || entry->first == "alerts") {
      continue;  // any names; [collect] is checked by collect/, [alerts] by alerts/
    }
    for (const auto& [key, value] : *section) {
      if (!entry->second.contains(key.str())) {
        std::string names;
        for (auto k : entry->second) {
          names += names.empty() ? "" : ", ";
          names += k;
        }
        return std::unexpected(Error{EventId::config_invalid,
                                     fmt::format("{}: unknown key '{}' in [{}]: expected one of {}",
                                                 file_, key.str(), section_name.str(), names),
                                     ""});
      }
    }
  }
  return {};
}

const toml::table* ConfigReader::table(std::string_view section) const {
  return root_[section].as_table();
}

const toml::node* ConfigReader::node(std::string_view section, std::string_view key) const {
  return root_[section][key].node();
}

std::string ConfigReader::render(const toml::node& node) {
  if (const auto* text = node.as_string()) {
    return fmt::format("\"{}\"", text->get());
  }
  std::ostringstream out;
  node.visit([&](const auto& value) { out << value; });
  return out.str();
}

Result<std::optional<std::string>> ConfigReader::text(std::string_view section,
                                                      std::string_view key) const {
  const toml::node* n = node(section, key);
  if (n == nullptr) {
    return std::optional<std::string>{};
  }
  if (!n->is_string()) {
    return std::unexpected(bad_value(section, key, render(*n), "a quoted string"));
  }
  return std::optional<std::string>(n->as_string()->get());
}

Result<std::optional<std::int64_t>> ConfigReader::integer(std::string_view section,
                                                          std::string_view key, std::int64_t min,
                                                          std::int64_t max) const {
  const toml::node* n = node(section, key);
  if (n == nullptr) {
    return std::optional<std::int64_t>{};
  }
  const std::string expected = fmt::format("an integer from {} to {}", min, max);
  if (!n->is_integer()) {
    return std::unexpected(bad_value(section, key, render(*n), expected));
  }
  const std::int64_t value = n->as_integer()->get();
  if (value < min || value > max) {
    return std::unexpected(bad_value(section, key, render(*n), expected));
  }
  return std::optional<std::int64_t>(value);
}

Result<std::optional<bool>> ConfigReader::boolean(std::string_view section,
                                                  std::string_view key) const {
  const toml::node* n = node(section, key);
  if (n == nullptr) return std::optional<bool>{};
  if (!n->is_boolean())
    return std::unexpected(bad_value(section, key, render(*n), "true or false"));
  return std::optional<bool>(n->as_boolean()->get());
}

Result<std::optional<std::vector<std::string>>> ConfigReader::text_list(
    std::string_view section, std::string_view key) const {
  const toml::node* n = node(section, key);
  if (n == nullptr) {
    return std::optional<std::vector<std::string>>{};
  }
  const auto* array = n->as_array();
  if (array == nullptr) {
    return std::unexpected(bad_value(section, key, render(*n), "an array of quoted strings"));
  }
  std::vector<std::string> out;
  for (const auto& element : *array) {
    if (!element.is_string()) {
      return std::unexpected(bad_value(section, key, render(*n), "an array of quoted strings"));
    }
    out.push_back(element.as_string()->get());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::string render_section(const toml::table& root, std::string_view name) {
  const auto* section = root.get_as<toml::table>(name);
  if (section == nullptr) return "";
  toml::table only;
  only.insert(name, *section);
  std::ostringstream out;
  out << toml::toml_formatter{only};
  return out.str() + "\n";
}

}  // namespace outpost::detail
