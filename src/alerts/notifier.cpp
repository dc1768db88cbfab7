#include "alerts/notifier.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "alerts/evaluator.hpp"

namespace outpost::alerts {
namespace {

constexpr auto kPoll = std::chrono::seconds(1);
constexpr std::size_t kBatch = 50;

std::chrono::seconds backoff(int attempts) {
  const int shift = std::clamp(attempts - 1, 0, 7);
  return std::min(std::chrono::seconds(5) * (1 << shift), std::chrono::seconds(600));
}

// Why `n` is not to be sent any more, or "" when it is.
std::string cancelled_because(const storage::Notification& n,
                              const std::vector<storage::Notification>& sent_openings) {
  const auto state = n.alert.state;
  const bool unresolved =
      state == storage::AlertState::open || state == storage::AlertState::acknowledged;
  if (n.event == "opened" && !unresolved) return "the alert is no longer open";
  if (n.event == "repeat" && state != storage::AlertState::open) {
    return "the alert was acknowledged, resolved or closed";
  }
  if (n.event == "resolved" &&
      std::ranges::none_of(sent_openings, [&](const storage::Notification& o) {
        return o.subscription == n.subscription && o.event == "opened" &&
               o.state == storage::DeliveryState::sent;
      })) {
    return "its opening was never notified";
  }
  return "";
}

// A channel that throws (out of memory, a library's exception) is a failed attempt, not a dead
// notifier thread.
Result<void> deliver_guarded(const Subscription& s, const storage::Notification& n,
                             const Sender& sender, const std::atomic<bool>& abort) {
  try {
    return deliver(s, n, sender, abort);
  } catch (const std::exception& e) {
    return fail(fmt::format("the channel failed: {}", e.what()));
  }
}

}  // namespace

Notifier::Notifier(std::unique_ptr<storage::Storage> db, Sender sender,
                   std::vector<Subscription> subscriptions, Report report)
    : db_(std::move(db)),
      sender_(std::move(sender)),
      report_(std::move(report)),
      subscriptions_(std::move(subscriptions)) {
  thread_ = std::thread([this] { run(); });
}

Notifier::~Notifier() {
  stop();
}

void Notifier::set_subscriptions(std::vector<Subscription> subscriptions) {
  const std::lock_guard lock(mutex_);
  subscriptions_ = std::move(subscriptions);
}

void Notifier::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  abort_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kPoll, [this] { return stopping_; });
      if (stopping_) return;
    }
    try {
      round();
    } catch (const std::exception& e) {
      report_(EventId::database_error, fmt::format("The notifier failed: {}", e.what()), {});
    }
  }
}

// One due row at a time, each read just before its attempt: the alert's state and the lease
// are as fresh as they can be when a slow channel delayed the rows after it.
void Notifier::round() {
  std::vector<Subscription> subscriptions;
  {
    const std::lock_guard lock(mutex_);
    subscriptions = subscriptions_;
  }
  for (std::size_t i = 0; i < kBatch && !abort_; ++i) {
    if (!deliver_next(subscriptions)) return;
  }
}

bool Notifier::deliver_next(const std::vector<Subscription>& subscriptions) {
  auto due = db_->due_notifications(std::string(kAlertLease), sender_.server, Clock::now(), 1);
  if (!due) {
    report_(EventId::database_error,
            "The notification outbox could not be read: " + due.error().describe(), {});
    return false;
  }
  if (!*due || (*due)->empty()) return false;  // nothing due, or another server delivers
  return attempt((*due)->front(), subscriptions);
}

bool Notifier::attempt(const storage::Notification& n,
                       const std::vector<Subscription>& subscriptions) {
  const auto now = Clock::now();
  storage::Delivery d{n.id, storage::DeliveryState::sent, "", now, now, std::nullopt};
  const auto s =
      std::ranges::find_if(subscriptions, [&](const auto& x) { return x.name == n.subscription; });
  std::string cancel;
  if (s == subscriptions.end()) {
    cancel = "its subscription is no longer configured";
  } else {
    std::vector<storage::Notification> sent;
    if (n.event == "resolved") {
      auto rows = db_->notifications(n.alert_id, 1000);
      if (!rows) {  // the row stays due; the round ends rather than read it again at once
        report_(EventId::database_error, rows.error().describe(), {});
        return false;
      }
      sent = std::move(*rows);
    }
    cancel = cancelled_because(n, sent);
  }
  const nlohmann::json fields{
      {"alert", n.alert_id}, {"subscription", n.subscription}, {"notification", n.event}};
  if (!cancel.empty()) {
    d.state = storage::DeliveryState::cancelled;
    d.error = cancel;
  } else if (auto sent = deliver_guarded(*s, n, sender_, abort_); abort_) {
    return false;  // stopping: the row stays due, for this server's next start or the next holder
  } else if (sent) {
    if ((n.event == "opened" || n.event == "repeat") && s->repeat_s > 0) {
      d.follow_up = storage::NotifyRequest{s->name, "repeat", n.seq + 1,
                                           now + std::chrono::seconds(s->repeat_s)};
    }
    report_(EventId::notification_sent,
            fmt::format("Notified {} ({}) of alert {} ({} {} on {}): {}.", s->name,
                        channel_name(s->channel), n.alert_id, n.event, n.alert.monitor,
                        n.alert.computer, n.alert.summary),
            fields);
  } else {
    d.error = sent.error().describe();
    const bool last = n.attempts + 1 >= s->max_attempts;
    d.state = last ? storage::DeliveryState::failed : storage::DeliveryState::pending;
    d.retry_at = now + backoff(n.attempts + 1);
    report_(
        last ? EventId::notification_given_up : EventId::notification_failed,
        fmt::format("Notifying {} ({}) of alert {} failed (attempt {} of {}){}: {}", s->name,
                    channel_name(s->channel), n.alert_id, n.attempts + 1, s->max_attempts,
                    last ? "; giving up" : fmt::format("; retrying at {}", format_utc(d.retry_at)),
                    d.error),
        fields);
  }
  if (auto recorded = db_->record_delivery(d); !recorded) {
    report_(EventId::database_error,
            "A notification's delivery could not be recorded: " + recorded.error().describe(),
            fields);
    return false;  // not again in this round: it would be sent again at once
  }
  return true;
}

}  // namespace outpost::alerts
