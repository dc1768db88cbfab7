// From an evaluation's findings to alert changes: an alert opens when a monitor leaves healthy,
// is updated (severity, summary, last seen, repeats) while the cause lasts, and resolves by
// itself when the monitor is healthy again. A computer in maintenance is left as it is. Each
// change carries the notifications the subscriptions ask for (written with it, one transaction).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "alerts/evaluate.hpp"
#include "storage/alerts.hpp"

namespace outpost::alerts {

// The node each computer is connected through (for subscriptions to a gateway's computers).
using Parents = std::map<std::string, std::string, std::less<>>;

// `active`: the alerts whose cause lasted at the last evaluation; `untouched`: computers whose
// alerts stay as they are (in maintenance). An alert that opens, or rises to critical, asks each
// subscription that wants it for an "opened" notification due after its delay (asking again
// adds nothing); one that resolves asks for "resolved" (sent only if "opened" was).
[[nodiscard]] std::vector<storage::AlertChange> plan_changes(
    const std::vector<storage::Alert>& active, const std::vector<Finding>& findings,
    const std::set<std::string>& untouched, const std::vector<Subscription>& subscriptions,
    const Parents& parents, TimePoint now);

}  // namespace outpost::alerts
