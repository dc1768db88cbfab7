// The accepting side's record of refused connections, the same for every daemon, bounded per
// source address (RefusalLimiter): a refusal during TLS is written as 20002 with its cause, one at
// accept (over the pre-authentication budget) as 30071, a refused hello as its own event; past
// the first few per source and interval they are only counted, and every `summary_every` one
// summary event per kind gives the counts (30070 for refusals, 30071 for the budget). Every
// refusal, logged or only counted, is also recorded in the node's RefusalTable.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "channel/hello.hpp"
#include "channel/refusal_limiter.hpp"
#include "channel/refusal_table.hpp"
#include "core/event_log.hpp"
#include "net/connect.hpp"

namespace outpost::channel {

class RefusalLog {
 public:
  RefusalLog(EventLog& log, RefusalTable& table, LimiterSettings settings = {});
  RefusalLog(const RefusalLog&) = delete;
  RefusalLog& operator=(const RefusalLog&) = delete;

  // Starts writing the summaries on `executor` (until the executor's context stops).
  void start(const boost::asio::any_io_executor& executor);

  // For net::accept_loop: refusals during TLS and at accept.
  [[nodiscard]] net::RefusalHandler handler();

  // A hello refused by the session handler (`error.event` is the event to log), from `remote`
  // (address:port as net::remote_text gives it).
  void hello_refused(const std::string& remote, const HelloRefusal& refusal);

  // Writes what is held back now (also done by the timer).
  void write_summaries();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace outpost::channel
