// The caching CPU allocator. Every tensor's memory comes from here.
//
// Why: a fresh `malloc` of 64 MB hands back pages the kernel has not mapped yet, and the first
// write to each page faults (and zeroes it); on 16M floats that is most of an out-of-place relu's
// time. Freed blocks are kept in size buckets and handed back to the next request of that bucket,
// so a training loop that allocates the same shapes every step touches warm, mapped pages.
// Blocks of 2 MiB and more are 2 MiB-aligned and advised for transparent huge pages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ramp::memory {

inline constexpr std::size_t kAlignment = 64;

// 64-byte aligned, never null (throws ramp::Error when the system is out of memory).
void* allocate(std::size_t nbytes);
void deallocate(void* ptr, std::size_t nbytes);

struct Stats {
  std::int64_t allocated = 0;       // bytes in live blocks (bucket-rounded)
  std::int64_t cached = 0;          // bytes in freed blocks kept for reuse
  std::int64_t peak_allocated = 0;  // high-water mark of `allocated` since the last reset
  std::int64_t num_allocs = 0;      // allocate() calls
  std::int64_t cache_hits = 0;      // of those, served from the cache
};
Stats stats();
void reset_peak_stats();
// Returns every cached block to the system (the calling thread's small-block cache and the
// shared large-block cache).
void empty_cache();
// Upper bound on cached bytes (default 4 GiB, or $RAMP_CACHE_LIMIT_MB); 0 disables caching.
void set_cache_limit(std::size_t bytes);

}  // namespace ramp::memory
