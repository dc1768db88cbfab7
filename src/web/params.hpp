// What the API's handlers read from a request: query parameters, paging, ids in the path, text
// fields of a JSON body, each failing with a 400's reason (event 30112) instead of guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "web/http.hpp"

namespace outpost::web {

// A 400 answer (event web_request_invalid) with the reason and what to send instead.
[[nodiscard]] Response bad_request(std::string message, std::string fix = "");

// A query parameter's value; "" when absent.
[[nodiscard]] std::string param(const Request& request, const std::string& key);

// An integer query parameter in [low, high]; nullopt when absent.
[[nodiscard]] Result<std::optional<std::int64_t>> number_param(const Request& request,
                                                               const std::string& key,
                                                               std::int64_t low, std::int64_t high);

// A positive integer id from the path (an alert's).
[[nodiscard]] Result<std::int64_t> positive_id(const std::string& text, const char* what);

// A text field of a JSON body: "" when absent or null; an error when not text or longer than max.
[[nodiscard]] Result<std::string> text_field(const nlohmann::json& body, const char* key,
                                             std::size_t max);

// Paging of a list: ?offset= and ?limit= (default 100, at most 1000).
struct Page {
  std::size_t offset = 0;
  std::size_t limit = 100;
};
[[nodiscard]] Result<Page> page_of(const Request& request);
// {"items": [...the page...], "total", "offset", "limit"}.
[[nodiscard]] nlohmann::json paged(const nlohmann::json& all, const Page& page);

}  // namespace outpost::web
