#include "core/error.hpp"

namespace outpost {

namespace {

std::string sentence(const std::string& text) {
  if (text.empty() || text.back() == '.' || text.back() == '?' || text.back() == '!') {
    return text;
  }
  return text + '.';
}

}  // namespace

std::string Error::describe() const {
  if (fix.empty()) {
    return sentence(message);
  }
  return sentence(message) + " Fix: " + sentence(fix);
}

}  // namespace outpost
