#include "core/names.hpp"

#include <algorithm>
#include <cctype>

namespace outpost {
namespace {

bool is_label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
}

std::string_view without_trailing_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return name;
}

}  // namespace

bool is_valid_host_name(std::string_view name) {
  name = without_trailing_dot(name);
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) {
      end = name.size();
    }
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::ranges::all_of(label, is_label_char)) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

std::string canonical_host_name(std::string_view name) {
  std::string out(without_trailing_dot(name));
  std::ranges::transform(out, out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

bool same_host_name(std::string_view a, std::string_view b) {
  return canonical_host_name(a) == canonical_host_name(b);
}

}  // namespace outpost
