#include "channel/refusal_report.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "channel/refusal_table.hpp"
#include "channel/session.hpp"

namespace outpost::channel {
namespace {

void fill(wire::RefusedConnection& out, const RefusalRecord& r) {
  const RefusalObservation& o = r.last;
  out.set_identity(o.key.identity);
  out.set_source(o.key.source);
  out.set_event_id(static_cast<std::uint32_t>(number(o.key.event)));
  out.set_cause(std::string(cause_name(o.key.cause)));
  out.set_reject_code(static_cast<std::uint32_t>(o.reject_code));
  out.set_role(o.role);
  out.set_management_group(o.management_group);
  out.set_reason(o.reason);
  out.set_cert_subject(o.certificate.subject);
  out.set_cert_issuer(o.certificate.issuer);
  out.set_cert_serial(o.certificate.serial);
  out.set_cert_sha256(o.certificate.sha256);
  if (!o.certificate.empty()) {
    out.set_cert_not_before_ms(unix_ms(o.certificate.not_before));
    out.set_cert_not_after_ms(unix_ms(o.certificate.not_after));
  }
  out.set_first_ms(unix_ms(r.first));
  out.set_latest_ms(unix_ms(r.latest));
  out.set_epoch_ms(unix_ms(r.epoch));
  out.set_count(r.count);
}

// Milliseconds since 1970 within [low, high].
TimePoint clamped(std::int64_t ms, std::int64_t low, std::int64_t high) {
  return from_unix_ms(std::clamp(ms, low, high));
}

RefusalRecord read(const wire::RefusedConnection& in, const std::string& reporter,
                   std::int64_t now_ms) {
  constexpr std::int64_t kClockEnd = 9'000'000'000'000;  // ms, year 2255: the clock's range
  const std::int64_t soon = now_ms + 24 * 3600 * 1000;
  RefusalRecord r;
  r.reporter = reporter;
  RefusalObservation& o = r.last;
  o.key = RefusalKey{in.identity(), in.source(), static_cast<EventId>(in.event_id()),
                     cause_from_name(in.cause())};
  o.reject_code = static_cast<int>(std::min<std::uint32_t>(in.reject_code(), 1000));
  o.role = in.role();
  o.management_group = in.management_group();
  o.reason = in.reason();
  o.certificate = PresentedCertificate{in.cert_subject(),
                                       in.cert_issuer(),
                                       in.cert_serial(),
                                       in.cert_sha256(),
                                       clamped(in.cert_not_before_ms(), -kClockEnd, kClockEnd),
                                       clamped(in.cert_not_after_ms(), -kClockEnd, kClockEnd)};
  bound_texts(o);
  r.first = clamped(in.first_ms(), 0, soon);
  r.latest = std::max(r.first, clamped(in.latest_ms(), 0, soon));
  r.epoch = clamped(in.epoch_ms(), 0, soon);
  r.count = std::min<std::uint64_t>(in.count(), std::uint64_t{1} << 40);
  return r;
}

}  // namespace

std::vector<wire::Envelope> refusal_reports(const std::vector<RefusalRecord>& records,
                                            std::uint64_t dropped) {
  std::vector<wire::Envelope> out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i % kRefusalsPerReport == 0) {
      out.emplace_back().mutable_refusal_report()->set_dropped(dropped);
    }
    fill(*out.back().mutable_refusal_report()->add_refusals(), records[i]);
  }
  return out;
}

Result<std::vector<RefusalRecord>> refusals_of(const wire::RefusalReport& report,
                                               const std::string& reporter, TimePoint now) {
  if (static_cast<std::size_t>(report.refusals_size()) > kRefusalsPerReport) {
    return fail(fmt::format("{} sent a report of {} refused connections; one report carries at "
                            "most {}",
                            reporter, report.refusals_size(), kRefusalsPerReport),
                "", EventId::refusal_report_refused);
  }
  std::map<RefusalKey, RefusalRecord> by_key;  // one record per key: a key twice adds nothing
  for (const auto& in : report.refusals()) {
    if (in.count() == 0) continue;  // nothing to add
    RefusalRecord r = read(in, reporter, unix_ms(now));
    auto [at, added] = by_key.try_emplace(r.last.key, r);
    if (!added && std::tie(r.epoch, r.count) > std::tie(at->second.epoch, at->second.count)) {
      at->second = std::move(r);
    }
  }
  std::vector<RefusalRecord> out;
  out.reserve(by_key.size());
  for (auto& [key, record] : by_key)
    out.push_back(std::move(record));
  return out;
}

Intake RefusalIntake::admit(const std::string& gateway, std::size_t records, TimePoint now) {
  Window& w = windows_[gateway];
  if (now - w.start >= std::chrono::seconds(kRefusalReportInterval) || now < w.start) {
    w = Window{now, 0, false};
  }
  if (w.taken + records <= kIntakePerWindow) {
    w.taken += records;
    return Intake::store;
  }
  if (w.said) return Intake::drop;
  w.said = true;
  return Intake::drop_and_say;
}

boost::asio::awaitable<void> send_refusal_reports(
    RefusalTable& table, std::function<std::shared_ptr<Session>()> upstream, std::string reporter,
    std::chrono::seconds every) {
  namespace asio = boost::asio;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(every);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const std::shared_ptr<Session> session = upstream();
    if (!session || !session->is_open()) continue;
    const auto changed = table.take_changed(reporter, kRefusalReportsPerTick * kRefusalsPerReport);
    for (auto& report : refusal_reports(changed, table.dropped())) {
      if (!session->send(std::move(report))) {  // not sent: all of them again next time
        table.mark_all_changed();
        break;
      }
    }
  }
}

}  // namespace outpost::channel
