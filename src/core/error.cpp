#include "core/error.hpp"

namespace outpost {

std::string Error::describe() const {
  if (fix.empty()) {
    return message;
  }
  return message + " Fix: " + fix;
}

}  // namespace outpost
