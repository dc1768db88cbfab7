// The SQLite backend's refused connections (storage.hpp, migration 0007).
#include <SQLiteCpp/Transaction.h>

#include "storage/sqlite/sqlite_storage.hpp"
#include "storage/sqlite/sqlite_util.hpp"

namespace outpost::storage::sqlite {
namespace {

// The details of the latest refusal win; the counts add up by epoch (0007_refusals.sql).
constexpr const char* kUpsert =
    "INSERT INTO refusals (reporter, identity, source, event_id, cause, reject_code, role, "
    "management_group, reason, cert_subject, cert_issuer, cert_serial, cert_sha256, "
    "cert_not_before_ms, cert_not_after_ms, first_ms, latest_ms, epoch_ms, epoch_count) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (reporter, identity, source, event_id, cause) DO UPDATE SET "
    "earlier_count = CASE WHEN excluded.epoch_ms > epoch_ms THEN earlier_count + epoch_count "
    "ELSE earlier_count END, "
    "epoch_count = CASE WHEN excluded.epoch_ms > epoch_ms THEN excluded.epoch_count "
    "WHEN excluded.epoch_ms = epoch_ms THEN max(epoch_count, excluded.epoch_count) "
    "ELSE epoch_count END, "
    "epoch_ms = max(epoch_ms, excluded.epoch_ms), "
    "first_ms = min(first_ms, excluded.first_ms), "
    "reject_code = iif(excluded.latest_ms >= latest_ms, excluded.reject_code, reject_code), "
    "role = iif(excluded.latest_ms >= latest_ms, excluded.role, role), "
    "management_group = iif(excluded.latest_ms >= latest_ms, excluded.management_group, "
    "management_group), "
    "reason = iif(excluded.latest_ms >= latest_ms, excluded.reason, reason), "
    "cert_subject = iif(excluded.latest_ms >= latest_ms, excluded.cert_subject, cert_subject), "
    "cert_issuer = iif(excluded.latest_ms >= latest_ms, excluded.cert_issuer, cert_issuer), "
    "cert_serial = iif(excluded.latest_ms >= latest_ms, excluded.cert_serial, cert_serial), "
    "cert_sha256 = iif(excluded.latest_ms >= latest_ms, excluded.cert_sha256, cert_sha256), "
    "cert_not_before_ms = iif(excluded.latest_ms >= latest_ms, excluded.cert_not_before_ms, "
    "cert_not_before_ms), "
    "cert_not_after_ms = iif(excluded.latest_ms >= latest_ms, excluded.cert_not_after_ms, "
    "cert_not_after_ms), "
    "latest_ms = max(latest_ms, excluded.latest_ms)";

constexpr const char* kColumns =
    "reporter, identity, source, event_id, cause, reject_code, role, management_group, reason, "
    "cert_subject, cert_issuer, cert_serial, cert_sha256, cert_not_before_ms, cert_not_after_ms, "
    "first_ms, latest_ms, epoch_ms, earlier_count + epoch_count";

void bind(SQLite::Statement& q, const std::string& reporter, const RefusalRecord& r) {
  const RefusalObservation& o = r.last;
  q.bind(1, reporter);
  q.bind(2, o.key.identity);
  q.bind(3, o.key.source);
  q.bind(4, number(o.key.event));
  q.bind(5, std::string(cause_name(o.key.cause)));
  q.bind(6, o.reject_code);
  q.bind(7, o.role);
  q.bind(8, o.management_group);
  q.bind(9, o.reason);
  q.bind(10, o.certificate.subject);
  q.bind(11, o.certificate.issuer);
  q.bind(12, o.certificate.serial);
  q.bind(13, o.certificate.sha256);
  q.bind(14, o.certificate.empty() ? 0 : millis(o.certificate.not_before));
  q.bind(15, o.certificate.empty() ? 0 : millis(o.certificate.not_after));
  q.bind(16, millis(r.first));
  q.bind(17, millis(r.latest));
  q.bind(18, millis(r.epoch));
  q.bind(19, static_cast<std::int64_t>(r.count));
}

RefusalRecord read_refusal(SQLite::Statement& q) {
  RefusalRecord r;
  r.reporter = q.getColumn(0).getString();
  RefusalObservation& o = r.last;
  o.key.identity = q.getColumn(1).getString();
  o.key.source = q.getColumn(2).getString();
  o.key.event = static_cast<EventId>(q.getColumn(3).getInt());
  o.key.cause = cause_from_name(q.getColumn(4).getString());
  o.reject_code = q.getColumn(5).getInt();
  o.role = q.getColumn(6).getString();
  o.management_group = q.getColumn(7).getString();
  o.reason = q.getColumn(8).getString();
  o.certificate.subject = q.getColumn(9).getString();
  o.certificate.issuer = q.getColumn(10).getString();
  o.certificate.serial = q.getColumn(11).getString();
  o.certificate.sha256 = q.getColumn(12).getString();
  o.certificate.not_before = from_millis(q.getColumn(13).getInt64());
  o.certificate.not_after = from_millis(q.getColumn(14).getInt64());
  r.first = from_millis(q.getColumn(15).getInt64());
  r.latest = from_millis(q.getColumn(16).getInt64());
  r.epoch = from_millis(q.getColumn(17).getInt64());
  r.count = static_cast<std::uint64_t>(q.getColumn(18).getInt64());
  return r;
}

}  // namespace

Result<void> SqliteStorage::record_refusals(const std::string& reporter,
                                            const std::vector<RefusalRecord>& records,
                                            std::uint64_t dropped, std::size_t keep) {
  return guarded(path_, "recording refused connections", [&]() -> Result<void> {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement& upsert = prepared(kUpsert);
    for (const auto& record : records) {
      upsert.reset();
      bind(upsert, reporter, record);
      upsert.exec();
    }
    const std::int64_t now = millis(Clock::now());
    SQLite::Statement rows(*db_, "SELECT count(*) FROM refusals WHERE reporter = ?");
    rows.bind(1, reporter);
    rows.executeStep();
    std::int64_t evicted = 0;
    if (const std::int64_t held = rows.getColumn(0).getInt64();
        held > static_cast<std::int64_t>(keep)) {
      SQLite::Statement trim(*db_,
                             "DELETE FROM refusals WHERE rowid IN (SELECT rowid FROM refusals "
                             "WHERE reporter = ? ORDER BY latest_ms DESC LIMIT -1 OFFSET ?)");
      trim.bind(1, reporter);
      trim.bind(2, static_cast<std::int64_t>(keep));
      evicted = trim.exec();
    }
    SQLite::Statement drops(*db_,
                            "INSERT INTO refusal_drops VALUES (?, ?, ?, ?) ON CONFLICT (reporter) "
                            "DO UPDATE SET dropped = excluded.dropped, evicted = evicted + "
                            "excluded.evicted, updated_ms = excluded.updated_ms");
    drops.bind(1, reporter);
    drops.bind(2, static_cast<std::int64_t>(dropped));
    drops.bind(3, evicted);
    drops.bind(4, now);
    drops.exec();
    transaction.commit();
    return {};
  });
}

Result<std::vector<RefusalRecord>> SqliteStorage::refusals(const RefusalQuery& query) {
  return guarded(path_, "reading refused connections", [&]() -> Result<std::vector<RefusalRecord>> {
    SQLite::Statement q(*db_, fmt::format("SELECT {} FROM refusals WHERE (?1 = '' OR identity = ?1 "
                                          "OR reporter = ?1) AND (?4 = '' OR identity = ?4) AND "
                                          "latest_ms >= ?2 ORDER BY latest_ms DESC, identity "
                                          "LIMIT ?3",
                                          kColumns));
    q.bind(1, query.computer);
    q.bind(2, millis(query.since));
    q.bind(3, static_cast<std::int64_t>(query.limit));
    q.bind(4, query.identity);
    std::vector<RefusalRecord> out;
    while (q.executeStep())
      out.push_back(read_refusal(q));
    return out;
  });
}

Result<std::vector<RefusalDrops>> SqliteStorage::refusal_drops() {
  return guarded(path_, "reading refusal drops", [&]() -> Result<std::vector<RefusalDrops>> {
    SQLite::Statement q(*db_,
                        "SELECT reporter, dropped, evicted, updated_ms FROM refusal_drops ORDER BY "
                        "reporter");
    std::vector<RefusalDrops> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(),
                     static_cast<std::uint64_t>(q.getColumn(1).getInt64()),
                     static_cast<std::uint64_t>(q.getColumn(2).getInt64()),
                     from_millis(q.getColumn(3).getInt64())});
    }
    return out;
  });
}

Result<std::uint64_t> SqliteStorage::groom_refusals(TimePoint before) {
  return guarded(path_, "grooming refused connections", [&]() -> Result<std::uint64_t> {
    SQLite::Statement q(*db_, "DELETE FROM refusals WHERE latest_ms < ?");
    q.bind(1, millis(before));
    return static_cast<std::uint64_t>(q.exec());
  });
}

}  // namespace outpost::storage::sqlite
