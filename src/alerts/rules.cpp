#include "alerts/rules.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/config_table.hpp"
#include "core/names.hpp"

namespace outpost::alerts {
namespace {

std::string toml_string(std::string_view text) {
  return fmt::format("\"{}\"", text);
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// A required, non-empty text key.
Result<std::string> required_text(const ConfigTable& t, std::string_view key,
                                  std::string_view expected) {
  auto value = t.text(key);
  if (!value) return std::unexpected(value.error());
  if (!*value || (*value)->empty()) return std::unexpected(t.missing(key, expected));
  return **value;
}

Result<void> read_threshold(const ConfigTable& t, Monitor& m) {
  auto counter = required_text(t, "counter", "the counter's name, e.g. \"cpu.percent\"");
  if (!counter) return std::unexpected(counter.error());
  m.counter = *counter;
  auto instance = t.text("instance");
  if (!instance) return std::unexpected(instance.error());
  m.instance = instance->value_or("");
  auto direction = t.text("direction");
  if (!direction) return std::unexpected(direction.error());
  if (*direction) {
    if (**direction != "above" && **direction != "below") {
      return std::unexpected(
          t.bad("direction", toml_string(**direction), "\"above\" or \"below\""));
    }
    m.above = **direction == "above";
  }
  constexpr std::string_view kLevel = "a number";
  auto warning = t.number("warning", kLevel);
  if (!warning) return std::unexpected(warning.error());
  auto critical = t.number("critical", kLevel);
  if (!critical) return std::unexpected(critical.error());
  if (!*warning && !*critical) {
    return std::unexpected(t.missing("warning", "a warning or a critical level (or both)"));
  }
  m.warning = *warning;
  m.critical = *critical;
  if (m.warning && m.critical && (m.above ? *m.warning > *m.critical : *m.warning < *m.critical)) {
    return std::unexpected(
        t.bad("warning", fmt::format("{}", *m.warning),
              fmt::format("a level the value reaches before the critical one ({} with direction "
                          "\"{}\")",
                          *m.critical, m.above ? "above" : "below")));
  }
  auto hysteresis = t.number("hysteresis", "a number of 0 or more");
  if (!hysteresis) return std::unexpected(hysteresis.error());
  if (*hysteresis) {
    if (**hysteresis < 0 || !std::isfinite(**hysteresis)) {
      return std::unexpected(
          t.bad("hysteresis", fmt::format("{}", **hysteresis), "a number of 0 or more"));
    }
    m.hysteresis = **hysteresis;
  }
  auto for_s = t.integer("for_s", 0, 86400);
  if (!for_s) return std::unexpected(for_s.error());
  m.for_s = for_s->value_or(0);
  return {};
}

Result<void> read_log(const ConfigTable& t, Monitor& m) {
  auto rule = required_text(t, "rule", "the [[collect.log]] rule's name");
  if (!rule) return std::unexpected(rule.error());
  m.rule = *rule;
  auto count = t.integer("count", 1, 1000000);
  if (!count) return std::unexpected(count.error());
  m.count = count->value_or(1);
  auto window = t.integer("window_s", 1, 86400 * 7);
  if (!window) return std::unexpected(window.error());
  m.window_s = window->value_or(300);
  auto severity = t.text("severity");
  if (!severity) return std::unexpected(severity.error());
  if (*severity) {
    const auto parsed = storage::severity_from_name(**severity);
    if (!parsed) {
      return std::unexpected(
          t.bad("severity", toml_string(**severity), "\"warning\" or \"critical\""));
    }
    m.severity = *parsed;
  }
  return {};
}

Result<Monitor> read_monitor(const ConfigTable& t) {
  if (auto known = t.reject_unknown({"name", "kind", "computers", "counter", "instance",
                                     "direction", "warning", "critical", "hysteresis", "for_s",
                                     "check", "rule", "count", "window_s", "severity"});
      !known) {
    return std::unexpected(known.error());
  }
  Monitor m;
  auto name = required_text(t, "name", "the monitor's name, e.g. \"cpu-high\"");
  if (!name) return std::unexpected(name.error());
  if (!valid_name(*name) || std::ranges::find(kBuiltinMonitors, *name) != kBuiltinMonitors.end()) {
    return std::unexpected(t.bad("name", toml_string(*name),
                                 "1 to 64 letters, digits, '_', '-' or '.', not the name of a "
                                 "built-in monitor (heartbeat, certificate, queue-drops, failover, "
                                 "pending-approval)"));
  }
  m.name = *name;
  auto computers = t.text("computers");
  if (!computers) return std::unexpected(computers.error());
  if (*computers) {
    if ((*computers)->empty()) {
      return std::unexpected(t.bad("computers", "\"\"", "a name pattern, e.g. \"*.lab.test\""));
    }
    m.computers = **computers;
  }
  auto kind = required_text(t, "kind", "\"threshold\", \"check\" or \"log\"");
  if (!kind) return std::unexpected(kind.error());
  Result<void> read;
  if (*kind == "threshold") {
    m.kind = MonitorKind::threshold;
    read = read_threshold(t, m);
  } else if (*kind == "check") {
    m.kind = MonitorKind::check;
    auto check = required_text(t, "check", "the [[collect.check]] name, or \"*\" for every check");
    if (!check) return std::unexpected(check.error());
    m.check = *check;
  } else if (*kind == "log") {
    m.kind = MonitorKind::log;
    read = read_log(t, m);
  } else {
    return std::unexpected(
        t.bad("kind", toml_string(*kind), "\"threshold\", \"check\" or \"log\""));
  }
  if (!read) return std::unexpected(read.error());
  return m;
}

bool absolute(const std::string& path) {
  return !path.empty() && path.front() == '/';
}

Result<void> read_channel(const ConfigTable& t, Subscription& s) {
  constexpr std::string_view kCommand =
      "an array of quoted strings, the first an absolute path to the executable";
  switch (s.channel) {
    case Channel::command: {
      auto command = t.text_list("command", kCommand);
      if (!command) return std::unexpected(command.error());
      if (!*command || (*command)->empty() || !absolute((*command)->front())) {
        return std::unexpected(t.missing("command", kCommand));
      }
      s.command = std::move(**command);
      return {};
    }
    case Channel::webhook: {
      auto url = required_text(t, "url", "an https:// URL");
      if (!url) return std::unexpected(url.error());
      if (!url->starts_with("https://")) {
        return std::unexpected(
            t.bad("url", toml_string(*url), "an https:// URL (never plain HTTP)"));
      }
      s.url = *url;
      return {};
    }
    case Channel::email: {
      auto smtp = required_text(t, "smtp_url", "smtp://relay.example.com:587 or smtps://...:465");
      if (!smtp) return std::unexpected(smtp.error());
      if (!smtp->starts_with("smtp://") && !smtp->starts_with("smtps://")) {
        return std::unexpected(t.bad("smtp_url", toml_string(*smtp),
                                     "smtp://host:port (STARTTLS) or smtps://host:port"));
      }
      s.smtp_url = *smtp;
      auto from = required_text(t, "from", "the sender's address");
      if (!from) return std::unexpected(from.error());
      s.from = *from;
      constexpr std::string_view kTo = "an array of recipients' addresses";
      auto to = t.text_list("to", kTo);
      if (!to) return std::unexpected(to.error());
      if (!*to || (*to)->empty()) return std::unexpected(t.missing("to", kTo));
      s.to = std::move(**to);
      auto username = t.text("username");
      if (!username) return std::unexpected(username.error());
      s.username = username->value_or("");
      auto password = t.text("password_file");
      if (!password) return std::unexpected(password.error());
      s.password_file = password->value_or("");
      if (!s.password_file.empty() && !absolute(s.password_file)) {
        return std::unexpected(
            t.bad("password_file", toml_string(s.password_file), "an absolute path"));
      }
      if (s.password_file.empty() != s.username.empty()) {
        return std::unexpected(t.missing(s.username.empty() ? "username" : "password_file",
                                         "both username and password_file, or neither"));
      }
      return {};
    }
  }
  return {};
}

Result<Subscription> read_subscription(const ConfigTable& t) {
  if (auto known = t.reject_unknown({"name", "channel", "min_severity", "computers", "gateway",
                                     "monitors", "delay_s", "repeat_s", "on_resolve", "timeout_s",
                                     "max_attempts", "command", "url", "ca_file", "smtp_url",
                                     "from", "to", "username", "password_file"});
      !known) {
    return std::unexpected(known.error());
  }
  Subscription s;
  auto name = required_text(t, "name", "the subscription's name, e.g. \"oncall\"");
  if (!name) return std::unexpected(name.error());
  if (!valid_name(*name)) {
    return std::unexpected(
        t.bad("name", toml_string(*name), "1 to 64 letters, digits, '_', '-' or '.'"));
  }
  s.name = *name;
  auto channel = required_text(t, "channel", "\"command\", \"webhook\" or \"email\"");
  if (!channel) return std::unexpected(channel.error());
  if (*channel == "command") {
    s.channel = Channel::command;
  } else if (*channel == "webhook") {
    s.channel = Channel::webhook;
  } else if (*channel == "email") {
    s.channel = Channel::email;
  } else {
    return std::unexpected(
        t.bad("channel", toml_string(*channel), "\"command\", \"webhook\" or \"email\""));
  }
  auto severity = t.text("min_severity");
  if (!severity) return std::unexpected(severity.error());
  if (*severity) {
    const auto parsed = storage::severity_from_name(**severity);
    if (!parsed) {
      return std::unexpected(
          t.bad("min_severity", toml_string(**severity), "\"warning\" or \"critical\""));
    }
    s.min_severity = *parsed;
  }
  for (auto [key, into] :
       {std::pair{"computers", &s.computers}, std::pair{"monitors", &s.monitors}}) {
    auto pattern = t.text(key);
    if (!pattern) return std::unexpected(pattern.error());
    if (*pattern) *into = **pattern;
  }
  auto gateway = t.text("gateway");
  if (!gateway) return std::unexpected(gateway.error());
  if (*gateway) {
    if (!is_valid_host_name(**gateway)) {
      return std::unexpected(t.bad("gateway", toml_string(**gateway), "a gateway's FQDN"));
    }
    s.gateway = canonical_host_name(**gateway);
  }
  for (auto [key, into, max] :
       {std::tuple{"delay_s", &s.delay_s, 86400 * 7},
        std::tuple{"repeat_s", &s.repeat_s, 86400 * 7}, std::tuple{"timeout_s", &s.timeout_s, 600},
        std::tuple{"max_attempts", &s.max_attempts, 100}}) {
    const int min =
        std::string_view(key) == "timeout_s" || std::string_view(key) == "max_attempts" ? 1 : 0;
    auto value = t.integer(key, min, max);
    if (!value) return std::unexpected(value.error());
    if (*value) *into = **value;
  }
  if (s.repeat_s > 0 && s.repeat_s < 60) {
    return std::unexpected(t.bad("repeat_s", std::to_string(s.repeat_s), "0 or at least 60"));
  }
  auto resolve = t.boolean("on_resolve");
  if (!resolve) return std::unexpected(resolve.error());
  s.on_resolve = resolve->value_or(s.on_resolve);
  auto ca = t.text("ca_file");
  if (!ca) return std::unexpected(ca.error());
  s.ca_file = ca->value_or("");
  if (!s.ca_file.empty() && !absolute(s.ca_file)) {
    return std::unexpected(t.bad("ca_file", toml_string(s.ca_file), "an absolute path"));
  }
  if (auto read = read_channel(t, s); !read) return std::unexpected(read.error());
  return s;
}

}  // namespace

std::string_view channel_name(Channel channel) {
  switch (channel) {
    case Channel::command:
      return "command";
    case Channel::webhook:
      return "webhook";
    case Channel::email:
      return "email";
  }
  return "command";
}

bool subscribed(const Subscription& s, const std::string& computer, const std::string& parent,
                const std::string& monitor, storage::Severity severity) {
  const bool behind = s.gateway.empty() || same_host_name(s.gateway, computer) ||
                      (!parent.empty() && same_host_name(s.gateway, parent));
  return (severity == storage::Severity::critical ||
          s.min_severity == storage::Severity::warning) &&
         name_matches(s.computers, computer) && behind && name_matches(s.monitors, monitor);
}

bool name_matches(std::string_view pattern, std::string_view name) {
  // Iterative glob with backtracking to the last '*': linear in practice, bounded by |p|·|n|.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

Result<AlertRules> parse_alert_rules(const NodeConfig& config) {
  AlertRules rules;
  if (config.alerts_toml.empty()) return rules;
  const std::string file = config.file.string();
  toml::table root;
  try {
    root = toml::parse(config.alerts_toml, file);
  } catch (const toml::parse_error& e) {
    return fail(fmt::format("{}: [alerts]: {}", file, e.description()), "",
                EventId::config_invalid);
  }
  const auto* section = root.get_as<toml::table>("alerts");
  if (section == nullptr) return rules;
  const ConfigTable t(*section, file, "[alerts]");
  if (auto known = t.reject_unknown({"evaluation_interval_s", "certificate_warning_days",
                                     "queue_drop_window_s", "failover_warning", "pending_warning_s",
                                     "monitor", "notify"});
      !known) {
    return std::unexpected(known.error());
  }
  auto interval = t.integer("evaluation_interval_s", 1, 3600);
  if (!interval) return std::unexpected(interval.error());
  rules.evaluation_interval_s = interval->value_or(rules.evaluation_interval_s);
  auto days = t.integer("certificate_warning_days", 0, 3650);
  if (!days) return std::unexpected(days.error());
  rules.certificate_warning_days = days->value_or(rules.certificate_warning_days);
  auto drops = t.integer("queue_drop_window_s", 0, 7 * 86400);
  if (!drops) return std::unexpected(drops.error());
  rules.queue_drop_window_s = drops->value_or(rules.queue_drop_window_s);
  auto failover = t.boolean("failover_warning");
  if (!failover) return std::unexpected(failover.error());
  rules.failover_warning = failover->value_or(rules.failover_warning);
  auto pending = t.integer("pending_warning_s", 0, 365 * 86400);
  if (!pending) return std::unexpected(pending.error());
  rules.pending_warning_s = pending->value_or(rules.pending_warning_s);
  auto monitors = t.tables("monitor", "[[alerts.monitor]]");
  if (!monitors) return std::unexpected(monitors.error());
  for (std::size_t i = 0; i < monitors->size(); ++i) {
    const ConfigTable table(*(*monitors)[i], file, fmt::format("[[alerts.monitor]] #{}", i + 1));
    auto monitor = read_monitor(table);
    if (!monitor) return std::unexpected(monitor.error());
    if (std::ranges::any_of(rules.monitors,
                            [&](const auto& m) { return m.name == monitor->name; })) {
      return std::unexpected(
          table.bad("name", toml_string(monitor->name), "a name no other monitor has"));
    }
    rules.monitors.push_back(std::move(*monitor));
  }
  auto subscriptions = t.tables("notify", "[[alerts.notify]]");
  if (!subscriptions) return std::unexpected(subscriptions.error());
  for (std::size_t i = 0; i < subscriptions->size(); ++i) {
    const ConfigTable table(*(*subscriptions)[i], file,
                            fmt::format("[[alerts.notify]] #{}", i + 1));
    auto subscription = read_subscription(table);
    if (!subscription) return std::unexpected(subscription.error());
    if (std::ranges::any_of(rules.subscriptions,
                            [&](const auto& o) { return o.name == subscription->name; })) {
      return std::unexpected(
          table.bad("name", toml_string(subscription->name), "a name no other subscription has"));
    }
    rules.subscriptions.push_back(std::move(*subscription));
  }
  return rules;
}

Result<void> check_alert_rules(const NodeConfig& config) {
  auto rules = parse_alert_rules(config);
  if (!rules) return std::unexpected(rules.error());
  return {};
}

}  // namespace outpost::alerts
