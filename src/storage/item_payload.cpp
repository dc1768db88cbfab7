#include "storage/item_payload.hpp"

#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace outpost::storage {
namespace {

using nlohmann::json;

enum class Type { string, number, integer };

struct Field {
  const char* key;
  Type type;
};

// The shapes collect/payload.cpp writes.
// Every documented key is required (collect/README.md: "every key below is always present").
constexpr std::array kEventFields{Field{"rule", Type::string}, Field{"message", Type::string},
                                  Field{"source", Type::string}, Field{"level", Type::string}};
constexpr std::array kSampleFields{Field{"counter", Type::string}, Field{"value", Type::number},
                                   Field{"instance", Type::string}, Field{"unit", Type::string}};
constexpr std::array kCheckFields{Field{"name", Type::string}, Field{"status", Type::string},
                                  Field{"output", Type::string}, Field{"exit_code", Type::integer},
                                  Field{"duration_ms", Type::number}};

std::string type_of(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "not a value";
  }
}

const char* type_name(Type type) {
  switch (type) {
    case Type::string:
      return "a string";
    case Type::number:
      return "a number";
    case Type::integer:
      return "an integer";
  }
  return "a value";
}

bool has_type(const json& j, Type type) {
  switch (type) {
    case Type::string:
      return j.is_string();
    case Type::number:
      return j.is_number();
    case Type::integer:
      return j.is_number_integer();
  }
  return false;
}

template <std::size_t N>
std::optional<PayloadProblem> check_fields(const json& object, const std::array<Field, N>& fields) {
  for (const auto& f : fields) {
    const auto it = object.find(f.key);
    if (it == object.end()) return PayloadProblem{f.key, "missing", type_name(f.type)};
    if (!has_type(*it, f.type)) return PayloadProblem{f.key, type_of(*it), type_name(f.type)};
  }
  return std::nullopt;
}

std::optional<PayloadProblem> check_shape(ItemKind kind, const json& object) {
  switch (kind) {
    case ItemKind::event:
      return check_fields(object, kEventFields);
    case ItemKind::sample:
      return check_fields(object, kSampleFields);
    case ItemKind::check:
      return check_fields(object, kCheckFields);
  }
  return std::nullopt;
}

const char* name_key(ItemKind kind) {
  switch (kind) {
    case ItemKind::sample:
      return "counter";
    case ItemKind::check:
      return "name";
    case ItemKind::event:
      break;
  }
  return "rule";
}

}  // namespace

std::string PayloadProblem::describe() const {
  if (field.empty()) return fmt::format("the payload is {} (expected {})", found, expected);
  return fmt::format("field '{}' is {} (expected {})", field, found, expected);
}

std::expected<PayloadFields, PayloadProblem> check_item_payload(ItemKind kind,
                                                                std::string_view payload) {
  if (payload.empty()) return std::unexpected(PayloadProblem{"", "empty", "a JSON object"});
  if (payload.size() > kMaxPayloadBytes) {
    return std::unexpected(PayloadProblem{"", fmt::format("{} bytes long", payload.size()),
                                          fmt::format("at most {} bytes", kMaxPayloadBytes)});
  }
  // parse without exceptions; invalid UTF-8 is not JSON either
  const json j = json::parse(payload, nullptr, false);
  if (j.is_discarded()) return std::unexpected(PayloadProblem{"", "not JSON", "a JSON object"});
  if (!j.is_object()) return std::unexpected(PayloadProblem{"", type_of(j), "a JSON object"});
  if (auto problem = check_shape(kind, j)) return std::unexpected(*problem);
  PayloadFields out;
  out.name = j.at(name_key(kind)).get<std::string>();
  if (out.name.empty() || out.name.size() > kMaxItemNameBytes) {
    return std::unexpected(PayloadProblem{name_key(kind),
                                          fmt::format("a string of {} bytes", out.name.size()),
                                          fmt::format("1 to {} bytes", kMaxItemNameBytes)});
  }
  if (kind == ItemKind::check) {
    out.status = j.at("status").get<std::string>();
    if (out.status != "ok" && out.status != "warning" && out.status != "critical" &&
        out.status != "unknown") {
      return std::unexpected(PayloadProblem{"status", fmt::format("'{}'", out.status.substr(0, 32)),
                                            "ok, warning, critical or unknown"});
    }
    out.output = j.at("output").get<std::string>();
  }
  return out;
}

}  // namespace outpost::storage
