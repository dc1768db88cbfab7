#include "channel/refusal_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/logged_failure.hpp"
#include "pki/certificate.hpp"

namespace outpost::channel {
namespace {

// "127.0.0.5:40112" -> "127.0.0.5", "[::1]:40112" -> "::1"
std::string address_of(const std::string& remote) {
  if (remote.starts_with('[')) {
    const auto end = remote.find(']');
    return end == std::string::npos ? remote : remote.substr(1, end - 1);
  }
  const auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

// What the table keeps of a refusal during TLS or at accept: the certificate's CN is the only
// name known before the hello.
RefusalObservation observed(const net::Refusal& refusal, const std::string& source) {
  RefusalObservation o;
  o.key = RefusalKey{"", source, refusal.event, refusal.cause};
  o.reason = refusal.reason;
  if (refusal.presented && X509_up_ref(refusal.presented.get()) == 1) {
    const pki::Certificate certificate(pki::X509Ptr(refusal.presented.get()));
    o.key.identity = certificate.common_name();
    o.certificate = pki::presented(certificate);
  }
  return o;
}

void write_summary(EventLog& log, const RefusalSummary& s, std::chrono::seconds period) {
  nlohmann::json sources = nlohmann::json::object();
  std::string named;
  for (const auto& [source, count] : s.sources) {
    sources[source] = count;
    named += fmt::format("{}{} ({})", named.empty() ? "" : ", ", source, count);
  }
  if (s.other_sources > 0) {
    named += fmt::format("{}other sources ({})", named.empty() ? "" : ", ", s.other_sources);
  }
  const bool budget = s.kind == RefusalKind::budget;
  (void)log.write(
      budget ? EventId::preauth_budget_exceeded : EventId::refusals_summarized,
      fmt::format(
          "{} more connections were refused {} in the last {} s without a line each "
          "(rate limit per source address): {}",
          s.total,
          budget ? "before any TLS work, over the pre-authentication budget ([limits]: at accept, "
                   "or to make room),"
                 : "before admission",
          period.count(), named),
      {{"refused", s.total},
       {"sources", std::move(sources)},
       {"other_sources", s.other_sources},
       {"summary", true},
       {"period_s", period.count()}});
}

}  // namespace

struct RefusalLog::State {
  EventLog& log;
  RefusalTable& table;
  RefusalLimiter limiter;
  bool started = false;
};

RefusalLog::RefusalLog(EventLog& log, RefusalTable& table, LimiterSettings settings)
    : state_(std::make_shared<State>(State{log, table, RefusalLimiter(settings), false})) {}

void RefusalLog::write_summaries() {
  const auto period = state_->limiter.settings().summary_every;
  for (const auto& summary : state_->limiter.take_summaries(Clock::now())) {
    write_summary(state_->log, summary, period);
  }
}

void RefusalLog::start(const boost::asio::any_io_executor& executor) {
  if (state_->started) return;
  state_->started = true;
  namespace asio = boost::asio;
  asio::co_spawn(
      executor,
      [state = state_]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        const LimiterSettings& settings = state->limiter.settings();
        auto period = settings.summary_every;
        for (;;) {
          timer.expires_after(period);
          auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          const auto summaries = state->limiter.take_summaries(Clock::now());
          for (const auto& summary : summaries)
            write_summary(state->log, summary, period);
          // A flood that goes on is summarised less and less often; a quiet period resets it.
          period = summaries.empty() ? settings.summary_every
                                     : std::min(period * 2, std::max(settings.summary_every,
                                                                     settings.summary_every_max));
        }
      },
      log_failure(state_->log, EventId::refusals_summarized,
                  "The refusal summaries stopped; refusals beyond the first per source are no "
                  "longer counted (restart the service)"));
}

net::RefusalHandler RefusalLog::handler() {
  return [state = state_](const net::Refusal& refusal) {
    const bool budget = refusal.event == EventId::preauth_budget_exceeded;
    const std::string source = refusal.source.empty() ? address_of(refusal.remote) : refusal.source;
    state->table.record(observed(refusal, source), Clock::now());
    if (!state->limiter.admit(budget ? RefusalKind::budget : RefusalKind::refusal, source,
                              Clock::now())) {
      return;
    }
    if (budget) {
      (void)state->log.write(EventId::preauth_budget_exceeded,
                             fmt::format("A connection from {} was closed before any TLS work: {}",
                                         refusal.remote, refusal.reason),
                             {{"remote", refusal.remote}});
      return;
    }
    if (refusal.event == EventId::alpn_refused ||  // their own events: typed, not from text
        refusal.event == EventId::rogue_root_same_name) {
      (void)state->log.write(refusal.event,
                             fmt::format("A connection from {} was refused during TLS: {}",
                                         refusal.remote, refusal.reason),
                             {{"remote", refusal.remote}, {"cause", number(refusal.event)}});
      return;
    }
    (void)state->log.write(EventId::device_not_authenticated,
                           fmt::format("A device at {} attempted to connect but could not be "
                                       "authenticated, and was rejected (cause {}): {}",
                                       refusal.remote, number(refusal.event), refusal.reason),
                           {{"remote", refusal.remote}, {"cause", number(refusal.event)}});
  };
}

void RefusalLog::hello_refused(const std::string& remote, const HelloRefusal& refusal) {
  RefusalObservation observation = refusal.observed;
  observation.key.source = address_of(remote);
  state_->table.record(std::move(observation), Clock::now());
  // The peer passed TLS, so its certificate is one of ours: the key is the address and what it
  // was refused for, so that one computer's repeated refusal does not hide another's.
  std::string text = refusal.error.describe();
  std::string key = address_of(remote) + " " + text.substr(0, 120);
  if (!state_->limiter.admit(RefusalKind::refusal, key, Clock::now())) return;
  (void)state_->log.write(refusal.error.event, std::move(text), {{"remote", remote}});
}

}  // namespace outpost::channel
