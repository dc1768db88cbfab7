// The operational database, as the management server sees it: computers, their approval and
// their last heartbeat. One interface, one backend per database (sqlite/ for one server,
// postgres/ for several servers sharing one database), numbered migrations per backend applied
// at open.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "storage/alerts.hpp"
#include "storage/refusals.hpp"
#include "storage/users.hpp"

namespace outpost::storage {

enum class Role { agent, gateway, management_server };
enum class Approval { approved, pending, rejected };

[[nodiscard]] std::string_view role_name(Role role);
[[nodiscard]] std::optional<Role> role_from_name(std::string_view name);
[[nodiscard]] std::string_view approval_name(Approval approval);
[[nodiscard]] std::optional<Approval> approval_from_name(std::string_view name);

struct Computer {
  std::string fqdn;
  Role role = Role::agent;
  Approval approval = Approval::pending;
  bool server_initiates = false;  // gateways approved with --server-initiates
  std::string address;            // host:port the server dials when it initiates
  std::string parent;  // the node it is connected through; empty when not connected (never
                       // reported, or it said goodbye when it stopped)
  std::optional<TimePoint> last_heartbeat;
  std::string certificate_sha256;
  std::optional<TimePoint> certificate_not_after;
  TimePoint first_seen;

  // A gateway or agent whose service said goodbye when it stopped: heard from, no parent.
  [[nodiscard]] bool said_goodbye() const {
    return role != Role::management_server && last_heartbeat.has_value() && parent.empty();
  }
};

struct KeyBinding {
  std::string key_sha256;  // the key the gateway is bound to
  bool bound_now = false;  // true when this call made the binding
};

// What the agent admission policy ([admission] agents) does with an agent seen for the first time.
enum class AgentPolicy { reject, review, automatic };

// Data from agents (DESIGN §4): items with a per-origin sequence number, written exactly once.
enum class ItemKind { event, sample, check };
[[nodiscard]] std::string_view kind_name(ItemKind kind);
[[nodiscard]] std::optional<ItemKind> kind_from_name(std::string_view name);

struct IngestItem {
  std::uint64_t seq = 0;
  std::int64_t produced_ms = 0;
  ItemKind kind = ItemKind::event;
  std::string name;     // the counter of a sample, the check's name, the rule of an event
  std::string status;   // a check's status (ok, warning, critical, unknown); empty otherwise
  std::string output;   // a check's first line of output; empty otherwise
  std::string payload;  // the item's JSON as the agent sent it
  // Why the payload was refused (storage/item_payload.hpp); when set, the item is acknowledged
  // (the origin's mark moves past it) but not stored.
  std::string refused = {};
};
struct IngestBatch {
  std::string origin;
  std::vector<IngestItem> items;  // ascending seq
  // The seq the origin holds just before the first item (or its acknowledged mark): it holds
  // nothing in between. 0: nothing before, or a sender that does not say.
  std::uint64_t previous_seq = 0;
};
struct IngestResult {
  std::uint64_t through_seq = 0;  // the origin's high-water mark after the batch: the Ack
  std::uint64_t written = 0;
  std::uint64_t duplicates = 0;  // at or below the mark before: dropped
  std::uint64_t gap_from = 0;    // when > 0: seqs gap_from..gap_to never arrived (dropped at
  std::uint64_t gap_to = 0;      // the origin by its queue caps)
  // Items the origin still holds before this batch never arrived (a relay dropped a batch):
  // the rest of the batch was not written; the origin must send again after through_seq.
  bool out_of_order = false;
  std::vector<std::uint64_t> refused = {};  // the seqs of refused items the mark moved past
};

// Where an item stands against the origin's high-water mark. An item above the mark + 1 is a
// gap the origin dropped (it holds nothing between `held_before` and the item) or an item that
// came out of order (it holds items the database does not have: writing it would turn them into
// duplicates, lost for good).
enum class Arrival { duplicate, next, after_dropped_gap, out_of_order };
[[nodiscard]] constexpr Arrival classify_arrival(std::uint64_t seq, std::uint64_t held_before,
                                                 std::uint64_t mark) {
  if (seq <= mark) return Arrival::duplicate;
  if (seq == mark + 1) return Arrival::next;
  return held_before <= mark ? Arrival::after_dropped_gap : Arrival::out_of_order;
}

// The exactly-once rule for one batch, shared by the backends: calls `write` for each item to
// store, in order, and moves `mark` past it; counts duplicates, notes a dropped gap, and stops at
// an item out of order. A refused item is not written; the mark moves past it like any other.
// Fails with the first failure of `write`.
using WriteItem = std::function<Result<void>(const IngestItem&)>;
[[nodiscard]] Result<IngestResult> apply_batch(const IngestBatch& batch, std::uint64_t& mark,
                                               const WriteItem& write);
struct StoredItem {
  std::string origin;
  std::uint64_t seq = 0;
  std::int64_t produced_ms = 0;
  ItemKind kind = ItemKind::event;
  std::string name;
  std::string payload;
};
struct ItemQuery {
  std::string origin;  // empty: every origin's (then `kind` is required)
  std::optional<ItemKind> kind;
  std::vector<std::string> names;  // any of these; empty: any
  std::optional<TimePoint> since;
  std::size_t limit = 1000;  // the newest `limit`, returned oldest first
};
// A counter's samples of one origin over [from_ms, to_ms] cut into `buckets` equal spans, each
// aggregated by the database (min, avg, max, count), for charts: the rows never leave it.
struct SeriesQuery {
  std::string origin;
  std::string counter;
  std::string instance;  // empty: every instance
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  std::int64_t buckets = 200;  // > 0; to_ms > from_ms
};
struct SeriesBucket {
  std::int64_t index = 0;  // 0 .. buckets-1; buckets without samples are left out
  double min = 0;
  double avg = 0;
  double max = 0;
  std::int64_t count = 0;
};
// A series reads at most the newest this many samples of its range (charts of ranges with more
// start later than asked).
inline constexpr std::size_t kMaxSeriesSamples = 1000000;
struct Series {
  std::string unit;  // the newest sample's unit in the range, or empty
  std::vector<SeriesBucket> buckets;
};
struct CheckState {
  std::string origin;
  std::string name;
  std::string status;
  std::string output;
  std::int64_t produced_ms = 0;
};

// What an origin's queue dropped, as the gaps ingest saw in its sequence (IngestResult::gap_from).
struct QueueDrops {
  std::string origin;
  std::uint64_t dropped_items = 0;  // in all, since it first reported
  TimePoint last_drop;              // when the last gap arrived
};
// The items each origin's gaps in `results` (of `batches`) skipped, for the high-water rows.
[[nodiscard]] std::map<std::string, std::uint64_t> dropped_by_origin(
    const std::vector<IngestBatch>& batches, const std::vector<IngestResult>& results);

class Storage {
 public:
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  virtual ~Storage() = default;

  [[nodiscard]] virtual Result<int> schema_version() = 0;

  // Gateways: approved explicitly (outpost gateway approve), removed explicitly.
  [[nodiscard]] virtual Result<void> approve_gateway(const std::string& fqdn, bool server_initiates,
                                                     const std::string& address) = 0;
  // Removes a gateway's approval (and its row, and its key binding); false when no such gateway
  // is known.
  [[nodiscard]] virtual Result<bool> remove_gateway(const std::string& fqdn) = 0;
  // An approved gateway is bound to the key it first connects with (storage/*_keys.cpp): binds
  // `key_sha256` when the gateway has no key yet, and returns the key bound now or before.
  [[nodiscard]] virtual Result<KeyBinding> bind_gateway_key(const std::string& fqdn,
                                                            const std::string& key_sha256,
                                                            TimePoint now) = 0;
  // Forgets the binding (outpost gateway approve --rebind): the next key connecting is bound.
  // False when there was none.
  [[nodiscard]] virtual Result<bool> unbind_gateway_key(const std::string& fqdn) = 0;

  // An agent knocking: records it on first sight according to `policy` and returns its approval.
  [[nodiscard]] virtual Result<Approval> agent_seen(const std::string& fqdn, AgentPolicy policy,
                                                    TimePoint now) = 0;
  // outpost agent approve / reject. False when the agent is not known.
  [[nodiscard]] virtual Result<bool> set_agent_approval(const std::string& fqdn,
                                                        Approval approval) = 0;
  // outpost agent forget: deletes the row of an agent that is pending or rejected (never an
  // approved one, nor another role). False when there is no such row.
  [[nodiscard]] virtual Result<bool> forget_agent(const std::string& fqdn) = 0;

  // An empty `certificate_sha256` leaves the recorded certificate as it is (a heartbeat relayed
  // by a gateway does not carry the agent's certificate; its admission query did).
  [[nodiscard]] virtual Result<void> record_heartbeat(const std::string& fqdn,
                                                      const std::string& parent, TimePoint at,
                                                      const std::string& certificate_sha256,
                                                      TimePoint certificate_not_after) = 0;

  // A computer that stopped on purpose (it sent a Goodbye through `parent`): not connected any
  // more, its last heartbeat kept. Changes nothing when its last heartbeat came through another
  // node since (it is connected there now).
  [[nodiscard]] virtual Result<void> record_goodbye(const std::string& fqdn,
                                                    const std::string& parent) = 0;

  // A management server records itself when it starts.
  [[nodiscard]] virtual Result<void> register_management_server(
      const std::string& fqdn, const std::string& certificate_sha256,
      TimePoint certificate_not_after, TimePoint now) = 0;

  // Topology: a node's parent list ("fqdn[:port]", primary first), as the configuration service
  // pushes it. An empty list when none was set (the node keeps its own [parents]).
  [[nodiscard]] virtual Result<void> set_parents(const std::string& fqdn,
                                                 const std::vector<std::string>& parents,
                                                 TimePoint now) = 0;
  [[nodiscard]] virtual Result<std::vector<std::string>> parents_of(const std::string& fqdn) = 0;

  // Writes every batch's items above its origin's high-water mark and moves the marks, all in
  // one transaction: after a crash either all of it is there or none. One result per batch.
  [[nodiscard]] virtual Result<std::vector<IngestResult>> ingest(
      const std::vector<IngestBatch>& batches) = 0;
  [[nodiscard]] virtual Result<std::uint64_t> high_water_mark(const std::string& origin) = 0;
  [[nodiscard]] virtual Result<std::vector<StoredItem>> items(const ItemQuery& query) = 0;
  [[nodiscard]] virtual Result<Series> series(const SeriesQuery& query) = 0;
  // The names of the counters `origin` sent samples of since `since`, sorted.
  [[nodiscard]] virtual Result<std::vector<std::string>> counter_names(const std::string& origin,
                                                                       TimePoint since) = 0;
  // The latest result of every check of every computer.
  [[nodiscard]] virtual Result<std::vector<CheckState>> check_states() = 0;
  // The origins whose queue dropped items (a gap arrived) at or after `since`.
  [[nodiscard]] virtual Result<std::vector<QueueDrops>> queue_drops(TimePoint since) = 0;
  // Retention: deletes the items of `kind` produced before `before`; returns how many.
  [[nodiscard]] virtual Result<std::uint64_t> groom(ItemKind kind, TimePoint before) = 0;

  [[nodiscard]] virtual Result<std::optional<Computer>> computer(const std::string& fqdn) = 0;
  [[nodiscard]] virtual Result<std::vector<Computer>> computers() = 0;

  // Alerts (storage/alerts.hpp; the backends' *_alerts.cpp).
  // A lease one holder has at a time: takes it when it is free or expired, renews it when
  // `holder` has it. True when `holder` holds it until now + ttl.
  [[nodiscard]] virtual Result<bool> hold_lease(const std::string& name, const std::string& holder,
                                                TimePoint now, std::chrono::milliseconds ttl) = 0;
  // Applies what an evaluation decided, in one transaction, with each change's history line,
  // only while `holder` still holds the lease `lease` (fencing: a server that lost it writes
  // nothing). Returns the alerts it opened or resolved (with their ids), or nullopt when the lease
  // was not held.
  [[nodiscard]] virtual Result<std::optional<std::vector<Alert>>> apply_alert_changes(
      const std::string& lease, const std::string& holder, TimePoint now,
      const std::vector<AlertChange>& changes) = 0;
  [[nodiscard]] virtual Result<std::vector<Alert>> alerts(const AlertQuery& query) = 0;
  [[nodiscard]] virtual Result<std::optional<Alert>> alert(std::int64_t id) = 0;
  [[nodiscard]] virtual Result<std::vector<AlertHistoryEntry>> alert_history(std::int64_t id) = 0;
  // An operator acknowledges (open → acknowledged) or closes (open or acknowledged → closed) an
  // alert. The alert as it is afterwards; nullopt when there is no such alert. A change the
  // state does not allow (closing a resolved alert) changes nothing and returns it as it is.
  [[nodiscard]] virtual Result<std::optional<Alert>> set_alert_state(std::int64_t id,
                                                                     AlertState state,
                                                                     const std::string& actor,
                                                                     const std::string& comment,
                                                                     TimePoint now) = 0;

  // The notification outbox. Due rows (pending, due and retry time passed), oldest first, with
  // their alert, only while `holder` holds `lease` (nullopt otherwise).
  [[nodiscard]] virtual Result<std::optional<std::vector<Notification>>> due_notifications(
      const std::string& lease, const std::string& holder, TimePoint now, std::size_t limit) = 0;
  // Records an attempt (and enqueues its follow-up) in one transaction.
  [[nodiscard]] virtual Result<void> record_delivery(const Delivery& delivery) = 0;
  // The newest rows, of one alert when `alert_id` is not 0.
  [[nodiscard]] virtual Result<std::vector<Notification>> notifications(std::int64_t alert_id,
                                                                        std::size_t limit) = 0;

  // Maintenance mode: one window per computer (a new one replaces it); stop deletes it (false
  // when there was none). The windows whose end is after `now`.
  [[nodiscard]] virtual Result<void> start_maintenance(const MaintenanceWindow& window) = 0;
  [[nodiscard]] virtual Result<bool> stop_maintenance(const std::string& computer) = 0;
  [[nodiscard]] virtual Result<std::vector<MaintenanceWindow>> maintenance_windows(
      TimePoint now) = 0;

  // Refused connections (storage/refusals.hpp). One transaction: the reporter's records (same
  // epoch: the larger count; a later epoch adds up), its table's `dropped` counter, then the
  // least recently refused rows of that reporter beyond `keep` are removed (counted as evicted).
  [[nodiscard]] virtual Result<void> record_refusals(const std::string& reporter,
                                                     const std::vector<RefusalRecord>& records,
                                                     std::uint64_t dropped, std::size_t keep) = 0;
  // Newest first; count over all epochs.
  [[nodiscard]] virtual Result<std::vector<RefusalRecord>> refusals(const RefusalQuery& query) = 0;
  [[nodiscard]] virtual Result<std::vector<RefusalDrops>> refusal_drops() = 0;
  // Deletes the records last refused before `before`; how many.
  [[nodiscard]] virtual Result<std::uint64_t> groom_refusals(TimePoint before) = 0;

  // Users of the console and the API (storage/users.hpp). add_user is false when the name is
  // taken; the setters and remove_user false when there is no such user. Removing a user ends
  // their sessions and removes their tokens in the same transaction.
  [[nodiscard]] virtual Result<bool> add_user(const User& user) = 0;
  [[nodiscard]] virtual Result<bool> set_user_password(const std::string& name,
                                                       const std::string& password_hash) = 0;
  [[nodiscard]] virtual Result<bool> set_user_role(const std::string& name, UserRole role) = 0;
  [[nodiscard]] virtual Result<bool> remove_user(const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::vector<User>> users() = 0;  // by name
  [[nodiscard]] virtual Result<std::optional<User>> user(const std::string& name) = 0;
  [[nodiscard]] virtual Result<void> record_login(const std::string& name, TimePoint at) = 0;
  // Browser sessions, by the SHA-256 of their id. `session` returns nullopt for an unknown or
  // expired one (expires <= now). touch_session moves last_seen and expires.
  [[nodiscard]] virtual Result<void> create_session(const WebSession& session) = 0;
  [[nodiscard]] virtual Result<std::optional<WebSession>> session(const std::string& id_sha256,
                                                                  TimePoint now) = 0;
  [[nodiscard]] virtual Result<void> touch_session(const std::string& id_sha256,
                                                   TimePoint last_seen, TimePoint expires) = 0;
  [[nodiscard]] virtual Result<void> end_session(const std::string& id_sha256) = 0;
  // Ends every session of a user (a new password, a new role); how many.
  [[nodiscard]] virtual Result<std::uint64_t> end_sessions_of(const std::string& user) = 0;
  // Ends all but the `keep` newest sessions of a user (by creation); how many.
  [[nodiscard]] virtual Result<std::uint64_t> keep_newest_sessions(const std::string& user,
                                                                   std::size_t keep) = 0;
  // Deletes the sessions expired at `now`; how many.
  [[nodiscard]] virtual Result<std::uint64_t> groom_sessions(TimePoint now) = 0;
  // API tokens: the new token's id; the token with this SHA-256; a user's ("" all), newest
  // first; remove_token false when there is no such id.
  [[nodiscard]] virtual Result<std::int64_t> add_token(const ApiToken& token) = 0;
  [[nodiscard]] virtual Result<std::optional<ApiToken>> token(const std::string& token_sha256) = 0;
  [[nodiscard]] virtual Result<std::vector<ApiToken>> tokens(const std::string& user) = 0;
  [[nodiscard]] virtual Result<bool> remove_token(std::int64_t id) = 0;
  [[nodiscard]] virtual Result<void> touch_token(std::int64_t id, TimePoint at) = 0;
  // The audit log: appends one entry (its id); entries newest first; deletes those before
  // `before` (how many).
  [[nodiscard]] virtual Result<std::int64_t> append_audit(const AuditEntry& entry) = 0;
  [[nodiscard]] virtual Result<std::vector<AuditEntry>> audit(const AuditQuery& query) = 0;
  [[nodiscard]] virtual Result<std::uint64_t> groom_audit(TimePoint before) = 0;
};

// A parent list as the backends store it: one entry per line.
[[nodiscard]] std::string join_lines(const std::vector<std::string>& lines);
[[nodiscard]] std::vector<std::string> split_lines(std::string_view text);

// Told about each database file that other users could read and that was made owner-only
// (0600) at open, with its old mode (the management server logs 30017).
using FileTightened = std::function<void(const std::string& file, unsigned old_mode)>;

// Opens (creating if needed) the database a `[database] url` names and brings its schema up to
// date: "sqlite:///abs/path.db", or "postgresql://user[:password]@host[:port]/database" (also
// "postgres://"; any libpq URI parameter may follow). A newer schema than this build knows is
// refused. Messages never carry a URL's password. A SQLite database and its -wal/-shm files are
// owner-only: created 0600, and tightened to 0600 (`tightened` is told) when wider.
[[nodiscard]] Result<std::unique_ptr<Storage>> open_storage(const std::string& url,
                                                            const FileTightened& tightened = {});

}  // namespace outpost::storage
