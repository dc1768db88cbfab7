// The web listener's own database connections, one per request at a time: its threads never use
// the channel thread's connection, so a slow query in the console does not hold up heartbeats.
// Connections are opened as needed and at most `keep_idle` are kept. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/storage.hpp"

namespace outpost::web {

class StoragePool {
 public:
  StoragePool(std::string url, std::size_t keep_idle)
      : url_(std::move(url)), keep_idle_(keep_idle) {}

  class Lease {
   public:
    Lease(StoragePool& pool, std::unique_ptr<storage::Storage> db)
        : pool_(&pool), db_(std::move(db)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (db_) pool_->give_back(std::move(db_));
    }
    storage::Storage& operator*() const { return *db_; }
    storage::Storage* operator->() const { return db_.get(); }

   private:
    StoragePool* pool_;
    std::unique_ptr<storage::Storage> db_;
  };

  [[nodiscard]] Result<Lease> acquire();

 private:
  void give_back(std::unique_ptr<storage::Storage> db);

  std::string url_;
  std::size_t keep_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<storage::Storage>> idle_;
};

}  // namespace outpost::web
