// Queries of the data agents sent, through the management server (outpost perf, and outpost
// events --computer).
#pragma once

#include <optional>
#include <string>

#include "core/time.hpp"

namespace outpost::cli {

struct DataQuery {
  std::string config;  // the management server's configuration file
  std::string computer;
  std::string kind;  // event, sample, check
  std::string name;  // counter, rule or check name; empty: all
  std::optional<TimePoint> since;
  std::size_t limit = 1000;
  bool json = false;
};

// Prints the items (a table, or --json) and returns the exit code.
int print_data(const DataQuery& query);

}  // namespace outpost::cli
