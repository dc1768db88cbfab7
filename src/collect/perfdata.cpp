#include "collect/perfdata.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace outpost::collect {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

std::optional<double> number(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Reads one label at `pos`: 'quoted, with '' for a quote' or plain up to '='.
std::optional<std::string> read_label(std::string_view text, std::size_t& pos) {
  std::string label;
  if (text[pos] == '\'') {
    ++pos;
    for (;;) {
      if (pos >= text.size()) return std::nullopt;
      if (text[pos] == '\'') {
        if (pos + 1 < text.size() && text[pos + 1] == '\'') {
          label += '\'';
          pos += 2;
          continue;
        }
        ++pos;
        break;
      }
      label += text[pos++];
    }
    if (pos >= text.size() || text[pos] != '=') return std::nullopt;
  } else {
    const auto eq = text.find('=', pos);
    const auto space = text.find_first_of(" \t\r\n", pos);
    if (eq == std::string_view::npos || (space != std::string_view::npos && space < eq)) {
      pos = space == std::string_view::npos ? text.size() : space;
      return std::nullopt;
    }
    label = std::string(text.substr(pos, eq - pos));
    pos = eq;
  }
  ++pos;  // '='
  if (label.empty()) return std::nullopt;
  return label;
}

std::optional<PerfValue> parse_value(std::string label, std::string_view spec) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto semi = spec.find(';');
    parts.push_back(spec.substr(0, semi));
    if (semi == std::string_view::npos) break;
    spec.remove_prefix(semi + 1);
  }
  PerfValue v;
  v.label = std::move(label);
  // value[UOM]: the number is the longest prefix of number characters.
  const std::string_view first = parts[0];
  std::size_t n = 0;
  while (n < first.size() &&
         (std::isdigit(static_cast<unsigned char>(first[n])) != 0 || first[n] == '.' ||
          first[n] == '-' || first[n] == '+' ||
          ((first[n] == 'e' || first[n] == 'E') && n > 0 && n + 1 < first.size() &&
           (std::isdigit(static_cast<unsigned char>(first[n + 1])) != 0 || first[n + 1] == '-' ||
            first[n + 1] == '+')))) {
    ++n;
  }
  const auto value = number(first.substr(0, n));
  if (!value) return std::nullopt;  // includes "U"
  v.value = *value;
  v.unit = std::string(first.substr(n));
  if (parts.size() > 1) v.warn = std::string(trim(parts[1]));
  if (parts.size() > 2) v.crit = std::string(trim(parts[2]));
  if (parts.size() > 3) v.min = number(parts[3]);
  if (parts.size() > 4) v.max = number(parts[4]);
  return v;
}

}  // namespace

std::vector<PerfValue> parse_perfdata(std::string_view text) {
  std::vector<PerfValue> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
      continue;
    }
    auto label = read_label(text, pos);
    if (!label) continue;
    const auto end = std::min(text.find_first_of(" \t\r\n", pos), text.size());
    const auto spec = text.substr(pos, end - pos);
    pos = end;
    if (auto value = parse_value(std::move(*label), spec)) out.push_back(std::move(*value));
  }
  return out;
}

PluginOutput parse_plugin_output(std::string_view output) {
  PluginOutput out;
  const auto newline = output.find('\n');
  const std::string_view first = output.substr(0, newline);
  const std::string_view rest =
      newline == std::string_view::npos ? std::string_view{} : output.substr(newline + 1);
  const auto bar = first.find('|');
  out.first_line = std::string(trim(first.substr(0, bar)));
  if (bar != std::string_view::npos) out.perfdata = parse_perfdata(first.substr(bar + 1));
  // Long output may carry more perfdata after its own '|', up to the end.
  if (const auto more = rest.find('|'); more != std::string_view::npos) {
    auto extra = parse_perfdata(rest.substr(more + 1));
    out.perfdata.insert(out.perfdata.end(), extra.begin(), extra.end());
  }
  return out;
}

}  // namespace outpost::collect
