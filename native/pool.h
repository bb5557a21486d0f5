// A small persistent thread pool: run(fn) calls fn(0..size()-1) in parallel, one part
// per thread with the calling thread taking part 0, and returns when all are done.
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace myelin {

class Pool {
 public:
  ~Pool() { resize(0); }

  int size() const { return (int)workers_.size() + 1; }

  // Number of threads including the caller (>= 1).
  void resize(int threads) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    // New workers must not mistake the last finished job for a pending one.
    const unsigned long gen = generation_;
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, i, gen] { loop(i, gen); });
  }

  void run(const std::function<void(int)>& fn) {
    if (workers_.empty()) {
      fn(0);
      return;
    }
    {
      std::unique_lock<std::mutex> lk(mu_);
      job_ = &fn;
      pending_ = (int)workers_.size();
      generation_++;
      cv_.notify_all();
    }
    fn(0);
    std::unique_lock<std::mutex> lk(mu_);
    done_.wait(lk, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(int index, unsigned long seen) {
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = job_;
      }
      (*job)(index);
      std::unique_lock<std::mutex> lk(mu_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int pending_ = 0;
  unsigned long generation_ = 0;
  bool stop_ = false;
};

}  // namespace myelin
