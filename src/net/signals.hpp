// A daemon's signals: SIGINT and SIGTERM stop it (once), SIGHUP asks it to reload (every time).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>

namespace outpost::net {

class SignalWatch {
 public:
  SignalWatch(boost::asio::io_context& io, std::function<void(int)> stop,
              std::function<void()> reload);

 private:
  void arm_reload();

  boost::asio::signal_set stop_signals_;
  boost::asio::signal_set reload_signal_;
  std::function<void(int)> stop_;
  std::function<void()> reload_;
};

}  // namespace outpost::net
