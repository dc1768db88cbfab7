// `outpost doctor`: what is wrong with this node, in the order to fix it. Each check yields
// findings with the evidence, the fix and the related event id (report.hpp); every network step
// is bounded, so a run takes seconds even when every parent is down.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "core/time.hpp"
#include "doctor/report.hpp"

namespace outpost::doctor {

struct Options {
  std::filesystem::path config;
  std::filesystem::path hosts_file = "/etc/hosts";  // the system's hosts file
  std::chrono::milliseconds network{3000};          // each lookup, connect and handshake
  std::chrono::milliseconds hello{5000};            // the parent's Welcome or Reject
  TimePoint now = Clock::now();
};

// Checks 1-9 on the node the configuration describes (server, gateway or agent). The admission
// check says hello to each parent as this node, exactly as the daemon would (so a parent with
// `agents = "review"` records an unknown agent as pending), and closes after its answer.
[[nodiscard]] Report run_node_checks(const Options& options);

// On a management server: the server's view of one computer (known, approval, the node it is
// connected through, last heartbeat, certificate expiry, whether the server resolves its name).
[[nodiscard]] Report run_computer_view(const Options& options, const std::string& fqdn);

}  // namespace outpost::doctor
