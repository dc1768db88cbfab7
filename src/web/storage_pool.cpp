#include "web/storage_pool.hpp"

namespace outpost::web {

Result<StoragePool::Lease> StoragePool::acquire() {
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  auto db = storage::open_storage(url_);
  if (!db) return std::unexpected(db.error());
  return Lease(*this, std::move(*db));
}

void StoragePool::give_back(std::unique_ptr<storage::Storage> db) {
  const std::lock_guard lock(mutex_);
  if (idle_.size() < keep_idle_) idle_.push_back(std::move(db));
}

}  // namespace outpost::web
