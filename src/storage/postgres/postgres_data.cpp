// The PostgreSQL backend's data path. Ingest runs in one transaction: each origin's high-water
// row is locked (SELECT ... FOR UPDATE), so two management servers ingesting the same origin
// after a failover serialise on it and never write an item twice; the new items go in as
// multi-row INSERTs of up to kChunk rows (one round trip each).
#include <fmt/format.h>

#include <map>

#include "storage/postgres/postgres_storage.hpp"

namespace outpost::storage::postgres {
namespace {

constexpr std::size_t kChunk = 500;

std::string text(std::int64_t v) {
  return std::to_string(v);
}
std::string text(std::uint64_t v) {
  return std::to_string(v);
}

Result<std::uint64_t> lock_mark(Connection& conn, const std::string& origin) {
  auto made = conn.exec("creating a high-water mark",
                        "INSERT INTO high_water (origin, through_seq, updated_ms) VALUES "
                        "($1::text, 0, 0) ON CONFLICT (origin) DO NOTHING",
                        {origin});
  if (!made) return std::unexpected(made.error());
  auto rows =
      conn.exec("locking a high-water mark",
                "SELECT through_seq FROM high_water WHERE origin = $1::text FOR UPDATE", {origin});
  if (!rows) return std::unexpected(rows.error());
  return static_cast<std::uint64_t>(rows->integer(0, 0));
}

// INSERTs `rows` (origin, seq, kind, name, produced_ms, payload) in chunks.
Result<void> insert_items(Connection& conn, const std::vector<std::vector<Param>>& rows) {
  for (std::size_t start = 0; start < rows.size(); start += kChunk) {
    const std::size_t end = std::min(rows.size(), start + kChunk);
    std::string sql = "INSERT INTO items (origin, seq, kind, name, produced_ms, payload) VALUES ";
    std::vector<Param> params;
    for (std::size_t i = start; i < end; ++i) {
      const std::size_t b = params.size();
      sql += fmt::format("{}(${}::text, ${}::bigint, ${}::text, ${}::text, ${}::bigint, ${}::text)",
                         i == start ? "" : ", ", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6);
      params.insert(params.end(), rows[i].begin(), rows[i].end());
    }
    sql += " ON CONFLICT (origin, seq) DO NOTHING";
    auto done = conn.exec("writing data", sql.c_str(), params);
    if (!done) return std::unexpected(done.error());
  }
  return {};
}

Result<void> upsert_check(Connection& conn, const std::string& origin, const IngestItem& item) {
  auto done = conn.exec(
      "recording a check result",
      "INSERT INTO check_state (origin, name, status, output, produced_ms) VALUES ($1::text, "
      "$2::text, $3::text, $4::text, $5::bigint) ON CONFLICT (origin, name) DO UPDATE SET "
      "status = excluded.status, output = excluded.output, produced_ms = excluded.produced_ms "
      "WHERE excluded.produced_ms >= check_state.produced_ms",
      {origin, item.name, item.status, item.output, text(item.produced_ms)});
  if (!done) return std::unexpected(done.error());
  return {};
}

}  // namespace

Result<std::vector<IngestResult>> PostgresStorage::ingest(const std::vector<IngestBatch>& batches) {
  return locked([&](Connection& conn) -> Result<std::vector<IngestResult>> {
    auto tx = Transaction::begin(conn);
    if (!tx) return std::unexpected(tx.error());
    std::map<std::string, std::uint64_t> marks;
    std::vector<std::vector<Param>> rows;
    std::vector<IngestResult> results;
    // The marks are locked in origin order (the map's), so that two servers committing batches
    // of the same origins never wait on each other in a cycle (a deadlock PostgreSQL would abort).
    for (const auto& batch : batches)
      marks.try_emplace(batch.origin, 0);
    for (auto& [origin, mark] : marks) {
      auto locked_mark = lock_mark(conn, origin);
      if (!locked_mark) return std::unexpected(locked_mark.error());
      mark = *locked_mark;
    }
    for (const auto& batch : batches) {
      const auto it = marks.find(batch.origin);
      auto r = apply_batch(batch, it->second, [&](const IngestItem& item) -> Result<void> {
        rows.push_back({batch.origin, text(item.seq), std::string(kind_name(item.kind)), item.name,
                        text(item.produced_ms), item.payload});
        if (item.kind == ItemKind::check) return upsert_check(conn, batch.origin, item);
        return {};
      });
      if (!r) return std::unexpected(r.error());
      results.push_back(*r);
    }
    if (auto ok = insert_items(conn, rows); !ok) return std::unexpected(ok.error());
    const std::string now = text(static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count()));
    const auto dropped = dropped_by_origin(batches, results);
    for (const auto& [origin, through] : marks) {
      const auto gap = dropped.find(origin);
      auto done =
          gap == dropped.end()
              ? conn.exec("moving a high-water mark",
                          "UPDATE high_water SET through_seq = $1::bigint, updated_ms = "
                          "$2::bigint WHERE origin = $3::text",
                          {text(through), now, origin})
              : conn.exec("moving a high-water mark past a dropped gap",
                          "UPDATE high_water SET through_seq = $1::bigint, updated_ms = "
                          "$2::bigint, dropped_items = dropped_items + $4::bigint, last_drop_ms = "
                          "$2::bigint WHERE origin = $3::text",
                          {text(through), now, origin, text(gap->second)});
      if (!done) return std::unexpected(done.error());
    }
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return results;
  });
}

Result<std::uint64_t> PostgresStorage::high_water_mark(const std::string& origin) {
  return locked([&](Connection& conn) -> Result<std::uint64_t> {
    auto rows = conn.exec("reading a high-water mark",
                          "SELECT through_seq FROM high_water WHERE origin = $1::text", {origin});
    if (!rows) return std::unexpected(rows.error());
    return rows->size() == 0 ? 0 : static_cast<std::uint64_t>(rows->integer(0, 0));
  });
}

Result<std::vector<StoredItem>> PostgresStorage::items(const ItemQuery& query) {
  return locked([&](Connection& conn) -> Result<std::vector<StoredItem>> {
    const std::int64_t since =
        query.since
            ? std::chrono::duration_cast<std::chrono::milliseconds>(query.since->time_since_epoch())
                  .count()
            : 0;
    // Only the filters that are set, so the plan uses items_by_name as far as it can.
    // Empty origin: every origin's items of a kind (items_by_age).
    if (query.origin.empty() && !query.kind)
      return fail("reading every computer's data needs a kind");
    std::string sql = "SELECT origin, seq, kind, name, produced_ms, payload FROM items WHERE TRUE";
    std::vector<Param> params;
    if (!query.origin.empty()) {
      params.emplace_back(query.origin);
      sql += fmt::format(" AND origin = ${}::text", params.size());
    }
    if (query.kind) {
      params.emplace_back(std::string(kind_name(*query.kind)));
      sql += fmt::format(" AND kind = ${}::text", params.size());
    }
    for (std::size_t i = 0; i < query.names.size(); ++i) {
      params.emplace_back(query.names[i]);
      sql += fmt::format("{}${}::text", i == 0 ? " AND name IN (" : ", ", params.size());
    }
    if (!query.names.empty()) sql += ")";
    params.emplace_back(text(since));
    params.emplace_back(text(static_cast<std::uint64_t>(query.limit)));
    sql += fmt::format(
        " AND produced_ms >= ${}::bigint ORDER BY produced_ms DESC, seq DESC LIMIT "
        "${}::bigint",
        params.size() - 1, params.size());
    auto rows = conn.exec("reading data", sql.c_str(), params);
    if (!rows) return std::unexpected(rows.error());
    std::vector<StoredItem> out;
    for (int r = rows->size() - 1; r >= 0; --r) {
      out.push_back({rows->text(r, 0), static_cast<std::uint64_t>(rows->integer(r, 1)),
                     rows->integer(r, 4),
                     kind_from_name(rows->text(r, 2)).value_or(ItemKind::event), rows->text(r, 3),
                     rows->text(r, 5)});
    }
    return out;
  });
}

Result<Series> PostgresStorage::series(const SeriesQuery& query) {
  return locked([&](Connection& conn) -> Result<Series> {
    // Buckets computed and aggregated by the server: only they cross the connection.
    const std::vector<Param> params{query.origin,
                                    query.counter,
                                    text(query.from_ms),
                                    text(query.to_ms),
                                    text(query.buckets),
                                    query.instance,
                                    text(static_cast<std::uint64_t>(kMaxSeriesSamples))};
    // The newest kMaxSeriesSamples samples of the counter (of the instance), then each value
    // through numeric: a JSON number beyond float8's range (1e400 passes ingest) is left out
    // instead of failing the query. CASE keeps the casts after the type test.
    auto rows = conn.exec(
        "reading a counter's series",
        "SELECT b, min(v), avg(v), max(v), count(*) FROM (SELECT LEAST((produced_ms - "
        "$3::bigint) * $5::bigint / ($4::bigint - $3::bigint), $5::bigint - 1) AS b, "
        "n::float8 AS v FROM (SELECT produced_ms, CASE WHEN jsonb_typeof(p->'value') = 'number' "
        "THEN (p->>'value')::numeric END AS n FROM (SELECT produced_ms, payload::jsonb AS p "
        "FROM items WHERE origin = $1::text AND kind = 'sample' AND name = $2::text AND "
        "produced_ms >= $3::bigint AND produced_ms <= $4::bigint AND ($6::text = '' OR "
        "payload::jsonb->>'instance' = $6::text) ORDER BY produced_ms DESC LIMIT $7::bigint) s) t "
        "WHERE n IS NOT NULL AND abs(n) <= 1e308 AND (n = 0 OR abs(n) >= 1e-307)) u "
        "GROUP BY b ORDER BY b",
        params);
    if (!rows) return std::unexpected(rows.error());
    Series out;
    for (int r = 0; r < rows->size(); ++r) {
      out.buckets.push_back({rows->integer(r, 0), std::stod(rows->text(r, 1)),
                             std::stod(rows->text(r, 2)), std::stod(rows->text(r, 3)),
                             rows->integer(r, 4)});
    }
    auto unit = conn.exec(
        "reading a counter's unit",
        "SELECT payload::jsonb->>'unit' FROM items WHERE origin = $1::text AND kind = 'sample' "
        "AND name = $2::text AND produced_ms >= $3::bigint AND produced_ms <= $4::bigint "
        "ORDER BY produced_ms DESC LIMIT 1",
        {query.origin, query.counter, text(query.from_ms), text(query.to_ms)});
    if (!unit) return std::unexpected(unit.error());
    if (unit->size() == 1 && !unit->is_null(0, 0)) out.unit = unit->text(0, 0);
    return out;
  });
}

Result<std::vector<std::string>> PostgresStorage::counter_names(const std::string& origin,
                                                                TimePoint since) {
  return locked([&](Connection& conn) -> Result<std::vector<std::string>> {
    // A skip scan over items_by_name: one index seek per name, however many samples each has.
    auto rows = conn.exec(
        "reading counter names",
        "WITH RECURSIVE n(name, depth) AS (SELECT min(name), 1 FROM items WHERE origin = "
        "$1::text AND kind = 'sample' UNION ALL SELECT (SELECT min(name) FROM items WHERE "
        "origin = $1::text AND kind = 'sample' AND name > n.name), depth + 1 FROM n WHERE "
        "n.name IS NOT NULL AND depth < 10000) "
        "SELECT name FROM n WHERE name IS NOT NULL AND EXISTS (SELECT 1 FROM items WHERE "
        "origin = $1::text AND kind = 'sample' AND name = n.name AND produced_ms >= $2::bigint) "
        "ORDER BY name COLLATE \"C\"",
        {origin,
         text(std::chrono::duration_cast<std::chrono::milliseconds>(since.time_since_epoch())
                  .count())});
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::string> out;
    for (int r = 0; r < rows->size(); ++r)
      out.push_back(rows->text(r, 0));
    return out;
  });
}

Result<std::vector<CheckState>> PostgresStorage::check_states() {
  return locked([&](Connection& conn) -> Result<std::vector<CheckState>> {
    auto rows = conn.exec("reading check states",
                          "SELECT origin, name, status, output, produced_ms FROM check_state "
                          "ORDER BY origin COLLATE \"C\", name COLLATE \"C\"");
    if (!rows) return std::unexpected(rows.error());
    std::vector<CheckState> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back({rows->text(r, 0), rows->text(r, 1), rows->text(r, 2), rows->text(r, 3),
                     rows->integer(r, 4)});
    }
    return out;
  });
}

Result<std::vector<QueueDrops>> PostgresStorage::queue_drops(TimePoint since) {
  return locked([&](Connection& conn) -> Result<std::vector<QueueDrops>> {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(since.time_since_epoch()).count();
    auto rows = conn.exec("reading queue drops",
                          "SELECT origin, dropped_items, last_drop_ms FROM high_water WHERE "
                          "last_drop_ms >= $1::bigint ORDER BY origin COLLATE \"C\"",
                          {text(static_cast<std::int64_t>(ms))});
    if (!rows) return std::unexpected(rows.error());
    std::vector<QueueDrops> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back({rows->text(r, 0), static_cast<std::uint64_t>(rows->integer(r, 1)),
                     TimePoint(std::chrono::milliseconds(rows->integer(r, 2)))});
    }
    return out;
  });
}

Result<std::uint64_t> PostgresStorage::groom(ItemKind kind, TimePoint before) {
  return locked([&](Connection& conn) -> Result<std::uint64_t> {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
    auto done = conn.exec("grooming data",
                          "DELETE FROM items WHERE kind = $1::text AND produced_ms < $2::bigint",
                          {std::string(kind_name(kind)), text(static_cast<std::int64_t>(ms))});
    if (!done) return std::unexpected(done.error());
    return static_cast<std::uint64_t>(done->affected());
  });
}

}  // namespace outpost::storage::postgres
