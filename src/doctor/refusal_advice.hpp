// What a refused connection means and what to do about it, from the refusing node's side (the
// management server's operator reads it in `outpost refusals` and doctor's server view). Decided
// on the record's typed cause, event and Reject code, never on its words.
#pragma once

#include <string>

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

}  // namespace outpost::doctor
