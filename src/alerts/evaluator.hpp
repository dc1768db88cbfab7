// The management server's side of alerts: every evaluation interval, the server holding the
// group's "alerts" lease (one at a time; a dead holder's lease lapses after three intervals and
// the next server takes over) evaluates the monitors and writes the changes under that lease, so
// two servers never open the same alert twice. A round runs on a thread of its own with its own
// database connection: a large group (100,000 monitors take seconds) never holds up the server's
// connections. Events: 30100 opened, 30101 resolved, 30104 this server took over or lost the
// evaluation, 30030 a database failure.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alerts/evaluate.hpp"
#include "alerts/report.hpp"
#include "alerts/rules.hpp"
#include "storage/storage.hpp"

namespace outpost::alerts {

inline constexpr std::string_view kAlertLease = "alerts";

class Evaluator {
 public:
  // `holder`: this server's name in the lease; `db`: a connection for the evaluator's thread.
  Evaluator(std::unique_ptr<storage::Storage> db, std::string holder, Report report);
  ~Evaluator();  // stops
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // From the server's housekeeping: when the interval has passed since the last round, hands
  // the thread a round over `computers` (approved and pending, with their heartbeat health). A
  // round still running delays the next; rounds never queue up.
  void tick(const AlertRules& rules, const std::vector<ComputerView>& computers, TimePoint now);
  // Ends the thread after the round in progress.
  void stop();

 private:
  struct Round {
    AlertRules rules;
    std::vector<ComputerView> computers;
  };
  void run();
  void evaluate_now(const Round& round);
  void failed(const Error& error);

  std::unique_ptr<storage::Storage> db_;
  std::string holder_;
  Report report_;
  std::optional<TimePoint> last_;  // the I/O thread's: when the last round was handed over
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Round> next_;  // waiting for the thread
  bool stopping_ = false;
  bool holding_ = false;  // the thread's
  bool failing_ = false;  // the thread's: the last round failed (logged once until one succeeds)
  std::thread thread_;
};

}  // namespace outpost::alerts
