#include "web/params.hpp"

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "core/text.hpp"

namespace outpost::web {

using nlohmann::json;

Response bad_request(std::string message, std::string fix) {
  return error_response(400, EventId::web_request_invalid, message, fix);
}

std::string param(const Request& request, const std::string& key) {
  const auto it = request.query.find(key);
  return it == request.query.end() ? "" : it->second;
}

namespace {

// The whole of `text` as an integer in [low, high].
std::optional<std::int64_t> integer(const std::string& text, std::int64_t low, std::int64_t high) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || p != end || value < low || value > high) return std::nullopt;
  return value;
}

}  // namespace

Result<std::optional<std::int64_t>> number_param(const Request& request, const std::string& key,
                                                 std::int64_t low, std::int64_t high) {
  const auto it = request.query.find(key);
  if (it == request.query.end()) return std::nullopt;
  const auto value = integer(it->second, low, high);
  if (!value) {
    return fail(fmt::format("?{}={} is not a number from {} to {}", key, clean_text(it->second, 40),
                            low, high),
                "", EventId::web_request_invalid);
  }
  return *value;
}

Result<std::int64_t> positive_id(const std::string& text, const char* what) {
  const auto value = integer(text, 1, std::numeric_limits<std::int64_t>::max());
  if (!value)
    return fail(fmt::format("{} id is a positive number", what), "", EventId::web_request_invalid);
  return *value;
}

Result<std::string> text_field(const json& body, const char* key, std::size_t max) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string{};
  if (!it->is_string())
    return fail(fmt::format("\"{}\" must be text", key), "", EventId::web_request_invalid);
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() > max)
    return fail(fmt::format("\"{}\" is longer than {} bytes", key, max), "",
                EventId::web_request_invalid);
  return text;
}

Result<Page> page_of(const Request& request) {
  auto offset = number_param(request, "offset", 0, 100000000);
  if (!offset) return std::unexpected(offset.error());
  auto limit = number_param(request, "limit", 1, 1000);
  if (!limit) return std::unexpected(limit.error());
  return Page{static_cast<std::size_t>(offset->value_or(0)),
              static_cast<std::size_t>(limit->value_or(100))};
}

json paged(const json& all, const Page& page) {
  json items = json::array();
  for (std::size_t i = page.offset; i < all.size() && items.size() < page.limit; ++i)
    items.push_back(all[i]);
  return {{"items", std::move(items)},
          {"total", all.size()},
          {"offset", page.offset},
          {"limit", page.limit}};
}

}  // namespace outpost::web
