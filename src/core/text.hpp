// Text a peer sent (a claimed name, a certificate's subject, a reason), made safe to keep, send
// and show: valid UTF-8 (what protobuf and PostgreSQL require; an invalid byte becomes U+FFFD),
// no C0/C1 control or bidirectional-override character (shown as \xNN or U+FFFD, so it never
// moves a terminal's cursor or reorders what it shows), and at most `max_bytes` bytes, cut at a
// character boundary.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace outpost {

[[nodiscard]] std::string clean_text(std::string_view text,
                                     std::size_t max_bytes = std::string_view::npos);

}  // namespace outpost
