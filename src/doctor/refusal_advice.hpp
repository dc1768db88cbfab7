// What a refused connection means and what to do about it, from the refusing node's side (the
// management server's operator reads it in `outpost refusals` and doctor's server view). Decided
// on the record's typed cause, event and Reject code, never on its words.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/refusal.hpp"

namespace outpost::doctor {

struct RefusalAdvice {
  std::string cause;  // "its certificate expired on 2026-11-01 00:00:00Z"
  std::string fix;
};

// `server_config`: the management server's configuration file, for the commands the fix names;
// `management_group`: this group's name.
[[nodiscard]] RefusalAdvice advise_refusal(const RefusalRecord& record,
                                           const std::string& server_config,
                                           const std::string& management_group);

// What the record was refused as: the Reject's code name for a refused hello, else "".
[[nodiscard]] std::string rejected_as(const RefusalObservation& observation);

// One refusal as `outpost refusals --json` and the REST API show it: who, from where, refused
// by whom, the typed cause, counts and times, the certificate presented, `meaning` and `fix`.
[[nodiscard]] nlohmann::json refusal_json(const RefusalRecord& record, const RefusalAdvice& advice);

}  // namespace outpost::doctor
