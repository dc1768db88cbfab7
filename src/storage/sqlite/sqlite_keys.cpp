// The SQLite backend's gateway key bindings (migration 0004).
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/sqlite/sqlite_storage.hpp"
#include "storage/sqlite/sqlite_util.hpp"

namespace outpost::storage::sqlite {

Result<KeyBinding> SqliteStorage::bind_gateway_key(const std::string& fqdn,
                                                   const std::string& key_sha256, TimePoint now) {
  return guarded(path_, "binding a gateway's key", [&]() -> Result<KeyBinding> {
    SQLite::Transaction transaction(*db_);
    SQLite::Statement insert(*db_,
                             "INSERT INTO gateway_keys (fqdn, key_sha256, bound_ms) VALUES "
                             "(?, ?, ?) ON CONFLICT (fqdn) DO NOTHING");
    insert.bind(1, fqdn);
    insert.bind(2, key_sha256);
    insert.bind(3, millis(now));
    const bool bound_now = insert.exec() > 0;
    SQLite::Statement q(*db_, "SELECT key_sha256 FROM gateway_keys WHERE fqdn = ?");
    q.bind(1, fqdn);
    q.executeStep();
    KeyBinding binding{q.getColumn(0).getString(), bound_now};
    transaction.commit();
    return binding;
  });
}

Result<bool> SqliteStorage::unbind_gateway_key(const std::string& fqdn) {
  return guarded(path_, "unbinding a gateway's key", [&]() -> Result<bool> {
    SQLite::Statement q(*db_, "DELETE FROM gateway_keys WHERE fqdn = ?");
    q.bind(1, fqdn);
    return q.exec() > 0;
  });
}

}  // namespace outpost::storage::sqlite
