#include "ramp/allocator.h"

#include <sys/mman.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "ramp/error.h"

namespace ramp::memory {
namespace {

constexpr std::size_t kHugePage = std::size_t(2) << 20;
// Requests up to this size are served from a per-thread cache with no lock: the one-element
// tensors of a scalar-sized call must not pay a mutex.
constexpr std::size_t kSmallMax = std::size_t(64) << 10;
constexpr int kSmallClasses = 11;  // 64 B .. 64 KiB, powers of two
constexpr std::size_t kSmallPerClass = 64;

std::atomic<std::int64_t> g_allocated{0}, g_cached{0}, g_peak{0}, g_allocs{0}, g_hits{0};
std::atomic<std::size_t> g_limit{[] {
  const char* env = std::getenv("RAMP_CACHE_LIMIT_MB");
  return env ? std::size_t(std::strtoull(env, nullptr, 10)) << 20 : std::size_t(4) << 30;
}()};

// Bucket sizes: powers of two up to 64 KiB; above, four steps per power of two (at most 25%
// waste), and multiples of 2 MiB from 2 MiB on so huge pages tile the block.
std::size_t bucket_size(std::size_t n) {
  if (n <= kAlignment) return kAlignment;
  if (n <= kSmallMax) return std::size_t(1) << (64 - __builtin_clzll(n - 1));
  int hi = 63 - __builtin_clzll(n - 1);  // 2^hi < n <= 2^(hi+1)
  std::size_t step = std::size_t(1) << (hi - 2);
  std::size_t b = (n + step - 1) / step * step;
  if (b >= kHugePage) b = (b + kHugePage - 1) / kHugePage * kHugePage;
  return b;
}
int small_class(std::size_t bucket) { return 63 - __builtin_clzll(bucket) - 6; }

void add_allocated(std::int64_t delta) {
  std::int64_t now = g_allocated.fetch_add(delta, std::memory_order_relaxed) + delta;
  std::int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

// The small-block path keeps its statistics in per-thread counters and publishes them once they
// reach kPublish bytes: five atomic read-modify-writes per tensor were most of the cost of a
// one-element op. So the global figures may lag by up to kPublish bytes per thread.
constexpr std::int64_t kPublish = std::int64_t(1) << 20;
struct Pending {
  std::int64_t allocated = 0, cached = 0, allocs = 0, hits = 0;
  void publish() {
    if (allocated) add_allocated(allocated);
    g_cached.fetch_add(cached, std::memory_order_relaxed);
    g_allocs.fetch_add(allocs, std::memory_order_relaxed);
    g_hits.fetch_add(hits, std::memory_order_relaxed);
    allocated = cached = allocs = hits = 0;  // not `*this = {}`: that temporary's destructor publishes
  }
  void maybe_publish() {
    if (allocated >= kPublish || allocated <= -kPublish || cached >= kPublish || cached <= -kPublish) publish();
  }
  ~Pending() { publish(); }
};
thread_local Pending t_pending;

void* system_alloc(std::size_t b) {
  std::size_t align = b >= kHugePage ? kHugePage : kAlignment;
  void* p = std::aligned_alloc(align, b);
  if (!p) throw Error("ramp: out of memory (tried to allocate " + std::to_string(b) + " bytes)");
  if (b >= kHugePage) madvise(p, b, MADV_HUGEPAGE);
  return p;
}

// Set once this thread's cache is destroyed: tensors freed later (static objects at exit) go
// straight back to the system.
thread_local bool t_small_dead = false;
struct SmallCache {
  std::array<std::vector<void*>, kSmallClasses> free;
  ~SmallCache() {
    clear();
    t_small_dead = true;
  }
  void clear() {
    for (int c = 0; c < kSmallClasses; ++c) {
      for (void* p : free[c]) std::free(p);
      g_cached.fetch_sub(std::int64_t(free[c].size() * (kAlignment << c)), std::memory_order_relaxed);
      free[c].clear();
    }
  }
};
thread_local SmallCache t_small;

struct LargeCache {
  std::mutex mu;
  std::multimap<std::size_t, void*> free;  // bucket size -> block
};
LargeCache& large() {
  static LargeCache* c = new LargeCache;  // never destroyed: tensors may outlive static teardown
  return *c;
}

}  // namespace

void* allocate(std::size_t nbytes) {
  std::size_t b = bucket_size(nbytes);
  if (b <= kSmallMax && !t_small_dead) {
    auto& pend = t_pending;
    pend.allocated += std::int64_t(b);
    ++pend.allocs;
    auto& list = t_small.free[small_class(b)];
    void* p;
    if (!list.empty()) {
      p = list.back();
      list.pop_back();
      pend.cached -= std::int64_t(b);
      ++pend.hits;
    } else {
      p = system_alloc(b);
    }
    pend.maybe_publish();
    return p;
  }
  add_allocated(std::int64_t(b));
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  {
    auto& c = large();
    std::lock_guard lock(c.mu);
    auto it = c.free.find(b);
    if (it != c.free.end()) {
      void* p = it->second;
      c.free.erase(it);
      g_cached.fetch_sub(std::int64_t(b), std::memory_order_relaxed);
      g_hits.fetch_add(1, std::memory_order_relaxed);
      return p;
    }
  }
  return system_alloc(b);
}

void deallocate(void* ptr, std::size_t nbytes) {
  if (!ptr) return;
  std::size_t b = bucket_size(nbytes);
  if (b <= kSmallMax && !t_small_dead) {
    auto& pend = t_pending;
    pend.allocated -= std::int64_t(b);
    auto& list = t_small.free[small_class(b)];
    if (list.size() < kSmallPerClass && g_limit.load(std::memory_order_relaxed) > 0) {
      list.push_back(ptr);
      pend.cached += std::int64_t(b);
    } else {
      std::free(ptr);
    }
    pend.maybe_publish();
    return;
  }
  g_allocated.fetch_sub(std::int64_t(b), std::memory_order_relaxed);
  if (b <= kSmallMax || std::size_t(g_cached.load(std::memory_order_relaxed)) + b > g_limit.load()) {
    std::free(ptr);
    return;
  }
  auto& c = large();
  std::lock_guard lock(c.mu);
  c.free.emplace(b, ptr);
  g_cached.fetch_add(std::int64_t(b), std::memory_order_relaxed);
}

Stats stats() {
  if (!t_small_dead) t_pending.publish();
  return {g_allocated.load(), g_cached.load(), g_peak.load(), g_allocs.load(), g_hits.load()};
}

void reset_peak_stats() { g_peak.store(g_allocated.load()); }

void empty_cache() {
  if (!t_small_dead) t_small.clear();
  auto& c = large();
  std::lock_guard lock(c.mu);
  for (auto& [b, p] : c.free) {
    std::free(p);
    g_cached.fetch_sub(std::int64_t(b), std::memory_order_relaxed);
  }
  c.free.clear();
}

void set_cache_limit(std::size_t bytes) {
  g_limit.store(bytes);
  if (bytes == 0) empty_cache();
}

}  // namespace ramp::memory
