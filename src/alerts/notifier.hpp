// Delivers the notification outbox (storage: due_notifications / record_delivery) on a thread
// of its own with its own database connection, so a slow webhook or SMTP relay never blocks
// ingest or the I/O thread. Only the server holding the "alerts" lease delivers; a row is marked
// when its attempt ends, so a server that dies mid-delivery leaves it pending and the next
// holder sends it (at least once). Failures are retried with backoff (5 s doubling to 10 min)
// up to the subscription's max_attempts (30106 each, 30107 at the end); a delivery is 30105.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "alerts/channels.hpp"
#include "alerts/report.hpp"
#include "alerts/rules.hpp"
#include "core/events.hpp"
#include "storage/storage.hpp"

namespace outpost::alerts {

class Notifier {
 public:
  Notifier(std::unique_ptr<storage::Storage> db, Sender sender,
           std::vector<Subscription> subscriptions, Report report);
  ~Notifier();  // stops
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // The subscriptions in force (at start and after each reload).
  void set_subscriptions(std::vector<Subscription> subscriptions);
  // Ends the thread after the attempt in progress (bounded by its timeout).
  void stop();

 private:
  void run();
  void round();
  // Delivers the next due notification; false when none is due (or the lease is elsewhere).
  bool deliver_next(const std::vector<Subscription>& subscriptions);
  // False when the row was left due (stopping, or the database failed): the round ends.
  bool attempt(const storage::Notification& n, const std::vector<Subscription>& subscriptions);

  std::unique_ptr<storage::Storage> db_;
  Sender sender_;
  Report report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Subscription> subscriptions_;
  bool stopping_ = false;
  std::atomic<bool> abort_{false};  // ends a delivery in progress when stopping
  std::thread thread_;
};

}  // namespace outpost::alerts
