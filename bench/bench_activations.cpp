// ramp vs PyTorch 1.13 (libtorch, C++) vs the physical limit, in one process on the same buffers.
//
//   ramp_bench [--sections relu,inplace,act,one,acc] [--sizes 1,1K,64K,1M,16M] [--rounds N] [--sample-ms M]
//
// Every timed case is a set of variants run interleaved: each round runs every variant once (one
// sample = enough calls to last --sample-ms), starting at a different variant each round. A time
// is the median over rounds of the per-call time; a ratio is the median over rounds of the ratio
// within the round, so a bandwidth swing that hits one round hits both sides of its ratio.
//
// The limits are what the bytes cost with no arithmetic: out-of-place is bounded by a copy of the
// same bytes into a preallocated buffer (memcpy, and a non-temporal-store copy, which skips the
// read-for-ownership of the destination), in-place by a read-modify-write pass. With 2 threads the
// limits are split the way ramp splits (chunks of >= 32768 elements, 64-element aligned).
//
// Accuracy: ramp (and PyTorch, for reference) against double-precision formulas written here,
// independently of ramp's formulas; ulps are counted in float32 steps from the correctly rounded
// float of the double result (0 = correctly rounded).
#include <immintrin.h>
#include <omp.h>
#include <sys/utsname.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ramp/functional.h"
#include "ramp/tensor.h"

namespace {

// ---------------------------------------------------------------------------------------------
// Timing

using Clock = std::chrono::steady_clock;

inline void clobber() { asm volatile("" ::: "memory"); }

struct Variant {
  std::string name;
  std::function<void(std::int64_t)> run;  // runs `reps` calls back to back
};

// The loop lives inside the lambda, so a call costs no std::function dispatch.
template <class F>
Variant variant(std::string name, F f) {
  return {std::move(name), [f](std::int64_t reps) mutable {
            for (std::int64_t r = 0; r < reps; ++r) {
              f();
              clobber();
            }
          }};
}

struct Options {
  int rounds = 25;
  double sample_ms = 2.0;
  std::set<std::string> sections{"relu", "inplace", "act", "one", "acc"};
};
Options g_opt;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Result {
  std::vector<std::vector<double>> ns;  // [variant][round] ns per call
  double time(std::size_t v) const { return median(ns[v]); }
  double worst(std::size_t v) const { return *std::max_element(ns[v].begin(), ns[v].end()); }
  // median over rounds of ns[a] / ns[b]
  double ratio(std::size_t a, std::size_t b) const {
    std::vector<double> r;
    for (std::size_t i = 0; i < ns[a].size(); ++i) r.push_back(ns[a][i] / ns[b][i]);
    return median(r);
  }
};

Result measure(std::vector<Variant>& vs, int rounds = -1) {
  if (rounds < 0) rounds = g_opt.rounds;
  const double target_ns = g_opt.sample_ms * 1e6;
  std::vector<std::int64_t> reps(vs.size());
  for (std::size_t v = 0; v < vs.size(); ++v) {
    vs[v].run(2);  // warm-up: page in buffers, fill caches, start threads
    double best = 1e300;
    std::int64_t k = 1;
    for (int t = 0; t < 5; ++t) {  // grow k until one timing lasts long enough to trust
      auto t0 = Clock::now();
      vs[v].run(k);
      double dt = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
      best = std::min(best, dt / double(k));
      if (dt > 2e5) break;
      k *= 8;
    }
    reps[v] = std::max<std::int64_t>(1, std::int64_t(target_ns / std::max(best, 1.0)));
  }
  Result r;
  r.ns.assign(vs.size(), {});
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t j = 0; j < vs.size(); ++j) {
      std::size_t v = (std::size_t(round) + j) % vs.size();
      auto t0 = Clock::now();
      vs[v].run(reps[v]);
      double dt = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
      r.ns[v].push_back(dt / double(reps[v]));
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Limits: copy, streaming copy, read-modify-write (AVX-512 when the CPU has it)

const bool kAvx512 = __builtin_cpu_supports("avx512f");

// Splits [0, n) like ramp's parallel_for: only when each thread gets >= 32768 elements, on
// 64-element boundaries.
template <class F>
void split_like_ramp(std::int64_t n, int want, F f) {
  const std::int64_t threads = std::min<std::int64_t>(want, n / 32768);
  if (threads <= 1) {
    f(std::int64_t(0), n);
    return;
  }
  std::int64_t chunk = ((n + threads - 1) / threads + 63) / 64 * 64;
#pragma omp parallel num_threads(int(threads))
  {
    const std::int64_t b = std::int64_t(omp_get_thread_num()) * chunk, e = std::min(n, b + chunk);
    if (b < e) f(b, e);
  }
}

__attribute__((target("avx512f"))) void stream_copy_avx512(const float* __restrict x, float* __restrict y,
                                                           std::int64_t n) {
  std::int64_t i = 0;
  for (; i < n && (reinterpret_cast<std::uintptr_t>(y + i) & 63); ++i) y[i] = x[i];
  for (; i + 32 <= n; i += 32) {
    __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    _mm512_stream_ps(y + i, a);
    _mm512_stream_ps(y + i + 16, b);
  }
  for (; i < n; ++i) y[i] = x[i];
  _mm_sfence();
}

// x[i] = x[i] + 0: reads and writes every byte once.
__attribute__((target("avx512f"))) void rmw_avx512(float* __restrict x, std::int64_t n) {
  const __m512 z = _mm512_setzero_ps();
  std::int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
    _mm512_storeu_ps(x + i, _mm512_add_ps(a, z));
    _mm512_storeu_ps(x + i + 16, _mm512_add_ps(b, z));
  }
  if (i < n) {
    __mmask16 m = __mmask16((1u << std::min<std::int64_t>(16, n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, x + i), z));
    i += 16;
    if (i < n) {
      m = __mmask16((1u << (n - i)) - 1);
      _mm512_mask_storeu_ps(x + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, x + i), z));
    }
  }
}

void copy_limit(const float* x, float* y, std::int64_t n, int threads) {
  split_like_ramp(n, threads, [=](std::int64_t b, std::int64_t e) {
    std::memcpy(y + b, x + b, std::size_t(e - b) * sizeof(float));
  });
}
void stream_limit(const float* x, float* y, std::int64_t n, int threads) {
  split_like_ramp(n, threads, [=](std::int64_t b, std::int64_t e) {
    if (kAvx512)
      stream_copy_avx512(x + b, y + b, e - b);
    else
      std::memcpy(y + b, x + b, std::size_t(e - b) * sizeof(float));
  });
}
void rmw_limit(float* x, std::int64_t n, int threads) {
  split_like_ramp(n, threads, [=](std::int64_t b, std::int64_t e) {
    if (kAvx512) {
      rmw_avx512(x + b, e - b);
    } else {
      float* __restrict p = x + b;
      for (std::int64_t i = 0; i < e - b; ++i) p[i] = p[i] + 0.0f;
    }
  });
}

// An empty 2-thread OpenMP region: what a parallel op pays before any work. On this VM it is a few
// µs while the two vCPUs run on two host cores, and milliseconds (a host time slice) while the host
// squeezes both onto one, because the waiting OpenMP thread spins. Timed beside every 2-thread case.
void fork_join() {
#pragma omp parallel num_threads(2)
  clobber();
}
double fork_join_probe() {
  std::vector<double> t;
  for (int k = 0; k < 5; ++k) {
    auto t0 = Clock::now();
    for (int i = 0; i < 20; ++i) fork_join();
    t.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / 20);
  }
  return median(t);
}
// Rows whose fork/join cost says the host had squeezed the two vCPUs onto one core.
constexpr double kSqueezedNs = 200e3;
std::string squeezed(double fj_ns) { return fj_ns > kSqueezedNs ? " ⚠" : ""; }
std::string retried(int tries) { return tries > 1 ? " (try " + std::to_string(tries) + ")" : ""; }

// Measures a case whose last variant is fork_join; while the host squeezes the vCPUs in any round, waits
// 2 s and tries again (4 tries at most), so a squeeze of a few seconds does not spoil the row.
Result measure_2t(std::vector<Variant>& vs, int* tries) {
  Result r;
  for (*tries = 1;; ++*tries) {
    r = measure(vs);
    if (r.worst(vs.size() - 1) <= kSqueezedNs || *tries == 4) return r;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

void set_threads(int n) {
  ramp::set_num_threads(n);
  at::set_num_threads(n);
}

// ---------------------------------------------------------------------------------------------
// Formatting

std::string fmt(const char* f, auto... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}
std::string fmt_time(double ns) {
  if (ns < 1e3) return fmt("%.1f ns", ns);
  if (ns < 1e6) return fmt("%.2f µs", ns / 1e3);
  return fmt("%.2f ms", ns / 1e6);
}
std::string fmt_size(std::int64_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return fmt("%lldM", (long long)(n >> 20));
  if (n >= 1024 && n % 1024 == 0) return fmt("%lldK", (long long)(n >> 10));
  return fmt("%lld", (long long)n);
}
std::string fmt_ratio(double r) { return r >= 10 ? fmt("%.1f×", r) : fmt("%.2f×", r); }
// Bytes moved per second by a pass that reads n floats and writes n floats.
std::string fmt_gbs(std::int64_t n, double ns) { return fmt("%.1f", 2.0 * 4.0 * double(n) / ns); }

struct Target {
  std::string what, figure;
  bool met, valid;
};
std::vector<Target> g_targets;
// `valid` false: measured while the host squeezed the vCPUs (see fork_join), so neither met nor missed.
void target(std::string what, std::string figure, bool met, bool valid = true) {
  g_targets.push_back({std::move(what), std::move(figure), met, valid});
}
const char* mark(bool met) { return met ? "met" : "**missed**"; }

std::string torch_capability() {
  std::string cfg = at::show_config();
  auto at = cfg.find("CPU capability usage:");
  if (at == std::string::npos) return "unknown";
  auto b = at + std::strlen("CPU capability usage:");
  auto e = cfg.find('\n', b);
  std::string s = cfg.substr(b, e - b);
  s.erase(0, s.find_first_not_of(' '));
  return s;
}
std::string g_torch_cap;
std::string torch_label() { return "torch (" + g_torch_cap + ")"; }

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Inputs

ramp::Tensor ramp_normal(std::int64_t n, std::uint64_t seed, float scale = 1.0f) {
  ramp::Tensor t = ramp::empty({n});
  float* p = t.data<float>();
  std::mt19937_64 g(seed);
  std::normal_distribution<float> d(0.0f, scale);
  for (std::int64_t i = 0; i < n; ++i) p[i] = d(g);
  return t;
}
ramp::Tensor ramp_uniform(std::int64_t n, std::uint64_t seed, float lo, float hi) {
  ramp::Tensor t = ramp::empty({n});
  float* p = t.data<float>();
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (std::int64_t i = 0; i < n; ++i) p[i] = d(g);
  return t;
}
// A torch tensor over a ramp tensor's bytes (the same buffer for both sides).
torch::Tensor torch_view(const ramp::Tensor& t) {
  return torch::from_blob(t.data_ptr(), {t.numel()}, torch::kFloat32);
}

std::vector<std::int64_t> g_sizes{1, 1 << 10, 1 << 16, 1 << 20, 1 << 24};

// ---------------------------------------------------------------------------------------------
// relu, out of place: ramp::relu(x) (fresh output every call) vs torch::relu(x) vs copy

void bench_relu_out() {
  std::printf("\n### relu out of place: `ramp::relu(x)` vs `torch::relu(x)` vs copying the bytes\n\n");
  std::printf(
      "Each call allocates its output (ramp from its caching allocator, PyTorch from its own).\n"
      "Limits: `memcpy` and a non-temporal-store copy into a preallocated buffer. GB/s counts "
      "bytes read + written.\n\n");
  std::printf(
      "| n | thr | memcpy | NT copy | ramp::relu | torch::relu (%s) | ramp/memcpy | ramp/NT copy | "
      "torch/ramp | ramp GB/s | fork/join |\n",
      g_torch_cap.c_str());
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (std::int64_t n : g_sizes) {
    ramp::Tensor x = ramp_normal(n, 1);
    torch::Tensor tx = torch_view(x);
    // The copies' destination is ramp memory too (64-byte aligned, huge pages from 2 MiB on), paged in.
    ramp::Tensor dst = ramp::zeros({n});
    float* y = dst.data<float>();
    const float* xp = x.data<float>();
    for (int threads : {1, 2}) {
      set_threads(threads);
      std::vector<Variant> vs{
          variant("memcpy", [=] { copy_limit(xp, y, n, threads); }),
          variant("nt", [=] { stream_limit(xp, y, n, threads); }),
          variant("ramp", [&] { ramp::Tensor r = ramp::relu(x); }),
          variant("torch", [&] { torch::Tensor r = torch::relu(tx); }),
      };
      if (threads == 2) vs.push_back(variant("fork/join", fork_join));
      int tries = 1;
      Result r = threads == 2 ? measure_2t(vs, &tries) : measure(vs);
      double vs_copy = r.ratio(2, 0), vs_nt = r.ratio(2, 1), speedup = r.ratio(3, 2);
      // The median fork/join is shown; the row is marked when any round was squeezed (the spinning
      // OpenMP thread then also slows the single-threaded variants).
      double fj = threads == 2 ? r.time(4) : 0, fj_worst = threads == 2 ? r.worst(4) : 0;
      std::printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s%s |\n", fmt_size(n).c_str(),
                  threads, fmt_time(r.time(0)).c_str(), fmt_time(r.time(1)).c_str(),
                  fmt_time(r.time(2)).c_str(), fmt_time(r.time(3)).c_str(), fmt_ratio(vs_copy).c_str(),
                  fmt_ratio(vs_nt).c_str(), fmt_ratio(speedup).c_str(), fmt_gbs(n, r.time(2)).c_str(),
                  threads == 2 ? fmt_time(fj).c_str() : "–", (squeezed(fj_worst) + retried(tries)).c_str());
      std::fflush(stdout);
      if (n == (1 << 24) && threads == 2) {
        target("relu 16M, 2 thr: ≤ 1.1× copy limit (memcpy)", fmt_ratio(vs_copy) + squeezed(fj_worst),
               vs_copy <= 1.1, squeezed(fj_worst).empty());
        target("relu 16M, 2 thr: ≥ 5× faster than torch::relu", fmt_ratio(speedup) + squeezed(fj_worst),
               speedup >= 5, squeezed(fj_worst).empty());
      }
      if (n == (1 << 16) || n == (1 << 20)) {
        double thr = 1.0 / vs_copy;  // throughput relative to the copy
        target(fmt("relu %s, %d thr: ≥ 0.9× copy throughput", fmt_size(n).c_str(), threads),
               fmt("%.2f× (%s time)%s", thr, fmt_ratio(vs_copy).c_str(), squeezed(fj_worst).c_str()),
               thr >= 0.9, squeezed(fj_worst).empty());
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// relu_, in place: ramp::relu_(x) vs torch::relu_(x) vs a read-modify-write pass, one buffer

void bench_relu_inplace() {
  std::printf("\n### relu_ in place: `ramp::relu_(x)` vs `torch::relu_(x)` vs a read-modify-write pass\n\n");
  std::printf(
      "All three variants rewrite the same buffer. Limit: `x[i] = x[i] + 0` with AVX-512 loads "
      "and stores.\n\n");
  std::printf(
      "| n | thr | RMW | ramp::relu_ | torch::relu_ (%s) | ramp/RMW | torch/ramp | ramp GB/s | fork/join |\n",
      g_torch_cap.c_str());
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (std::int64_t n : g_sizes) {
    ramp::Tensor x = ramp_normal(n, 2);
    torch::Tensor tx = torch_view(x);
    float* xp = x.data<float>();
    for (int threads : {1, 2}) {
      set_threads(threads);
      std::vector<Variant> vs{
          variant("rmw", [=] { rmw_limit(xp, n, threads); }),
          variant("ramp", [&] { ramp::relu_(x); }),
          variant("torch", [&] { torch::relu_(tx); }),
      };
      if (threads == 2) vs.push_back(variant("fork/join", fork_join));
      int tries = 1;
      Result r = threads == 2 ? measure_2t(vs, &tries) : measure(vs);
      double vs_rmw = r.ratio(1, 0), speedup = r.ratio(2, 1);
      double fj = threads == 2 ? r.time(3) : 0, fj_worst = threads == 2 ? r.worst(3) : 0;
      std::printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s%s |\n", fmt_size(n).c_str(), threads,
                  fmt_time(r.time(0)).c_str(), fmt_time(r.time(1)).c_str(), fmt_time(r.time(2)).c_str(),
                  fmt_ratio(vs_rmw).c_str(), fmt_ratio(speedup).c_str(), fmt_gbs(n, r.time(1)).c_str(),
                  threads == 2 ? fmt_time(fj).c_str() : "–", (squeezed(fj_worst) + retried(tries)).c_str());
      std::fflush(stdout);
      if (n == (1 << 24))
        target(fmt("relu_ 16M, %d thr: ≤ 1.05× RMW limit", threads), fmt_ratio(vs_rmw) + squeezed(fj_worst),
               vs_rmw <= 1.05, squeezed(fj_worst).empty());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Other activations, 1M float32, 1 thread

void bench_activations() {
  const std::int64_t n = 1 << 20;
  set_threads(1);
  std::printf("\n### Activations, 1M float32, 1 thread: ramp vs PyTorch\n\n");
  std::printf(
      "Input uniform in [-10, 10]; both sides allocate their output. `memcpy` of the same bytes for "
      "scale.\n\n");
  std::printf("| op | memcpy | ramp | %s | torch/ramp | target | |\n", torch_label().c_str());
  std::printf("|---|---:|---:|---:|---:|---:|---|\n");
  ramp::Tensor x = ramp_uniform(n, 3, -10.0f, 10.0f);
  torch::Tensor tx = torch_view(x);
  const float* xp = x.data<float>();
  ramp::Tensor dst = ramp::zeros({n});
  float* y = dst.data<float>();

  struct Op {
    const char* name;
    std::function<ramp::Tensor(const ramp::Tensor&)> r;
    std::function<torch::Tensor(const torch::Tensor&)> t;
    double target;  // minimum speed-up over torch, 0: none
  };
  std::vector<Op> ops{
      {"sigmoid", [](auto& a) { return ramp::sigmoid(a); }, [](auto& a) { return torch::sigmoid(a); }, 3},
      {"silu", [](auto& a) { return ramp::silu(a); }, [](auto& a) { return torch::silu(a); }, 3},
      {"elu", [](auto& a) { return ramp::elu(a); }, [](auto& a) { return torch::elu(a); }, 3},
      {"tanh", [](auto& a) { return ramp::tanh(a); }, [](auto& a) { return torch::tanh(a); }, 6},
      {"gelu (erf)", [](auto& a) { return ramp::gelu(a); }, [](auto& a) { return torch::gelu(a); }, 1.3},
      {"gelu (tanh)", [](auto& a) { return ramp::gelu(a, {.approximate = "tanh"}); },
       [](auto& a) { return torch::gelu(a, "tanh"); }, 0},
      {"leaky_relu", [](auto& a) { return ramp::leaky_relu(a); },
       [](auto& a) { return torch::leaky_relu(a); }, 0},
      {"mish", [](auto& a) { return ramp::mish(a); }, [](auto& a) { return torch::mish(a); }, 0},
      {"softplus", [](auto& a) { return ramp::softplus(a); }, [](auto& a) { return torch::softplus(a); }, 0},
      {"hardswish", [](auto& a) { return ramp::hardswish(a); }, [](auto& a) { return torch::hardswish(a); },
       0},
      {"selu", [](auto& a) { return ramp::selu(a); }, [](auto& a) { return torch::selu(a); }, 0},
      {"celu", [](auto& a) { return ramp::celu(a); }, [](auto& a) { return torch::celu(a); }, 0},
  };
  for (auto& op : ops) {
    // The functors are called directly in the timed loop (no std::function per call).
    std::vector<Variant> vs{
        variant("memcpy", [=] { std::memcpy(y, xp, std::size_t(n) * sizeof(float)); }),
        variant("ramp", [&, f = op.r] { ramp::Tensor r = f(x); }),
        variant("torch", [&, f = op.t] { torch::Tensor r = f(tx); }),
    };
    Result r = measure(vs);
    double speedup = r.ratio(2, 1);
    std::string tgt = op.target > 0 ? fmt("≥ %.1f×", op.target) : "";
    std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", op.name, fmt_time(r.time(0)).c_str(),
                fmt_time(r.time(1)).c_str(), fmt_time(r.time(2)).c_str(), fmt_ratio(speedup).c_str(),
                tgt.c_str(), op.target > 0 ? mark(speedup >= op.target) : "");
    std::fflush(stdout);
    if (op.target > 0)
      target(fmt("%s 1M, 1 thr: ≥ %.1f× torch (%s)", op.name, op.target, g_torch_cap.c_str()),
             fmt_ratio(speedup), speedup >= op.target);
  }
}

// ---------------------------------------------------------------------------------------------
// One element: the fixed cost of a call

void bench_one_element() {
  set_threads(1);
  std::printf("\n### One element: ns per call from C++\n\n");
  std::printf("| call | ns/call | vs ramp |\n|---|---:|---:|\n");
  ramp::Tensor x = ramp::tensor({-0.5});
  ramp::Tensor xi = ramp::tensor({-0.5});
  torch::Tensor tx = torch_view(x), ti = torch_view(xi);
  std::vector<Variant> vs{
      variant("`ramp::relu(x)`", [&] { ramp::Tensor r = ramp::relu(x); }),
      variant("`torch::relu(x)`", [&] { torch::Tensor r = torch::relu(tx); }),
      variant("`torch::relu(x)` under `c10::InferenceMode`",
              [&] {
                c10::InferenceMode guard;
                torch::Tensor r = torch::relu(tx);
              }),
      variant("`ramp::relu_(x)`", [&] { ramp::relu_(xi); }),
      variant("`torch::relu_(x)`", [&] { torch::relu_(ti); }),
      variant("`ramp::sigmoid(x)`", [&] { ramp::Tensor r = ramp::sigmoid(x); }),
      variant("`torch::sigmoid(x)`", [&] { torch::Tensor r = torch::sigmoid(tx); }),
  };
  Result r = measure(vs);
  for (std::size_t v = 0; v < vs.size(); ++v)
    std::printf("| %s | %.1f | %s |\n", vs[v].name.c_str(), r.time(v),
                v == 0 ? "1" : fmt_ratio(r.ratio(v, 0)).c_str());
  target("one-element ramp::relu ≤ 50 ns", fmt("%.1f ns", r.time(0)), r.time(0) <= 50);
}

// ---------------------------------------------------------------------------------------------
// Accuracy against double formulas written here (not ramp's)

std::int64_t ordinal(float f) {
  std::int32_t i;
  std::memcpy(&i, &f, 4);
  return i < 0 ? -std::int64_t(i & 0x7fffffff) : std::int64_t(i);  // +0 and -0 are both 0
}

struct AccStats {
  std::int64_t max_ulp = 0;
  double max_ulp_x = 0;
  double max_abs = 0;
  std::int64_t nonfinite_mismatch = 0;  // NaN / inf where the formula says otherwise (or vice versa)
  double mismatch_x = 0;
};

// Over xs[begin, end): ulp distance to the correctly rounded double result, absolute error, and
// NaN/inf agreement (a NaN or infinite result must match exactly).
AccStats compare(const std::vector<float>& xs, const float* y, double (*ref)(double), std::size_t begin,
                 std::size_t end) {
  AccStats s;
  for (std::size_t i = begin; i < end; ++i) {
    double r = ref(double(xs[i]));
    float rf = float(r);  // correctly rounded (round to nearest)
    float yi = y[i];
    if (std::isnan(r) || std::isnan(yi) || std::isinf(rf) || std::isinf(yi)) {
      bool ok = (std::isnan(r) && std::isnan(yi)) || (!std::isnan(r) && yi == rf);
      if (!ok && !s.nonfinite_mismatch++) s.mismatch_x = xs[i];
      continue;
    }
    std::int64_t u = std::llabs(ordinal(yi) - ordinal(rf));
    if (u > s.max_ulp) {
      s.max_ulp = u;
      s.max_ulp_x = xs[i];
    }
    s.max_abs = std::max(s.max_abs, std::fabs(double(yi) - r));
  }
  return s;
}

// The double-precision formulas.
double d_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double d_silu(double x) { return x / (1.0 + std::exp(-x)); }
double d_elu(double x) { return x > 0 ? x : std::expm1(x); }  // alpha = 1 (celu with alpha = 1 too)
double d_tanh(double x) { return std::tanh(x); }
// 0.5 x (1 + erf(x / sqrt 2)) written with erfc so the negative tail keeps its digits.
double d_gelu(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
// 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3)
double d_gelu_tanh(double x) {
  double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
  return x / (1.0 + std::exp(-2.0 * u));
}
double d_softplus(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }  // beta 1, threshold 20
double d_mish(double x) { return x * std::tanh(std::log1p(std::exp(x))); }
double d_selu(double x) {
  const double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
  return scale * (x > 0 ? x : alpha * std::expm1(x));
}

// 2^20 points in [-20, 20] (half evenly spaced, half of log-uniform magnitude down to 1e-38, both
// signs), then the special points; returns the index where the special points start.
std::size_t accuracy_inputs(std::vector<float>& xs) {
  const std::int64_t half = 1 << 19;
  for (std::int64_t i = 0; i < half; ++i) xs.push_back(float(-20.0 + 40.0 * double(i) / double(half - 1)));
  std::mt19937_64 g(4);
  std::uniform_real_distribution<double> e(std::log(1e-38), std::log(20.0));
  for (std::int64_t i = 0; i < half; ++i) {
    float v = float(std::exp(e(g)));
    xs.push_back(i % 2 ? -v : v);
  }
  const std::size_t special = xs.size();
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (float s : {1.0f, -1.0f}) {
    for (float v : {0.0f,
                    std::numeric_limits<float>::denorm_min(),
                    1e-40f,
                    std::numeric_limits<float>::min(),
                    1e-30f,
                    1e-10f,
                    1e-7f,
                    1e-4f,
                    0.5f,
                    1.0f,
                    5.0f,
                    10.0f,
                    19.99f,
                    20.0f,
                    20.01f,
                    30.0f,
                    50.0f,
                    87.0f,
                    88.0f,
                    88.72f,
                    88.73f,
                    89.0f,
                    100.0f,
                    1e4f,
                    1e10f,
                    1e30f,
                    std::numeric_limits<float>::max(),
                    inf})
      xs.push_back(s * v);
  }
  xs.push_back(nan);
  return special;
}

std::string fmt_ulp(const AccStats& a) {
  return a.max_ulp > 999999 ? fmt("%.2g", double(a.max_ulp)) : fmt("%lld", (long long)a.max_ulp);
}

void bench_accuracy() {
  std::vector<float> xs;
  const std::size_t special = accuracy_inputs(xs);
  const auto n = std::int64_t(xs.size());
  std::printf("\n### Accuracy against double-precision formulas\n\n");
  std::printf(
      "%lld inputs in [-20, 20] (half evenly spaced, half of log-uniform magnitude in [1e-38, 20], both "
      "signs) and %lld special points (±0, subnormals, ±1e-7, ±20, ±88.72, ±100, ±FLT_MAX, ±inf, NaN). "
      "ulp = distance in float32 steps from the correctly rounded double result (0 = correctly rounded); "
      "`at x` is where the maximum is. \"non-finite\" counts NaN/inf results that differ from the "
      "formula's. PyTorch on the same inputs, for reference.\n\n",
      (long long)special, (long long)(n - std::int64_t(special)));
  std::printf(
      "| op | ramp max ulp [-20,20] | at x | ramp max abs err | ramp max ulp, specials | at x | non-finite "
      "| torch (%s) max ulp [-20,20] | at x | ≤ 4 ulp |\n",
      g_torch_cap.c_str());
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  ramp::Tensor x = ramp::empty({n});
  std::memcpy(x.data<float>(), xs.data(), xs.size() * sizeof(float));
  torch::Tensor tx = torch_view(x);
  set_threads(1);
  struct Op {
    const char* name;
    std::function<ramp::Tensor(const ramp::Tensor&)> r;
    std::function<torch::Tensor(const torch::Tensor&)> t;
    double (*ref)(double);
  };
  std::vector<Op> ops{
      {"sigmoid", [](auto& a) { return ramp::sigmoid(a); }, [](auto& a) { return torch::sigmoid(a); },
       d_sigmoid},
      {"silu", [](auto& a) { return ramp::silu(a); }, [](auto& a) { return torch::silu(a); }, d_silu},
      {"elu", [](auto& a) { return ramp::elu(a); }, [](auto& a) { return torch::elu(a); }, d_elu},
      {"tanh", [](auto& a) { return ramp::tanh(a); }, [](auto& a) { return torch::tanh(a); }, d_tanh},
      {"gelu (erf)", [](auto& a) { return ramp::gelu(a); }, [](auto& a) { return torch::gelu(a); }, d_gelu},
      {"gelu (tanh)", [](auto& a) { return ramp::gelu(a, {.approximate = "tanh"}); },
       [](auto& a) { return torch::gelu(a, "tanh"); }, d_gelu_tanh},
      {"mish", [](auto& a) { return ramp::mish(a); }, [](auto& a) { return torch::mish(a); }, d_mish},
      {"softplus", [](auto& a) { return ramp::softplus(a); }, [](auto& a) { return torch::softplus(a); },
       d_softplus},
      {"selu", [](auto& a) { return ramp::selu(a); }, [](auto& a) { return torch::selu(a); }, d_selu},
      {"celu", [](auto& a) { return ramp::celu(a); }, [](auto& a) { return torch::celu(a); }, d_elu},
  };
  for (auto& op : ops) {
    ramp::Tensor ry = op.r(x);
    torch::Tensor ty = op.t(tx).contiguous();
    const float* rp = ry.data<float>();
    AccStats a = compare(xs, rp, op.ref, 0, special);
    AccStats s = compare(xs, rp, op.ref, special, xs.size());
    AccStats b = compare(xs, ty.data_ptr<float>(), op.ref, 0, special);
    const std::int64_t nonfinite = a.nonfinite_mismatch + s.nonfinite_mismatch;
    std::string nf = nonfinite ? fmt("%lld (x = %g)", (long long)nonfinite,
                                     a.nonfinite_mismatch ? a.mismatch_x : s.mismatch_x)
                               : "0";
    bool ok = a.max_ulp <= 4 && nonfinite == 0;
    std::printf("| %s | %s | %.4g | %.2g | %s | %.4g | %s | %s | %.4g | %s |\n", op.name, fmt_ulp(a).c_str(),
                a.max_ulp_x, a.max_abs, fmt_ulp(s).c_str(), s.max_ulp_x, nf.c_str(), fmt_ulp(b).c_str(),
                b.max_ulp_x, mark(ok));
    target(fmt("%s within 4 ulp of the double formula on [-20, 20]", op.name),
           fmt("%s ulp at x = %.4g%s", fmt_ulp(a).c_str(), a.max_ulp_x,
               nonfinite ? ", non-finite mismatch" : ""),
           ok);
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rounds") {
      g_opt.rounds = std::max(1, std::atoi(next().c_str()));
    } else if (a == "--sample-ms") {
      g_opt.sample_ms = std::atof(next().c_str());
    } else if (a == "--sizes") {  // e.g. 1,1K,16M
      g_sizes.clear();
      std::stringstream ss(next());
      for (std::string v; std::getline(ss, v, ',');) {
        std::int64_t k = std::atoll(v.c_str());
        if (v.back() == 'K') k <<= 10;
        if (v.back() == 'M') k <<= 20;
        g_sizes.push_back(std::max<std::int64_t>(k, 1));
      }
    } else if (a == "--sections") {
      g_opt.sections.clear();
      std::stringstream ss(next());
      for (std::string s; std::getline(ss, s, ',');) g_opt.sections.insert(s);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--sections relu,inplace,act,one,acc] [--sizes 1,1K,64K,1M,16M] [--rounds N] "
                   "[--sample-ms M]\n",
                   argv[0]);
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  g_torch_cap = torch_capability();
  // glibc serves a request above its mmap threshold (128 KiB at start) with fresh pages from mmap,
  // and raises the threshold to the size of each such block freed, up to 32 MiB. Freeing one 24 MiB
  // block first means PyTorch's outputs up to that size come from warm heap pages, as in a process
  // that has run for a while, whatever order the sections run in: PyTorch's best case. Above 32 MiB
  // (relu on 16M floats) every PyTorch output is fresh mmap'ed pages: its real cost.
  void* volatile block = std::malloc(std::size_t(24) << 20);  // volatile: the pair must not be elided
  std::free(block);
  at::manual_seed(0);
  {  // first calls initialise PyTorch's dispatcher and thread pool; keep them out of the figures
    torch::Tensor t = torch::randn({1 << 16});
    for (int k = 0; k < 3; ++k) t = torch::relu(t) + torch::sigmoid(t);
  }
  auto env = [](const char* k) {
    const char* v = std::getenv(k);
    return std::string(v ? v : "(unset)");
  };
  utsname u{};
  uname(&u);
  std::printf("## ramp vs PyTorch %s (%s kernels)\n\n", TORCH_VERSION, g_torch_cap.c_str());
  std::printf("- CPU: %s, %d cores visible, AVX-512 %s; Linux %s\n", cpu_model().c_str(), omp_get_num_procs(),
              kAvx512 ? "yes" : "no", u.release);
  std::printf("- env: ATEN_CPU_CAPABILITY=%s OPENBLAS_NUM_THREADS=%s RAMP_ISA=%s OMP_NUM_THREADS=%s\n",
              env("ATEN_CPU_CAPABILITY").c_str(), env("OPENBLAS_NUM_THREADS").c_str(),
              env("RAMP_ISA").c_str(), env("OMP_NUM_THREADS").c_str());
  std::printf(
      "- %d interleaved rounds per case, samples of ≥ %.1f ms; times are medians, ratios are medians of "
      "per-round ratios\n",
      g_opt.rounds, g_opt.sample_ms);
  std::printf(
      "- empty 2-thread OpenMP region (fork/join) at start: %s; 2-thread rows marked ⚠ had one above %s "
      "in some round (the host had squeezed both vCPUs onto one core; those rows are not meaningful)\n",
      fmt_time(fork_join_probe()).c_str(), fmt_time(kSqueezedNs).c_str());
  std::fflush(stdout);

  auto t0 = Clock::now();
  if (g_opt.sections.count("relu")) bench_relu_out();
  if (g_opt.sections.count("inplace")) bench_relu_inplace();
  if (g_opt.sections.count("act")) bench_activations();
  if (g_opt.sections.count("one")) bench_one_element();
  if (g_opt.sections.count("acc")) bench_accuracy();

  if (!g_targets.empty()) {
    std::printf("\n### Targets (%s PyTorch)\n\n| target | measured | |\n|---|---:|---|\n",
                g_torch_cap.c_str());
    for (auto& t : g_targets)
      std::printf("| %s | %s | %s |\n", t.what.c_str(), t.figure.c_str(),
                  t.valid ? mark(t.met) : "not measured (⚠)");
  }
  std::printf("\n(run took %.1f s; fork/join at the end: %s)\n",
              std::chrono::duration<double>(Clock::now() - t0).count(), fmt_time(fork_join_probe()).c_str());
  return 0;
}
