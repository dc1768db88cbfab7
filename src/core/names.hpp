// Rules for computer names (FQDNs) as Outpost compares and accepts them.
#pragma once

#include <string>
#include <string_view>

namespace outpost {

// A DNS host name: labels of letters, digits and hyphens (not at either end), 1-63 characters
// each, 253 characters in all; one trailing dot allowed. Single-label names are allowed.
[[nodiscard]] bool is_valid_host_name(std::string_view name);

// Case-insensitive comparison that ignores one trailing dot on either side.
[[nodiscard]] bool same_host_name(std::string_view a, std::string_view b);

// Lower case, trailing dot removed.
[[nodiscard]] std::string canonical_host_name(std::string_view name);

}  // namespace outpost
