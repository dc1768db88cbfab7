// The PostgreSQL backend's refused connections (storage.hpp, migration 0007).
#include <chrono>

#include <fmt/format.h>

#include "storage/postgres/postgres_storage.hpp"

namespace outpost::storage::postgres {
namespace {

// The details of the latest refusal win; the counts add up by epoch (0007_refusals.sql).
constexpr const char* kUpsert =
    "INSERT INTO refusals AS r (reporter, identity, source, event_id, cause, reject_code, role, "
    "management_group, reason, cert_subject, cert_issuer, cert_serial, cert_sha256, "
    "cert_not_before_ms, cert_not_after_ms, first_ms, latest_ms, epoch_ms, epoch_count) VALUES "
    "($1::text, $2::text, $3::text, $4::integer, $5::text, $6::integer, $7::text, $8::text, "
    "$9::text, $10::text, $11::text, $12::text, $13::text, $14::bigint, $15::bigint, $16::bigint, "
    "$17::bigint, $18::bigint, $19::bigint) "
    "ON CONFLICT (reporter, identity, source, event_id, cause) DO UPDATE SET "
    "earlier_count = CASE WHEN excluded.epoch_ms > r.epoch_ms THEN r.earlier_count + "
    "r.epoch_count ELSE r.earlier_count END, "
    "epoch_count = CASE WHEN excluded.epoch_ms > r.epoch_ms THEN excluded.epoch_count "
    "WHEN excluded.epoch_ms = r.epoch_ms THEN GREATEST(r.epoch_count, excluded.epoch_count) "
    "ELSE r.epoch_count END, "
    "epoch_ms = GREATEST(r.epoch_ms, excluded.epoch_ms), "
    "first_ms = LEAST(r.first_ms, excluded.first_ms), "
    "reject_code = CASE WHEN excluded.latest_ms >= r.latest_ms THEN excluded.reject_code ELSE "
    "r.reject_code END, "
    "role = CASE WHEN excluded.latest_ms >= r.latest_ms THEN excluded.role ELSE r.role END, "
    "management_group = CASE WHEN excluded.latest_ms >= r.latest_ms THEN "
    "excluded.management_group ELSE r.management_group END, "
    "reason = CASE WHEN excluded.latest_ms >= r.latest_ms THEN excluded.reason ELSE r.reason END, "
    "cert_subject = CASE WHEN excluded.latest_ms >= r.latest_ms THEN excluded.cert_subject ELSE "
    "r.cert_subject END, "
    "cert_issuer = CASE WHEN excluded.latest_ms >= r.latest_ms THEN excluded.cert_issuer ELSE "
    "r.cert_issuer END, "
    "cert_serial = CASE WHEN excluded.latest_ms >= r.latest_ms THEN excluded.cert_serial ELSE "
    "r.cert_serial END, "
    "cert_sha256 = CASE WHEN excluded.latest_ms >= r.latest_ms THEN excluded.cert_sha256 ELSE "
    "r.cert_sha256 END, "
    "cert_not_before_ms = CASE WHEN excluded.latest_ms >= r.latest_ms THEN "
    "excluded.cert_not_before_ms ELSE r.cert_not_before_ms END, "
    "cert_not_after_ms = CASE WHEN excluded.latest_ms >= r.latest_ms THEN "
    "excluded.cert_not_after_ms ELSE r.cert_not_after_ms END, "
    "latest_ms = GREATEST(r.latest_ms, excluded.latest_ms)";

constexpr const char* kColumns =
    "reporter, identity, source, event_id, cause, reject_code, role, management_group, reason, "
    "cert_subject, cert_issuer, cert_serial, cert_sha256, cert_not_before_ms, cert_not_after_ms, "
    "first_ms, latest_ms, epoch_ms, earlier_count + epoch_count";

std::vector<Param> params(const std::string& reporter, const RefusalRecord& r) {
  const RefusalObservation& o = r.last;
  const bool cert = !o.certificate.empty();
  return {reporter,
          o.key.identity,
          o.key.source,
          std::to_string(number(o.key.event)),
          std::string(cause_name(o.key.cause)),
          std::to_string(o.reject_code),
          o.role,
          o.management_group,
          o.reason,
          o.certificate.subject,
          o.certificate.issuer,
          o.certificate.serial,
          o.certificate.sha256,
          cert ? ms_text(o.certificate.not_before) : "0",
          cert ? ms_text(o.certificate.not_after) : "0",
          ms_text(r.first),
          ms_text(r.latest),
          ms_text(r.epoch),
          std::to_string(r.count)};
}

RefusalRecord read_refusal(const Rows& rows, int i) {
  RefusalRecord r;
  r.reporter = rows.text(i, 0);
  RefusalObservation& o = r.last;
  o.key.identity = rows.text(i, 1);
  o.key.source = rows.text(i, 2);
  o.key.event = static_cast<EventId>(rows.integer(i, 3));
  o.key.cause = cause_from_name(rows.text(i, 4));
  o.reject_code = static_cast<int>(rows.integer(i, 5));
  o.role = rows.text(i, 6);
  o.management_group = rows.text(i, 7);
  o.reason = rows.text(i, 8);
  o.certificate.subject = rows.text(i, 9);
  o.certificate.issuer = rows.text(i, 10);
  o.certificate.serial = rows.text(i, 11);
  o.certificate.sha256 = rows.text(i, 12);
  o.certificate.not_before = from_ms(rows.integer(i, 13));
  o.certificate.not_after = from_ms(rows.integer(i, 14));
  r.first = from_ms(rows.integer(i, 15));
  r.latest = from_ms(rows.integer(i, 16));
  r.epoch = from_ms(rows.integer(i, 17));
  r.count = static_cast<std::uint64_t>(rows.integer(i, 18));
  return r;
}

}  // namespace

Result<void> PostgresStorage::record_refusals(const std::string& reporter,
                                              const std::vector<RefusalRecord>& records,
                                              std::uint64_t dropped, std::size_t keep) {
  return locked([&](Connection& conn) -> Result<void> {
    auto tx = Transaction::begin(conn);
    if (!tx) return std::unexpected(tx.error());
    for (const auto& record : records) {
      auto done = conn.exec("recording refused connections", kUpsert, params(reporter, record));
      if (!done) return std::unexpected(done.error());
    }
    auto trimmed = conn.exec(
        "trimming refused connections",
        "DELETE FROM refusals r USING (SELECT identity, source, event_id, cause FROM refusals "
        "WHERE reporter = $1::text ORDER BY latest_ms DESC OFFSET $2::bigint) old WHERE "
        "r.reporter = $1::text AND r.identity = old.identity AND r.source = old.source AND "
        "r.event_id = old.event_id AND r.cause = old.cause",
        {reporter, std::to_string(keep)});
    if (!trimmed) return std::unexpected(trimmed.error());
    auto drops = conn.exec("recording refusal drops",
                           "INSERT INTO refusal_drops AS d VALUES ($1::text, $2::bigint, "
                           "$3::bigint, $4::bigint) ON CONFLICT (reporter) DO UPDATE SET dropped "
                           "= excluded.dropped, evicted = d.evicted + excluded.evicted, "
                           "updated_ms = excluded.updated_ms",
                           {reporter, std::to_string(dropped), std::to_string(trimmed->affected()),
                            ms_text(Clock::now())});
    if (!drops) return std::unexpected(drops.error());
    return tx->commit();
  });
}

Result<std::vector<RefusalRecord>> PostgresStorage::refusals(const RefusalQuery& query) {
  return locked([&](Connection& conn) -> Result<std::vector<RefusalRecord>> {
    const std::string sql = fmt::format(
        "SELECT {} FROM refusals WHERE ($1::text = '' OR identity = $1::text OR reporter = "
        "$1::text) AND ($4::text = '' OR identity = $4::text) AND latest_ms >= $2::bigint ORDER "
        "BY latest_ms DESC, identity COLLATE \"C\" LIMIT $3::bigint",
        kColumns);
    auto rows = conn.exec(
        "reading refused connections", sql.c_str(),
        {query.computer, ms_text(query.since), std::to_string(query.limit), query.identity});
    if (!rows) return std::unexpected(rows.error());
    std::vector<RefusalRecord> out;
    for (int i = 0; i < rows->size(); ++i)
      out.push_back(read_refusal(*rows, i));
    return out;
  });
}

Result<std::vector<RefusalDrops>> PostgresStorage::refusal_drops() {
  return locked([&](Connection& conn) -> Result<std::vector<RefusalDrops>> {
    auto rows = conn.exec("reading refusal drops",
                          "SELECT reporter, dropped, evicted, updated_ms FROM refusal_drops ORDER "
                          "BY reporter COLLATE \"C\"");
    if (!rows) return std::unexpected(rows.error());
    std::vector<RefusalDrops> out;
    for (int i = 0; i < rows->size(); ++i) {
      out.push_back({rows->text(i, 0), static_cast<std::uint64_t>(rows->integer(i, 1)),
                     static_cast<std::uint64_t>(rows->integer(i, 2)),
                     from_ms(rows->integer(i, 3))});
    }
    return out;
  });
}

Result<std::uint64_t> PostgresStorage::groom_refusals(TimePoint before) {
  return locked([&](Connection& conn) -> Result<std::uint64_t> {
    auto done = conn.exec("grooming refused connections",
                          "DELETE FROM refusals WHERE latest_ms < $1::bigint", {ms_text(before)});
    if (!done) return std::unexpected(done.error());
    return static_cast<std::uint64_t>(done->affected());
  });
}

}  // namespace outpost::storage::postgres
