// The two answers a gateway gives an agent's hello: admitted, or refused with a code and reason.
#pragma once

#include <string>

#include "channel/hello.hpp"

namespace outpost::gateway {

inline channel::Admission refuse(wire::RejectCode code, std::string reason) {
  return channel::Admission{false, code, EventId::device_not_in_group, std::move(reason)};
}

inline channel::Admission admitted() {
  return channel::Admission{true, wire::REJECT_UNSPECIFIED, EventId::none, ""};
}

}  // namespace outpost::gateway
