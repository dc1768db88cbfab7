#include "net/signals.hpp"

#include <csignal>

namespace outpost::net {

SignalWatch::SignalWatch(boost::asio::io_context& io, std::function<void(int)> stop,
                         std::function<void()> reload)
    : stop_signals_(io, SIGINT, SIGTERM),
      reload_signal_(io, SIGHUP),
      stop_(std::move(stop)),
      reload_(std::move(reload)) {
  stop_signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    boost::system::error_code ignored;
    reload_signal_.cancel(ignored);
    stop_(signal);
  });
  arm_reload();
}

void SignalWatch::arm_reload() {
  reload_signal_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reload_();
    arm_reload();
  });
}

}  // namespace outpost::net
