// A gateway's refused connections on the wire (wire RefusalReport), converted in one place:
// the gateway sends its table's changed records in reports of at most kRefusalsPerReport, the
// management server reads them back as records of that gateway, every text bounded again.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/refusal.hpp"
#include "core/time.hpp"
#include "wire/frame.hpp"

namespace outpost::channel {

class RefusalTable;
class Session;

inline constexpr std::size_t kRefusalsPerReport = 200;
inline constexpr std::size_t kRefusalReportsPerTick = 5;  // so at most 1,000 records per tick
inline constexpr int kRefusalReportInterval = 5;          // seconds between a gateway's reports

[[nodiscard]] std::vector<wire::Envelope> refusal_reports(const std::vector<RefusalRecord>& records,
                                                          std::uint64_t dropped);

// Refused (event 30075) when the report holds more than kRefusalsPerReport records. What an
// approved gateway sends is still bounded: texts cleaned and cut, one record per key (the
// latest epoch, the larger count), counts clamped, times clamped to [1970, `now` + 1 day]
// (a certificate's dates to the clock's range).
[[nodiscard]] Result<std::vector<RefusalRecord>> refusals_of(const wire::RefusalReport& report,
                                                             const std::string& reporter,
                                                             TimePoint now);

// What a management server takes from each gateway's reports: at most kIntakePerWindow records
// per gateway per kRefusalReportInterval (twice what a gateway sends in one tick); beyond it a
// report is dropped, and said once per window. Pure (the time is passed in).
enum class Intake { store, drop, drop_and_say };
class RefusalIntake {
 public:
  static constexpr std::size_t kIntakePerWindow = 2 * kRefusalReportsPerTick * kRefusalsPerReport;

  [[nodiscard]] Intake admit(const std::string& gateway, std::size_t records, TimePoint now);

 private:
  struct Window {
    TimePoint start{};
    std::size_t taken = 0;
    bool said = false;
  };
  std::map<std::string, Window, std::less<>> windows_;  // one per gateway that reported
};

// The gateway's side: every `every`, the records of `table` that changed (at most
// kRefusalReportsPerTick reports; the rest at the next tick) go to the session `upstream` gives
// while it is open (kept for later while it is not). The daemon marks them all changed when a
// new upstream session comes up. Runs until its executor stops.
[[nodiscard]] boost::asio::awaitable<void> send_refusal_reports(
    RefusalTable& table, std::function<std::shared_ptr<Session>()> upstream, std::string reporter,
    std::chrono::seconds every);

}  // namespace outpost::channel
