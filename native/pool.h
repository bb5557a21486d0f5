// A small persistent thread pool: run(fn) calls fn(0..size()-1) in parallel, one part
// per thread with the calling thread taking part 0, and returns when all are done.
// runDynamic(fn) is for work that threads claim from a shared counter: the caller runs
// fn(0) and only waits for the workers that joined before it finished, so a worker the
// OS has not scheduled (2 cores shared with other processes) never stalls the caller.
// parallelFor builds on it for ranges of independent items.
//
// Workers spin for a short while after each job before they sleep on a condition
// variable: training issues kernels microseconds apart, and a futex wake-up costs tens
// of microseconds here (more than a whole small GEMM), while a spinning worker starts
// in well under one.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace myelin {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins while pred() holds, yielding the core once the wait gets long.
template <typename P>
inline void spinWhile(P&& pred) {
  for (unsigned spins = 0; pred(); spins++) {
    if (spins < 8192) cpuRelax();
    else std::this_thread::yield();
  }
}

class Pool {
 public:
  // How long an idle worker spins before it sleeps.
  static constexpr std::chrono::microseconds kSpin{100};

  ~Pool() { resize(0); }

  int size() const { return (int)workers_.size() + 1; }

  // Number of threads including the caller (>= 1).
  void resize(int threads) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_.store(false);
    // New workers start from the current job, so they never mistake it for a pending one.
    const uint64_t gen = state_.load() >> 32;
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, i, gen] { loop(i, gen); });
  }

  void run(const std::function<void(int)>& fn) { dispatch(fn, false); }
  void runDynamic(const std::function<void(int)>& fn) { dispatch(fn, true); }

  // Runs fn(i0, i1) over [0, n) cut into `parts` contiguous pieces (inner boundaries are
  // multiples of `align`) that the threads claim from a counter. For independent items
  // only (each is computed the same whoever takes it). Unlike a static split per thread,
  // the caller never waits for a worker the OS has not scheduled (on 2 cores, V8's GC
  // threads often hold the other one): it runs the remaining pieces itself.
  template <typename F>
  void parallelFor(int64_t n, int parts, int64_t align, F&& fn) {
    if (workers_.empty() || parts <= 1 || n <= align) {
      if (n > 0) fn(int64_t(0), n);
      return;
    }
    const auto cut = [&](int p) -> int64_t { return p >= parts ? n : n * p / parts / align * align; };
    std::atomic<int> next{0};
    runDynamic([&](int) {
      for (int p; (p = next.fetch_add(1, std::memory_order_relaxed)) < parts;) {
        const int64_t a = cut(p), b = cut(p + 1);
        if (a < b) fn(a, b);
      }
    });
  }

  // Pieces for parallelFor: a few per thread, so a late worker still finds work.
  int pieces(int64_t n) const { return (int)std::min<int64_t>(n, 4 * (int64_t)size()); }

  // fn(i0, i1) over [0, n) items that cost `work` in all: on the calling thread below
  // 2^16 units (waking a worker costs more), else through parallelFor.
  template <typename F>
  void splitItems(int n, double work, F&& fn) {
    if (workers_.empty() || n < 2 || work < (1 << 16)) {
      fn(0, n);
      return;
    }
    parallelFor(n, pieces(n), 1, [&](int64_t a, int64_t b) { fn((int)a, (int)b); });
  }

 private:
  // state_: job generation in the high 32 bits, workers that joined it in the low 31,
  // and kClosed once the caller stops admitting workers to it.
  static constexpr uint64_t kClosed = uint64_t(1) << 31;
  static constexpr uint64_t kCount = kClosed - 1;

  void dispatch(const std::function<void(int)>& fn, bool dynamic) {
    if (workers_.empty()) {
      fn(0);
      return;
    }
    job_ = &fn;
    finished_.store(0, std::memory_order_relaxed);
    const uint64_t gen = (state_.load(std::memory_order_relaxed) >> 32) + 1;
    state_.store(gen << 32, std::memory_order_seq_cst);
    // A sleeper re-checks the state under the mutex after announcing itself, so either
    // it sees the new job or we see it and wake it.
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> lk(mu_); }
      cv_.notify_all();
    }
    fn(0);
    uint64_t joined = (uint64_t)workers_.size();
    if (dynamic) {
      joined = state_.fetch_or(kClosed, std::memory_order_acq_rel) & kCount;
    } else {
      spinWhile([&] { return (state_.load(std::memory_order_acquire) & kCount) < joined; });
    }
    spinWhile([&] { return (uint64_t)finished_.load(std::memory_order_acquire) < joined; });
    job_ = nullptr;
  }

  void loop(int index, uint64_t seen) {
    for (;;) {
      // Spin, then sleep, until a newer job (or stop) is published.
      const auto until = std::chrono::steady_clock::now() + kSpin;
      unsigned spins = 0;
      uint64_t s;
      while ((s = state_.load(std::memory_order_acquire)) >> 32 == seen && !stop_.load(std::memory_order_relaxed)) {
        cpuRelax();
        if (++spins % 64 == 0 && std::chrono::steady_clock::now() > until) {
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          {
            std::unique_lock<std::mutex> lk(mu_);
            cv_.wait(lk, [&] { return stop_.load() || state_.load() >> 32 != seen; });
          }
          sleepers_.fetch_sub(1, std::memory_order_relaxed);
        }
      }
      if (stop_.load()) return;
      seen = s >> 32;
      // Join the job unless the caller has closed it (or already published another).
      bool joined = false;
      while (!(s & kClosed) && s >> 32 == seen) {
        if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
          joined = true;
          break;
        }
      }
      if (!joined) continue;
      (*job_)(index);
      finished_.fetch_add(1, std::memory_order_release);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<uint64_t> state_{0};
  std::atomic<int> finished_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace myelin
