// The SQLite backend: one file, WAL journal, synchronous=FULL (a committed change survives a
// power loss), foreign keys on, a busy timeout so admin commands and the server can share it.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <map>
#include <memory>

#include "storage/storage.hpp"

namespace outpost::storage::sqlite {

class SqliteStorage final : public Storage {
 public:
  static Result<std::unique_ptr<SqliteStorage>> open(const std::string& path);

  Result<int> schema_version() override;
  Result<void> approve_gateway(const std::string& fqdn, bool server_initiates,
                               const std::string& address) override;
  Result<bool> remove_gateway(const std::string& fqdn) override;
  Result<KeyBinding> bind_gateway_key(const std::string& fqdn, const std::string& key_sha256,
                                      TimePoint now) override;  // *_keys.cpp
  Result<bool> unbind_gateway_key(const std::string& fqdn) override;
  Result<Approval> agent_seen(const std::string& fqdn, AgentPolicy policy, TimePoint now) override;
  Result<bool> set_agent_approval(const std::string& fqdn, Approval approval) override;
  Result<bool> forget_agent(const std::string& fqdn) override;
  Result<void> record_goodbye(const std::string& fqdn, const std::string& parent) override;
  Result<void> record_heartbeat(const std::string& fqdn, const std::string& parent, TimePoint at,
                                const std::string& certificate_sha256,
                                TimePoint certificate_not_after) override;
  Result<void> register_management_server(const std::string& fqdn,
                                          const std::string& certificate_sha256,
                                          TimePoint certificate_not_after, TimePoint now) override;
  Result<void> set_parents(const std::string& fqdn, const std::vector<std::string>& parents,
                           TimePoint now) override;
  Result<std::vector<std::string>> parents_of(const std::string& fqdn) override;
  Result<std::optional<Computer>> computer(const std::string& fqdn) override;
  Result<std::vector<Computer>> computers() override;

  Result<bool> hold_lease(const std::string& name, const std::string& holder, TimePoint now,
                          std::chrono::milliseconds ttl) override;
  Result<std::optional<std::vector<Alert>>> apply_alert_changes(
      const std::string& lease, const std::string& holder, TimePoint now,
      const std::vector<AlertChange>& changes) override;
  Result<std::vector<Alert>> alerts(const AlertQuery& query) override;
  Result<std::optional<Alert>> alert(std::int64_t id) override;
  Result<std::vector<AlertHistoryEntry>> alert_history(std::int64_t id) override;
  Result<std::optional<Alert>> set_alert_state(std::int64_t id, AlertState state,
                                               const std::string& actor, const std::string& comment,
                                               TimePoint now) override;
  Result<std::optional<std::vector<Notification>>> due_notifications(const std::string& lease,
                                                                     const std::string& holder,
                                                                     TimePoint now,
                                                                     std::size_t limit) override;
  Result<void> record_delivery(const Delivery& delivery) override;
  Result<std::vector<Notification>> notifications(std::int64_t alert_id,
                                                  std::size_t limit) override;
  Result<void> start_maintenance(const MaintenanceWindow& window) override;
  Result<bool> stop_maintenance(const std::string& computer) override;
  Result<std::vector<MaintenanceWindow>> maintenance_windows(TimePoint now) override;
  Result<void> record_refusals(const std::string& reporter,
                               const std::vector<RefusalRecord>& records, std::uint64_t dropped,
                               std::size_t keep) override;  // *_refusals.cpp
  Result<std::vector<RefusalRecord>> refusals(const RefusalQuery& query) override;
  Result<std::vector<RefusalDrops>> refusal_drops() override;
  Result<std::uint64_t> groom_refusals(TimePoint before) override;
  // Users, sessions, API tokens and the audit log (*_users.cpp).
  Result<bool> add_user(const User& user) override;
  Result<bool> set_user_password(const std::string& name,
                                 const std::string& password_hash) override;
  Result<bool> set_user_role(const std::string& name, UserRole role) override;
  Result<bool> remove_user(const std::string& name) override;
  Result<std::vector<User>> users() override;
  Result<std::optional<User>> user(const std::string& name) override;
  Result<void> record_login(const std::string& name, TimePoint at) override;
  Result<void> create_session(const WebSession& session) override;
  Result<std::optional<WebSession>> session(const std::string& id_sha256, TimePoint now) override;
  Result<void> touch_session(const std::string& id_sha256, TimePoint last_seen,
                             TimePoint expires) override;
  Result<void> end_session(const std::string& id_sha256) override;
  Result<std::uint64_t> end_sessions_of(const std::string& user) override;
  Result<std::uint64_t> keep_newest_sessions(const std::string& user, std::size_t keep) override;
  Result<std::uint64_t> groom_sessions(TimePoint now) override;
  Result<std::int64_t> add_token(const ApiToken& token) override;
  Result<std::optional<ApiToken>> token(const std::string& token_sha256) override;
  Result<std::vector<ApiToken>> tokens(const std::string& user) override;
  Result<bool> remove_token(std::int64_t id) override;
  Result<void> touch_token(std::int64_t id, TimePoint at) override;
  Result<std::int64_t> append_audit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> audit(const AuditQuery& query) override;
  Result<std::uint64_t> groom_audit(TimePoint before) override;
  // Data (sqlite_data.cpp).
  Result<std::vector<IngestResult>> ingest(const std::vector<IngestBatch>& batches) override;
  Result<std::uint64_t> high_water_mark(const std::string& origin) override;
  Result<std::vector<StoredItem>> items(const ItemQuery& query) override;
  Result<Series> series(const SeriesQuery& query) override;
  Result<std::vector<std::string>> counter_names(const std::string& origin,
                                                 TimePoint since) override;
  Result<std::vector<CheckState>> check_states() override;
  Result<std::vector<QueueDrops>> queue_drops(TimePoint since) override;
  Result<std::uint64_t> groom(ItemKind kind, TimePoint before) override;

 private:
  SqliteStorage(std::string path, std::unique_ptr<SQLite::Database> db);
  Result<void> migrate();
  // A statement of a hot query, prepared once per connection; reset, without bindings.
  SQLite::Statement& prepared(const std::string& sql);

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>> prepared_;  // before db_ goes
};

}  // namespace outpost::storage::sqlite
