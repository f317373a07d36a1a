#pragma once
// A first-come, first-served limit on how many large response bodies are written at once.
// With one request thread per connection, 64 downloads of a 4 MB model on 2 cores all wrote into
// their sockets at the same time; the scheduler shared the cores unevenly, so some connections
// starved (p99 1.1-1.3 s, some over 2 s, while the median was 50 ms). Letting a few bodies be
// written at a time, in arrival order, makes each finish in turn instead (docs/benchmarks.md,
// "Registry downloads"). A client that stops reading could hold a slot until the socket's write
// timeout, so a waiter waits at most `max_wait` and then writes without one.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace aiotops::registry {

class SendGate {
 public:
  // Admits `slots` (at least 1) writers at once; a waiter gives up waiting after `max_wait`.
  SendGate(size_t slots, std::chrono::milliseconds max_wait);
  SendGate(const SendGate&) = delete;
  SendGate& operator=(const SendGate&) = delete;

  // A slot held until destruction (or none, when the wait timed out). Move-only.
  class Pass {
   public:
    Pass() = default;
    Pass(Pass&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Pass& operator=(Pass&&) = delete;
    Pass(const Pass&) = delete;
    ~Pass();
    // Whether this pass holds a slot (false after a timed-out wait).
    bool holds_slot() const { return gate_ != nullptr; }

   private:
    friend class SendGate;
    explicit Pass(SendGate* gate) : gate_(gate) {}
    SendGate* gate_ = nullptr;
  };

  // Waits until a slot is free and every earlier waiter has been served, or at most max_wait.
  // Thread-safe; allocates nothing.
  Pass enter();
  // Threads waiting in enter() now. Thread-safe.
  size_t waiting();

 private:
  // A thread waiting in enter(), on its own stack: a FIFO list, woken one at a time.
  struct Waiter {
    std::condition_variable woken;
    bool granted = false;
    Waiter* next = nullptr;
  };
  void leave();
  void unlink(Waiter* waiter);

  const size_t slots_;
  const std::chrono::milliseconds max_wait_;
  std::mutex mutex_;
  size_t busy_ = 0;     // slots held
  size_t waiting_ = 0;  // length of the list
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace aiotops::registry
