// The SQLite backend's data path: ingest in one transaction with the high-water marks, queries,
// check states and grooming.
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <map>

#include "storage/sqlite/sqlite_storage.hpp"
#include "storage/sqlite/sqlite_util.hpp"

namespace outpost::storage::sqlite {
namespace {

std::uint64_t mark_of(SQLite::Database& db, const std::string& origin) {
  SQLite::Statement q(db, "SELECT through_seq FROM high_water WHERE origin = ?");
  q.bind(1, origin);
  return q.executeStep() ? static_cast<std::uint64_t>(q.getColumn(0).getInt64()) : 0;
}

}  // namespace

Result<std::vector<IngestResult>> SqliteStorage::ingest(const std::vector<IngestBatch>& batches) {
  return guarded(path_, "writing data", [&]() -> Result<std::vector<IngestResult>> {
    // IMMEDIATE: the write lock is taken before the high-water marks are read. A deferred
    // transaction that reads first and then writes fails at once with "database is locked"
    // (SQLITE_BUSY_SNAPSHOT) when another connection wrote in between; the busy timeout does not
    // apply to that upgrade.
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement insert(*db_,
                             "INSERT OR IGNORE INTO items (origin, seq, kind, name, produced_ms, "
                             "payload) VALUES (?, ?, ?, ?, ?, ?)");
    SQLite::Statement check(*db_,
                            "INSERT INTO check_state (origin, name, status, output, produced_ms) "
                            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin, name) DO UPDATE SET "
                            "status = excluded.status, output = excluded.output, produced_ms = "
                            "excluded.produced_ms WHERE excluded.produced_ms >= produced_ms");
    std::map<std::string, std::uint64_t> marks;
    std::vector<IngestResult> results;
    for (const auto& batch : batches) {
      auto [it, fresh] = marks.try_emplace(batch.origin, 0);
      if (fresh) it->second = mark_of(*db_, batch.origin);
      auto r = apply_batch(batch, it->second, [&](const IngestItem& item) -> Result<void> {
        insert.bind(1, batch.origin);
        insert.bind(2, static_cast<std::int64_t>(item.seq));
        insert.bind(3, std::string(kind_name(item.kind)));
        insert.bind(4, item.name);
        insert.bind(5, item.produced_ms);
        insert.bind(6, item.payload);
        insert.exec();
        insert.reset();
        if (item.kind == ItemKind::check) {
          check.bind(1, batch.origin);
          check.bind(2, item.name);
          check.bind(3, item.status);
          check.bind(4, item.output);
          check.bind(5, item.produced_ms);
          check.exec();
          check.reset();
        }
        return {};
      });
      if (!r) return std::unexpected(r.error());
      results.push_back(*r);
    }
    const auto dropped = dropped_by_origin(batches, results);
    const auto now = millis(Clock::now());
    SQLite::Statement mark(*db_,
                           "INSERT INTO high_water (origin, through_seq, updated_ms, "
                           "dropped_items, last_drop_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                           "(origin) DO UPDATE SET through_seq = excluded.through_seq, updated_ms "
                           "= excluded.updated_ms, dropped_items = high_water.dropped_items + "
                           "excluded.dropped_items, last_drop_ms = COALESCE(excluded.last_drop_ms, "
                           "high_water.last_drop_ms)");
    for (const auto& [origin, through] : marks) {
      const auto gap = dropped.find(origin);
      mark.bind(1, origin);
      mark.bind(2, static_cast<std::int64_t>(through));
      mark.bind(3, now);
      mark.bind(4, static_cast<std::int64_t>(gap == dropped.end() ? 0 : gap->second));
      if (gap == dropped.end()) {
        mark.bind(5);  // NULL: the last drop stays as it was
      } else {
        mark.bind(5, now);
      }
      mark.exec();
      mark.reset();
    }
    transaction.commit();
    return results;
  });
}

Result<std::uint64_t> SqliteStorage::high_water_mark(const std::string& origin) {
  return guarded(path_, "reading a high-water mark",
                 [&]() -> Result<std::uint64_t> { return mark_of(*db_, origin); });
}

Result<std::vector<StoredItem>> SqliteStorage::items(const ItemQuery& query) {
  return guarded(path_, "reading data", [&]() -> Result<std::vector<StoredItem>> {
    // Only the filters that are set ("(? = '' OR kind = ?)" would keep SQLite from using
    // items_by_name past the origin, reading every item the origin ever sent), and always
    // through items_by_name: without statistics SQLite prefers items_by_age for a kind and a
    // time, which reads the samples of every computer.
    // Every origin's items of a kind: newest first through items_by_age.
    const bool any_origin = query.origin.empty();
    if (any_origin && !query.kind) return fail("reading every computer's data needs a kind");
    std::string sql = any_origin ? "SELECT origin, seq, kind, name, produced_ms, payload FROM "
                                   "items INDEXED BY items_by_age WHERE kind = ?"
                                 : "SELECT origin, seq, kind, name, produced_ms, payload FROM "
                                   "items INDEXED BY items_by_name WHERE origin = ?";
    if (query.kind && !any_origin) sql += " AND kind = ?";
    if (!query.names.empty()) {
      sql += " AND name IN (?";
      for (std::size_t i = 1; i < query.names.size(); ++i)
        sql += ", ?";
      sql += ")";
    }
    sql += " AND produced_ms >= ? ORDER BY produced_ms DESC, seq DESC LIMIT ?";
    SQLite::Statement& q = prepared(sql);  // a shape per kind and number of names
    int n = 0;
    if (!any_origin) q.bind(++n, query.origin);
    if (query.kind) q.bind(++n, std::string(kind_name(*query.kind)));
    for (const auto& name : query.names)
      q.bind(++n, name);
    q.bind(++n, query.since ? millis(*query.since) : std::int64_t{0});
    q.bind(++n, static_cast<std::int64_t>(query.limit));
    std::vector<StoredItem> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(),
                     static_cast<std::uint64_t>(q.getColumn(1).getInt64()),
                     q.getColumn(4).getInt64(),
                     kind_from_name(q.getColumn(2).getString()).value_or(ItemKind::event),
                     q.getColumn(3).getString(), q.getColumn(5).getString()});
    }
    q.reset();  // ends its read of the snapshot now, not at the next call
    std::reverse(out.begin(), out.end());
    return out;
  });
}

Result<Series> SqliteStorage::series(const SeriesQuery& query) {
  return guarded(path_, "reading a counter's series", [&]() -> Result<Series> {
    // The buckets are computed and aggregated in SQL: one pass over the counter's index range,
    // the payloads read there, nothing but the buckets returned. The LIMIT bounds the work and
    // keeps SQLite from flattening the subquery (which would parse each payload twice).
    SQLite::Statement& q = prepared(
        "SELECT min((produced_ms - ?3) * ?5 / (?4 - ?3), ?5 - 1) AS b, min(v), avg(v), max(v), "
        "count(*) FROM (SELECT produced_ms, json_extract(payload, '$.value') AS v FROM items "
        "INDEXED BY items_by_name WHERE origin = ?1 AND kind = 'sample' AND name = ?2 AND "
        "produced_ms >= ?3 AND produced_ms <= ?4 AND "
        "(?6 = '' OR json_extract(payload, '$.instance') = ?6) ORDER BY produced_ms DESC "
        "LIMIT ?7) WHERE typeof(v) IN ('integer', 'real') AND abs(v) <= 1.7976931348623157e308 "
        "GROUP BY b ORDER BY b");
    const auto bind_range = [&](SQLite::Statement& s) {
      s.bind(1, query.origin);
      s.bind(2, query.counter);
      s.bind(3, query.from_ms);
      s.bind(4, query.to_ms);
    };
    bind_range(q);
    q.bind(5, query.buckets);
    q.bind(6, query.instance);
    q.bind(7, static_cast<std::int64_t>(kMaxSeriesSamples));
    Series out;
    while (q.executeStep()) {
      out.buckets.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getDouble(),
                             q.getColumn(2).getDouble(), q.getColumn(3).getDouble(),
                             q.getColumn(4).getInt64()});
    }
    q.reset();
    SQLite::Statement& u = prepared(
        "SELECT json_extract(payload, '$.unit') FROM items INDEXED BY items_by_name WHERE "
        "origin = ?1 AND kind = 'sample' AND name = ?2 AND produced_ms >= ?3 AND "
        "produced_ms <= ?4 ORDER BY produced_ms DESC LIMIT 1");
    bind_range(u);
    if (u.executeStep() && !u.getColumn(0).isNull()) out.unit = u.getColumn(0).getString();
    u.reset();
    return out;
  });
}

Result<std::vector<std::string>> SqliteStorage::counter_names(const std::string& origin,
                                                              TimePoint since) {
  return guarded(path_, "reading counter names", [&]() -> Result<std::vector<std::string>> {
    // A skip scan over items_by_name: one index seek per name, however many samples each has.
    SQLite::Statement& q = prepared(
        "WITH RECURSIVE n(name, depth) AS (SELECT min(name), 1 FROM items INDEXED BY "
        "items_by_name WHERE origin = ?1 AND kind = 'sample' UNION ALL SELECT (SELECT min(name) "
        "FROM items INDEXED BY items_by_name WHERE origin = ?1 AND kind = 'sample' AND "
        "name > n.name), depth + 1 FROM n WHERE n.name IS NOT NULL AND depth < 10000) "
        "SELECT name FROM n WHERE name IS NOT NULL AND EXISTS (SELECT 1 FROM items INDEXED BY "
        "items_by_name WHERE origin = ?1 AND kind = 'sample' AND name = n.name AND "
        "produced_ms >= ?2)");
    q.bind(1, origin);
    q.bind(2, millis(since));
    std::vector<std::string> out;
    while (q.executeStep())
      out.push_back(q.getColumn(0).getString());
    q.reset();
    return out;
  });
}

Result<std::vector<CheckState>> SqliteStorage::check_states() {
  return guarded(path_, "reading check states", [&]() -> Result<std::vector<CheckState>> {
    SQLite::Statement q(*db_,
                        "SELECT origin, name, status, output, produced_ms FROM check_state "
                        "ORDER BY origin, name");
    std::vector<CheckState> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                     q.getColumn(2).getString(), q.getColumn(3).getString(),
                     q.getColumn(4).getInt64()});
    }
    return out;
  });
}

Result<std::vector<QueueDrops>> SqliteStorage::queue_drops(TimePoint since) {
  return guarded(path_, "reading queue drops", [&]() -> Result<std::vector<QueueDrops>> {
    SQLite::Statement q(*db_,
                        "SELECT origin, dropped_items, last_drop_ms FROM high_water WHERE "
                        "last_drop_ms >= ? ORDER BY origin");
    q.bind(1, millis(since));
    std::vector<QueueDrops> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(),
                     static_cast<std::uint64_t>(q.getColumn(1).getInt64()),
                     from_millis(q.getColumn(2).getInt64())});
    }
    return out;
  });
}

Result<std::uint64_t> SqliteStorage::groom(ItemKind kind, TimePoint before) {
  return guarded(path_, "grooming data", [&]() -> Result<std::uint64_t> {
    SQLite::Statement q(*db_, "DELETE FROM items WHERE kind = ? AND produced_ms < ?");
    q.bind(1, std::string(kind_name(kind)));
    q.bind(2, millis(before));
    return static_cast<std::uint64_t>(q.exec());
  });
}

}  // namespace outpost::storage::sqlite
