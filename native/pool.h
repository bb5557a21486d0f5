// A small persistent thread pool. runDynamic(fn) is for work that threads claim from a
// shared counter: the caller runs fn(0) and only waits for the workers that joined
// before it finished, so a worker the OS has not scheduled (2 cores shared with other
// processes) never stalls the caller. parallelFor builds on it for ranges of
// independent items. Every kernel is written so that any number of participants
// (including the caller alone) computes the same bits.
//
// One pool serves the whole process, and every JavaScript thread (main, worker_threads)
// may call kernels at once. The pool runs one job at a time: a caller that finds it
// busy runs its job alone on its own thread instead of waiting (so concurrent callers
// partition the cores between them rather than queueing), and resize() waits for the
// running job. Each calling thread has its own thread limit (setNumThreads is
// per JavaScript thread, like the wasm backend's pool): the pool grows to the largest
// limit asked for and a job admits at most limit - 1 workers.
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

// The calling thread's limit on threads per job (0: no limit of its own); see Pool.
inline thread_local int tlsThreadLimit = 0;

class Pool {
 public:
  // How long an idle worker spins before it sleeps.
  static constexpr std::chrono::microseconds kSpin{100};

  ~Pool() { resize(0); }

  // Threads a job started by the calling thread may use, itself included (>= 1).
  int size() const {
    const int all = nWorkers_.load(std::memory_order_acquire) + 1;
    return tlsThreadLimit > 0 ? std::min(all, tlsThreadLimit) : all;
  }

  // Sets the calling thread's limit and grows the pool to it (it never shrinks: idle
  // workers sleep, and another thread may still want them).
  void setThreadLimit(int threads) {
    tlsThreadLimit = threads;
    if (threads - 1 > nWorkers_.load(std::memory_order_acquire)) resize(threads, true);
  }

  // Number of threads including the caller (>= 1); waits for the running job. With
  // growOnly, a pool another thread has grown meanwhile is left as it is.
  void resize(int threads, bool growOnly = false) {
    Lease lease(*this, true);
    if (growOnly && threads - 1 <= (int)workers_.size()) return;
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
    nWorkers_.store((int)workers_.size(), std::memory_order_release);
  }

  void runDynamic(const std::function<void(int)>& fn) {
    const int admit = size() - 1;
    if (admit <= 0) {
      fn(0);
      return;
    }
    Lease lease(*this, false);
    // Busy with another thread's job (or a job nested in our own): run alone.
    if (!lease.held || workers_.empty()) {
      fn(0);
      return;
    }
    dispatch(fn, std::min<int>(admit, (int)workers_.size()));
  }

  // Runs fn(i0, i1) over [0, n) cut into `parts` contiguous pieces (inner boundaries are
  // multiples of `align`) that the threads claim from a counter. For independent items
  // only (each is computed the same whoever takes it). Unlike a static split per thread,
  // the caller never waits for a worker the OS has not scheduled (on 2 cores, V8's GC
  // threads often hold the other one): it runs the remaining pieces itself.
  template <typename F>
  void parallelFor(int64_t n, int parts, int64_t align, F&& fn) {
    if (size() <= 1 || parts <= 1 || n <= align) {
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
    if (size() <= 1 || n < 2 || work < (1 << 16)) {
      fn(0, n);
      return;
    }
    parallelFor(n, pieces(n), 1, [&](int64_t a, int64_t b) { fn((int)a, (int)b); });
  }

 private:
  // Exclusive use of the pool's job slot (and of workers_): try-acquired by a job,
  // waited for by resize.
  struct Lease {
    Pool& p;
    bool held;
    Lease(Pool& pool, bool wait) : p(pool), held(false) {
      for (;;) {
        bool f = false;
        if (p.busy_.compare_exchange_strong(f, true, std::memory_order_acq_rel)) { held = true; return; }
        if (!wait) return;
        std::this_thread::yield();
      }
    }
    ~Lease() { if (held) p.busy_.store(false, std::memory_order_release); }
  };

  // state_: job generation in the high 32 bits, workers that joined it in the low 31,
  // and kClosed once the caller stops admitting workers to it.
  static constexpr uint64_t kClosed = uint64_t(1) << 31;
  static constexpr uint64_t kCount = kClosed - 1;

  // Runs fn on the caller and on up to `admit` workers (the caller holds the lease).
  void dispatch(const std::function<void(int)>& fn, int admit) {
    job_ = &fn;
    maxJoin_.store((uint64_t)admit, std::memory_order_relaxed);
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
    const uint64_t joined = state_.fetch_or(kClosed, std::memory_order_acq_rel) & kCount;
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
      while (!(s & kClosed) && s >> 32 == seen && (s & kCount) < maxJoin_.load(std::memory_order_relaxed)) {
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
  std::atomic<bool> busy_{false};
  std::atomic<int> nWorkers_{0};
  std::atomic<uint64_t> maxJoin_{0};
};

}  // namespace myelin
