// The PostgreSQL backend's gateway key bindings (migration 0004). Two servers binding the same
// gateway at once: the INSERT of one waits for the other's and does nothing; both read the key
// that won.
#include <chrono>

#include "storage/postgres/postgres_storage.hpp"

namespace outpost::storage::postgres {

Result<KeyBinding> PostgresStorage::bind_gateway_key(const std::string& fqdn,
                                                     const std::string& key_sha256, TimePoint now) {
  const std::string ms = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  return locked([&](Connection& conn) -> Result<KeyBinding> {
    auto inserted = conn.exec("binding a gateway's key",
                              "INSERT INTO gateway_keys (fqdn, key_sha256, bound_ms) VALUES "
                              "($1::text, $2::text, $3::bigint) ON CONFLICT (fqdn) DO NOTHING",
                              {fqdn, key_sha256, ms});
    if (!inserted) return std::unexpected(inserted.error());
    auto rows = conn.exec("binding a gateway's key",
                          "SELECT key_sha256 FROM gateway_keys WHERE fqdn = $1::text", {fqdn});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) {  // unbound meanwhile by another server's --rebind
      return fail("the gateway's key binding changed while it was made", "try again",
                  EventId::database_error);
    }
    return KeyBinding{rows->text(0, 0), inserted->affected() > 0};
  });
}

Result<bool> PostgresStorage::unbind_gateway_key(const std::string& fqdn) {
  return locked([&](Connection& conn) -> Result<bool> {
    auto done = conn.exec("unbinding a gateway's key",
                          "DELETE FROM gateway_keys WHERE fqdn = $1::text", {fqdn});
    if (!done) return std::unexpected(done.error());
    return done->affected() > 0;
  });
}

}  // namespace outpost::storage::postgres
