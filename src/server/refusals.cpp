// Refused connections on a management server: its own listener's (written at each housekeeping
// tick) and each gateway's reports, stored per reporting node with the same bound as a node's
// table ([limits] refusal_records), so `outpost refusals` sees the whole group's.
#include <algorithm>

#include <fmt/format.h>

#include "channel/refusal_report.hpp"
#include "server/management_server.hpp"

namespace outpost::server {

void ManagementServer::on_refusal_report(const std::shared_ptr<channel::Session>& gateway,
                                         const wire::RefusalReport& report) {
  const std::string& reporter = gateway->peer().fqdn;
  const TimePoint now = Clock::now();
  auto records = channel::refusals_of(report, reporter, now);
  if (!records) {
    (void)log_.write(records.error().event, records.error().describe(), {{"peer", reporter}});
    return;
  }
  switch (refusal_intake_.admit(reporter, records->size(), now)) {
    case channel::Intake::store:
      break;
    case channel::Intake::drop_and_say:
      (void)log_.write(
          EventId::refusal_report_refused,
          fmt::format("Gateway {} sent more than {} refused-connection records within {} s; its "
                      "reports are dropped until the {} s are over",
                      reporter, channel::RefusalIntake::kIntakePerWindow,
                      channel::kRefusalReportInterval, channel::kRefusalReportInterval),
          {{"peer", reporter}});
      return;
    case channel::Intake::drop:
      return;
  }
  const std::uint64_t dropped = std::min<std::uint64_t>(report.dropped(), std::uint64_t{1} << 62);
  auto stored = storage_->record_refusals(
      reporter, *records, dropped, static_cast<std::size_t>(node_->config().refusal_records));
  if (!stored) (void)log_.write(EventId::database_error, stored.error().describe());
}

void ManagementServer::store_own_refusals() {
  channel::RefusalTable& table = listener_.refusals();
  const std::vector<RefusalRecord> changed = table.take_changed(node_->config().fqdn);
  if (changed.empty()) return;
  auto stored =
      storage_->record_refusals(node_->config().fqdn, changed, table.dropped(),
                                static_cast<std::size_t>(node_->config().refusal_records));
  if (!stored) {
    table.mark_all_changed();  // written again at the next tick
    (void)log_.write(EventId::database_error, stored.error().describe());
  }
}

}  // namespace outpost::server
