#include "core/text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace outpost {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the UTF-8 sequence at `text` and its code point; 0 when it is not valid
// (overlong, a surrogate, beyond U+10FFFF, truncated).
std::size_t decode(std::string_view text, char32_t& code) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    code = lead;
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

bool hidden(char32_t code) {
  return (code >= 0x80 && code <= 0x9F) ||      // C1 controls
         code == 0x200E || code == 0x200F ||    // left-to-right, right-to-left marks
         (code >= 0x202A && code <= 0x202E) ||  // embeddings and overrides
         (code >= 0x2066 && code <= 0x2069);    // isolates
}

}  // namespace

std::string clean_text(std::string_view text, std::size_t max_bytes) {
  // The common case, printable ASCII within the bound, is copied as it is.
  if (text.size() <= max_bytes && std::all_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
      })) {
    return std::string(text);
  }
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  while (!text.empty()) {
    char32_t code = 0;
    const std::size_t length = decode(text, code);
    std::string piece;
    if (length == 0) {
      piece = kReplacement;
    } else if (code < 0x20 || code == 0x7F) {
      piece = fmt::format("\\x{:02x}", static_cast<unsigned>(code));
    } else if (hidden(code)) {
      piece = kReplacement;
    } else {
      piece = text.substr(0, length);
    }
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
    text.remove_prefix(length == 0 ? 1 : length);
  }
  return out;
}

}  // namespace outpost
