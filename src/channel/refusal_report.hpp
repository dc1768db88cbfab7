// A gateway's refused connections on the wire (wire RefusalReport), converted in one place:
// the gateway sends its table's changed records in reports of at most kRefusalsPerReport, the
// management server reads them back as records of that gateway, every text bounded again.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/refusal.hpp"
#include "wire/frame.hpp"

namespace outpost::channel {

class RefusalTable;
class Session;

inline constexpr std::size_t kRefusalsPerReport = 200;
inline constexpr int kRefusalReportInterval = 5;  // seconds between a gateway's reports

[[nodiscard]] std::vector<wire::Envelope> refusal_reports(const std::vector<RefusalRecord>& records,
                                                          std::uint64_t dropped);

// Refused (event 30075) when the report holds more than kRefusalsPerReport records.
[[nodiscard]] Result<std::vector<RefusalRecord>> refusals_of(const wire::RefusalReport& report,
                                                             const std::string& reporter);

// The gateway's side: every `every`, the records of `table` that changed go to the session
// `upstream` gives while it is open (kept for later while it is not). The daemon marks them all
// changed when a new upstream session comes up. Runs until its executor stops.
[[nodiscard]] boost::asio::awaitable<void> send_refusal_reports(
    RefusalTable& table, std::function<std::shared_ptr<Session>()> upstream, std::string reporter,
    std::chrono::seconds every);

}  // namespace outpost::channel
