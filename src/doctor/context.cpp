#include "doctor/context.hpp"

#include <algorithm>

namespace outpost::doctor {

std::string_view node_role_name(NodeRole role) {
  switch (role) {
    case NodeRole::management_server:
      return "management server";
    case NodeRole::gateway:
      return "gateway";
    case NodeRole::agent:
      return "agent";
  }
  return "agent";
}

void Context::load_stores() {
  if (stores_loaded) return;
  stores_loaded = true;
  paths = pki::StatePaths{config->state_dir};
  trusted = pki::load_trusted(paths);
  personal = pki::load_personal(paths);
  if (auto s = pki::read_machine_settings(paths)) {
    settings = std::move(*s);
  } else {
    settings_error = s.error();
  }
  const auto& entries = personal.entries;
  if (settings) {
    const auto it = std::ranges::find_if(entries, [&](const pki::PersonalEntry& e) {
      return e.certificate.sha256_hex() == settings->sha256;
    });
    if (it != entries.end()) recorded = static_cast<std::size_t>(it - entries.begin());
  }
  candidate = recorded;
  if (!candidate) {  // the newest certificate for this computer's name
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (!entries[i].certificate.is_identity_of(config->fqdn)) continue;
      if (!candidate ||
          entries[i].certificate.not_before() > entries[*candidate].certificate.not_before()) {
        candidate = i;
      }
    }
  }
}

const pki::PersonalEntry* Context::candidate_entry() const {
  return candidate ? &personal.entries[*candidate] : nullptr;
}

const pki::PersonalEntry* Context::recorded_entry() const {
  return recorded ? &personal.entries[*recorded] : nullptr;
}

}  // namespace outpost::doctor
