// What the checks of `outpost doctor` share: the loaded configuration, the node's role, what is
// known about each parent so far, and the certificate stores. Each check is one function from
// the context to its findings; the table of checks is in doctor.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "doctor/doctor.hpp"
#include "doctor/names.hpp"
#include "net/tls.hpp"
#include "pki/stores.hpp"

namespace outpost::doctor {

enum class NodeRole { management_server, gateway, agent };

[[nodiscard]] std::string_view node_role_name(NodeRole role);

// One dial and hello as this node; checks 3, 8 and 9 read the same attempt, so the parent sees
// one ordinary connection, not also a TCP-only probe it would log as a failed handshake.
struct ParentProbe {
  bool ran = false;
  std::optional<Error> connect_error;  // no TCP connection (21006)
  std::optional<Error> tls_error;    // the handshake failed, or the parent closed before the hello
  std::string tls_evidence;          // protocol, cipher, the parent's certificate
  std::optional<Error> hello_error;  // Reject (20070), a wrong Welcome (20052), silence (20071)
  std::string welcome;               // who admitted us
};

struct ParentState {
  Endpoint endpoint;
  std::vector<std::string> addresses;    // from check 2; empty when the name did not resolve
  NameSource source = NameSource::none;  // which source answered check 2's lookup
  std::string source_text;
  bool reachable = false;  // check 3: the TCP connection was accepted
  ParentProbe probe;
};

struct Context {
  Options options;
  std::optional<NodeConfig> config;  // set by check 1; later checks run only when it is
  NodeRole role = NodeRole::agent;
  std::vector<ParentState> parents;

  // The stores, read once by load_stores().
  bool stores_loaded = false;
  pki::StatePaths paths;
  pki::TrustedStore trusted;
  pki::PersonalStore personal;
  std::optional<pki::MachineSettings> settings;
  std::optional<Error> settings_error;  // machine-settings.toml is damaged
  std::optional<std::size_t> recorded;  // the personal entry machine-settings.toml names
  // The certificate checks 4, 5 and 7 look at: the recorded one, else the newest for the FQDN.
  std::optional<std::size_t> candidate;

  // This node's connecting TLS context, built once by tls_context() (tls_check.cpp).
  bool tls_loaded = false;
  std::unique_ptr<net::asio::ssl::context> tls;
  std::string tls_unavailable;  // why there is no context

  void load_stores();
  [[nodiscard]] const pki::PersonalEntry* candidate_entry() const;
  [[nodiscard]] const pki::PersonalEntry* recorded_entry() const;
  [[nodiscard]] std::string state_dir() const { return paths.root.string(); }
};

using CheckFunction = std::vector<Finding> (*)(Context&);

struct Check {
  int number;
  std::string_view name;
  CheckFunction run;
};

// The node checks, in order (doctor.cpp).
[[nodiscard]] std::vector<Check> node_checks();

// tls_check.cpp: the node's TLS context (null when its certificate cannot be used), and the one
// dial-and-hello per parent, made on first use.
[[nodiscard]] net::asio::ssl::context* tls_context(Context& c);
void probe_parent(Context& c, ParentState& parent);

std::vector<Finding> check_configuration(Context& c);           // 1, config_check.cpp
std::vector<Finding> check_name_resolution(Context& c);         // 2, names_check.cpp
std::vector<Finding> check_reachability(Context& c);            // 3, reachability.cpp
std::vector<Finding> check_trusted_store(Context& c);           // 4, stores_check.cpp
std::vector<Finding> check_personal_store(Context& c);          // 5, stores_check.cpp
std::vector<Finding> check_machine_settings(Context& c);        // 6, stores_check.cpp
std::vector<Finding> check_certificate(Context& c);             // 7, certificate_check.cpp
std::vector<Finding> check_tls(Context& c);                     // 8, tls_check.cpp
std::vector<Finding> check_admission(Context& c);               // 9, tls_check.cpp
std::vector<Finding> check_configuration_received(Context& c);  // 10, configuration_check.cpp
std::vector<Finding> check_data_flow(Context& c);               // 11, data_flow_check.cpp

}  // namespace outpost::doctor
