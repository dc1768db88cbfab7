#include "storage/storage.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/config.hpp"
#include "storage/postgres/postgres_storage.hpp"
#include "storage/sqlite/file_modes.hpp"
#include "storage/sqlite/sqlite_storage.hpp"

namespace outpost::storage {
namespace {

constexpr std::array kRoles{std::pair{Role::agent, "agent"}, std::pair{Role::gateway, "gateway"},
                            std::pair{Role::management_server, "management_server"}};
constexpr std::array kApprovals{std::pair{Approval::approved, "approved"},
                                std::pair{Approval::pending, "pending"},
                                std::pair{Approval::rejected, "rejected"}};
constexpr std::array kSeverities{std::pair{Severity::warning, "warning"},
                                 std::pair{Severity::critical, "critical"}};
constexpr std::array kAlertStates{
    std::pair{AlertState::open, "open"}, std::pair{AlertState::acknowledged, "acknowledged"},
    std::pair{AlertState::resolved, "resolved"}, std::pair{AlertState::closed, "closed"}};
constexpr std::array kDeliveryStates{
    std::pair{DeliveryState::pending, "pending"}, std::pair{DeliveryState::sent, "sent"},
    std::pair{DeliveryState::failed, "failed"}, std::pair{DeliveryState::cancelled, "cancelled"}};
constexpr std::array kUserRoles{std::pair{UserRole::administrator, "administrator"},
                                std::pair{UserRole::operator_role, "operator"},
                                std::pair{UserRole::read_only, "read-only"}};

template <class Table, class Value>
std::string_view name_of(const Table& table, Value value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <class Value, class Table>
std::optional<Value> value_of(const Table& table, std::string_view name) {
  for (const auto& [v, n] : table) {
    if (name == n) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view role_name(Role role) {
  return name_of(kRoles, role);
}
std::optional<Role> role_from_name(std::string_view name) {
  return value_of<Role>(kRoles, name);
}
std::string_view approval_name(Approval approval) {
  return name_of(kApprovals, approval);
}
std::optional<Approval> approval_from_name(std::string_view name) {
  return value_of<Approval>(kApprovals, name);
}
std::string_view severity_name(Severity severity) {
  return name_of(kSeverities, severity);
}
std::optional<Severity> severity_from_name(std::string_view name) {
  return value_of<Severity>(kSeverities, name);
}
std::string_view alert_state_name(AlertState state) {
  return name_of(kAlertStates, state);
}
std::optional<AlertState> alert_state_from_name(std::string_view name) {
  return value_of<AlertState>(kAlertStates, name);
}
std::string_view delivery_state_name(DeliveryState state) {
  return name_of(kDeliveryStates, state);
}
std::optional<DeliveryState> delivery_state_from_name(std::string_view name) {
  return value_of<DeliveryState>(kDeliveryStates, name);
}
std::string_view user_role_name(UserRole role) {
  return name_of(kUserRoles, role);
}
std::optional<UserRole> user_role_from_name(std::string_view name) {
  return value_of<UserRole>(kUserRoles, name);
}

Result<std::unique_ptr<Storage>> open_storage(const std::string& url,
                                              const FileTightened& tightened) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    const std::string path = url.substr(kSqlite.size());
    if (path.empty() || path.front() != '/') {
      return fail(fmt::format("database url '{}' needs an absolute path", url),
                  "write it as sqlite:///var/lib/outpost/ms1/operations.db (three slashes)");
    }
    if (auto secured = sqlite::secure_database_files(path, tightened); !secured) {
      return std::unexpected(secured.error());
    }
    auto opened = sqlite::SqliteStorage::open(path);
    if (!opened) return std::unexpected(opened.error());
    return std::unique_ptr<Storage>(std::move(*opened));
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    // libpq takes the URI as its conninfo.
    auto opened = postgres::PostgresStorage::open(url);
    if (!opened) return std::unexpected(opened.error());
    return std::unique_ptr<Storage>(std::move(*opened));
  }
  return fail(fmt::format("database url '{}' has an unknown scheme", redact_url(url)),
              "use sqlite:///path/to/operations.db or postgresql://user@host:port/database");
}

std::string_view kind_name(ItemKind kind) {
  switch (kind) {
    case ItemKind::event:
      return "event";
    case ItemKind::sample:
      return "sample";
    case ItemKind::check:
      return "check";
  }
  return "event";
}

std::optional<ItemKind> kind_from_name(std::string_view name) {
  for (ItemKind k : {ItemKind::event, ItemKind::sample, ItemKind::check}) {
    if (kind_name(k) == name) return k;
  }
  return std::nullopt;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += (out.empty() ? "" : "\n") + line;
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const auto end = std::min(text.find('\n', start), text.size());
    if (end > start) lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

Result<IngestResult> apply_batch(const IngestBatch& batch, std::uint64_t& mark,
                                 const WriteItem& write) {
  IngestResult r;
  std::uint64_t held_before = batch.previous_seq;
  for (const auto& item : batch.items) {
    const Arrival arrival = classify_arrival(item.seq, held_before, mark);
    held_before = item.seq;
    if (arrival == Arrival::duplicate) {
      ++r.duplicates;
      continue;
    }
    if (arrival == Arrival::out_of_order) {
      r.out_of_order = true;
      break;
    }
    if (arrival == Arrival::after_dropped_gap && r.gap_from == 0) {
      r.gap_from = mark + 1;
      r.gap_to = item.seq - 1;
    }
    if (!item.refused.empty()) {
      r.refused.push_back(item.seq);
    } else {
      if (auto written = write(item); !written) return std::unexpected(written.error());
      ++r.written;
    }
    mark = item.seq;
  }
  r.through_seq = mark;
  return r;
}

std::map<std::string, std::uint64_t> dropped_by_origin(const std::vector<IngestBatch>& batches,
                                                       const std::vector<IngestResult>& results) {
  std::map<std::string, std::uint64_t> dropped;
  for (std::size_t i = 0; i < results.size() && i < batches.size(); ++i) {
    if (results[i].gap_from != 0) {
      dropped[batches[i].origin] += results[i].gap_to - results[i].gap_from + 1;
    }
  }
  return dropped;
}

}  // namespace outpost::storage
