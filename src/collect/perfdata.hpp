// Monitoring-plugins output (the Nagios plugin API): the first line is the status text, perfdata
// follows a '|' on the first line and, optionally, after a '|' in the long output below it.
// Perfdata is 'label'=value[UOM];[warn];[crit];[min];[max], space-separated.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::collect {

struct PerfValue {
  std::string label;
  double value = 0;
  std::string unit;        // as the plugin wrote it: "", "s", "ms", "%", "B", "MB", "MiB", "c", ...
  std::string warn, crit;  // ranges as written ("10", "10:", "~:5", "@10:20"); may be empty
  std::optional<double> min, max;
  bool operator==(const PerfValue&) const = default;
};

// Malformed entries and values of "U" (unknown) are skipped; the rest are kept.
[[nodiscard]] std::vector<PerfValue> parse_perfdata(std::string_view text);

struct PluginOutput {
  std::string first_line;  // without perfdata, trimmed
  std::vector<PerfValue> perfdata;
};
[[nodiscard]] PluginOutput parse_plugin_output(std::string_view output);

}  // namespace outpost::collect
