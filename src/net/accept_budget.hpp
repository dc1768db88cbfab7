// The pre-authentication budget of a listener: how many connections may be between accept and
// admission at once, in total and per source address. A connection over budget is refused right
// after accept, before any TLS work; one inside it holds a Slot until its handshake and hello end
// (admitted or refused), so a flood from one address cannot take the places of other computers.
// Used on one executor (the daemon's io_context thread); the counters feed `outpost status`.
#pragma once

#include <cstdint>
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
  std::uint64_t refused_total = 0;       // refused: all slots taken
  std::uint64_t refused_per_source = 0;  // refused: this address's slots taken
  std::uint64_t deadline_expired = 0;    // closed: no Welcome within handshake_timeout_s
};

enum class BudgetRefusal { total, per_source };

class AcceptBudget {
  struct State;

 public:
  // Released on destruction: the connection it stood for was admitted, refused or closed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept = default;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class AcceptBudget;
    Slot(std::shared_ptr<State> state, std::string source);
    void release();
    std::shared_ptr<State> state_;
    std::string source_;
  };

  explicit AcceptBudget(BudgetLimits limits);

  // A slot for a new connection from `source` (an address without port), or why not. A refusal
  // is counted here.
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
