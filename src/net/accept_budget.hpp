// The pre-authentication budget of a listener: how many connections may be between accept and
// admission at once, in total and per source address. A connection over the per-source cap is
// refused right after accept, before any TLS work; one inside the budget holds a Slot until its
// handshake and hello end (admitted or refused), so a flood from one address cannot take the
// places of other computers. When every place is taken, the oldest connection that has sent
// nothing yet (no ClientHello: what a junk connection holds) is closed to make room for the new
// one, so junk from many addresses cannot keep a computer that speaks TLS out: only when all
// places hold connections that are talking is the new one refused.
// Used on one executor (the daemon's io_context thread); the counters feed `outpost status`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace outpost::net {

struct BudgetLimits {
  int max_connections = 512;  // [limits] preauth_max_connections
  int max_per_source = 16;    // [limits] preauth_max_per_source
};

struct BudgetCounters {
  std::uint64_t in_progress = 0;         // connections holding a slot now
  std::uint64_t accepted = 0;            // connections given a slot since start
  std::uint64_t refused_total = 0;       // refused: all slots taken by talking connections
  std::uint64_t refused_per_source = 0;  // refused: this address's slots taken
  std::uint64_t deadline_expired = 0;    // closed: no Welcome within handshake_timeout_s
  std::uint64_t evicted_silent = 0;      // closed to make room: had sent nothing
};

enum class BudgetRefusal { total, per_source };

class AcceptBudget {
  struct State;
  struct Entry;

 public:
  // Released on destruction: the connection it stood for was admitted, refused or closed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept = default;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

    // While the connection has sent nothing, the budget may close it (`close`) to make room;
    // `silent` says whether that is still so (no byte waiting on the socket).
    void watch(std::function<bool()> silent, std::function<void()> close);
    // The connection sent its first bytes: it is never closed to make room.
    void talking();
    // Whether the budget closed this connection to make room.
    [[nodiscard]] bool evicted() const;

   private:
    friend class AcceptBudget;
    Slot(std::shared_ptr<State> state, std::shared_ptr<Entry> entry);
    void release();
    std::shared_ptr<State> state_;
    std::shared_ptr<Entry> entry_;
  };

  explicit AcceptBudget(BudgetLimits limits);

  // A slot for a new connection from `source` (an address without port), or why not. A refusal
  // is counted here; so is a silent connection closed to make room.
  struct Decision {
    std::optional<Slot> slot;
    BudgetRefusal refusal = BudgetRefusal::total;
  };
  [[nodiscard]] Decision admit(const std::string& source);

  // A connection whose slot is still held ran out of time.
  void note_deadline_expired();

  [[nodiscard]] BudgetCounters counters() const;
  [[nodiscard]] const BudgetLimits& limits() const;
  // Addresses holding slots now (for tests and status).
  [[nodiscard]] std::size_t sources_in_progress() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace outpost::net
