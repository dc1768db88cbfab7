// parse_collect_config: the [collect] section, strict like core's configuration files.
#include <re2/re2.h>

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "collect/collect.hpp"
#include "core/config_table.hpp"

namespace outpost::collect {
namespace {

std::string in_quotes(std::string_view text) {
  return fmt::format("\"{}\"", text);
}

bool valid_check_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

Result<LogRule> read_log(const ConfigTable& t) {
  if (auto known = t.reject_unknown({"path", "rule", "pattern", "level"}); !known) {
    return std::unexpected(known.error());
  }
  LogRule rule;
  auto path = t.text("path");
  if (!path) return std::unexpected(path.error());
  if (!*path) return std::unexpected(t.missing("path", "the log file's absolute path"));
  if (!std::filesystem::path(**path).is_absolute()) {
    return std::unexpected(t.bad("path", in_quotes(**path), "an absolute path"));
  }
  rule.path = **path;
  auto name = t.text("rule");
  if (!name) return std::unexpected(name.error());
  if (!*name || (*name)->empty()) {
    return std::unexpected(t.missing("rule", "the rule's name, e.g. \"ssh-failures\""));
  }
  rule.rule = **name;
  auto pattern = t.text("pattern");
  if (!pattern) return std::unexpected(pattern.error());
  if (!*pattern || (*pattern)->empty()) {
    return std::unexpected(t.missing("pattern", "a regular expression (RE2 syntax)"));
  }
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 compiled(**pattern, options);
  if (!compiled.ok()) {
    return std::unexpected(t.bad("pattern", in_quotes(**pattern),
                                 "a regular expression in RE2 syntax (" + compiled.error() + ")"));
  }
  rule.pattern = **pattern;
  auto level = t.text("level");
  if (!level) return std::unexpected(level.error());
  if (*level) {
    const auto parsed = level_from_name(**level);
    if (!parsed) {
      return std::unexpected(
          t.bad("level", in_quotes(**level), "\"info\", \"warning\" or \"error\""));
    }
    rule.level = *parsed;
  }
  return rule;
}

Result<CheckSpec> read_check(const ConfigTable& t) {
  if (auto known = t.reject_unknown({"name", "command", "interval_s", "timeout_s"}); !known) {
    return std::unexpected(known.error());
  }
  CheckSpec check;
  auto name = t.text("name");
  if (!name) return std::unexpected(name.error());
  if (!*name) return std::unexpected(t.missing("name", "the check's name, e.g. \"disk_root\""));
  if (!valid_check_name(**name)) {
    return std::unexpected(
        t.bad("name", in_quotes(**name), "1 to 64 letters, digits, '_', '-' or '.'"));
  }
  check.name = **name;
  constexpr std::string_view kCommand =
      "an array of quoted strings, the first an absolute path to the executable";
  auto command = t.text_list("command", kCommand);
  if (!command) return std::unexpected(command.error());
  if (!*command) return std::unexpected(t.missing("command", kCommand));
  if ((*command)->empty() || !std::filesystem::path((*command)->front()).is_absolute()) {
    std::string shown;
    for (const auto& word : **command)
      shown += (shown.empty() ? "" : ", ") + in_quotes(word);
    return std::unexpected(t.bad("command", "[" + shown + "]", kCommand));
  }
  check.command = std::move(**command);
  auto interval = t.integer("interval_s", 1, 86400);
  if (!interval) return std::unexpected(interval.error());
  check.interval_s = interval->value_or(check.interval_s);
  auto timeout = t.integer("timeout_s", 1, 3600);
  if (!timeout) return std::unexpected(timeout.error());
  check.timeout_s = timeout->value_or(check.timeout_s);
  return check;
}

Result<void> read_collect(const ConfigTable& t, CollectConfig& c, const std::string& origin) {
  if (auto known =
          t.reject_unknown({"performance_interval_s", "mounts", "log_interval_s", "log", "check"});
      !known) {
    return std::unexpected(known.error());
  }
  auto interval = t.integer("performance_interval_s", 0, 86400);
  if (!interval) return std::unexpected(interval.error());
  c.performance_interval_s = interval->value_or(c.performance_interval_s);
  auto log_interval = t.integer("log_interval_s", 1, 3600);
  if (!log_interval) return std::unexpected(log_interval.error());
  c.log_interval_s = log_interval->value_or(c.log_interval_s);
  constexpr std::string_view kMounts = "an array of absolute mount points, e.g. [\"/\", \"/var\"]";
  auto mounts = t.text_list("mounts", kMounts);
  if (!mounts) return std::unexpected(mounts.error());
  if (*mounts) {
    for (const auto& m : **mounts) {
      if (!std::filesystem::path(m).is_absolute()) {
        return std::unexpected(t.bad("mounts", in_quotes(m), kMounts));
      }
    }
    c.mounts = std::move(**mounts);
  }
  auto logs = t.tables("log", "[[collect.log]]");
  if (!logs) return std::unexpected(logs.error());
  for (std::size_t i = 0; i < logs->size(); ++i) {
    auto rule =
        read_log(ConfigTable(*(*logs)[i], origin, fmt::format("[[collect.log]] #{}", i + 1)));
    if (!rule) return std::unexpected(rule.error());
    c.logs.push_back(std::move(*rule));
  }
  auto checks = t.tables("check", "[[collect.check]]");
  if (!checks) return std::unexpected(checks.error());
  for (std::size_t i = 0; i < checks->size(); ++i) {
    const ConfigTable table(*(*checks)[i], origin, fmt::format("[[collect.check]] #{}", i + 1));
    auto check = read_check(table);
    if (!check) return std::unexpected(check.error());
    if (std::ranges::any_of(c.checks, [&](const auto& o) { return o.name == check->name; })) {
      return std::unexpected(
          table.bad("name", in_quotes(check->name), "a name no other check has"));
    }
    c.checks.push_back(std::move(*check));
  }
  return {};
}

}  // namespace

Result<CollectConfig> parse_collect_config(std::string_view toml_text, std::string_view origin) {
  const std::string file(origin);
  toml::table root;
  try {
    root = toml::parse(toml_text, file);
  } catch (const toml::parse_error& e) {
    return fail(fmt::format("{} line {}, column {}: {}", file, e.source().begin.line,
                            e.source().begin.column, e.description()),
                "", EventId::config_invalid);
  }
  CollectConfig config;
  const auto* node = root.get("collect");
  if (node == nullptr) return config;
  const auto* table = node->as_table();
  if (table == nullptr) {
    return fail(
        fmt::format("{}: collect = {}: expected a [collect] table", file, render_toml_value(*node)),
        "", EventId::config_invalid);
  }
  if (auto read = read_collect(ConfigTable(*table, file, "[collect]"), config, file); !read) {
    return std::unexpected(read.error());
  }
  return config;
}

Result<void> check_collect_rules(const NodeConfig& config) {
  auto rules = parse_collect_config(config.collect_toml, config.file.string());
  if (!rules) return std::unexpected(rules.error());
  return {};
}

}  // namespace outpost::collect
