// What bench_activations.cpp and bench_autograd.cpp share: interleaved rounds, medians of per-round
// ratios, the 2-thread squeeze probe and retry, ramp-style splitting for the limits, the markdown
// formatting, and main()'s option parsing, header lines and closing targets table.
#pragma once

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
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ramp/tensor.h"

namespace bench {

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
  std::set<std::string> sections;
};
inline Options g_opt;

inline double median(std::vector<double> v) {
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
  // median over rounds of ns[a] / min(ns[b], ns[c]): against the faster of two limits in that round
  double ratio_min(std::size_t a, std::size_t b, std::size_t c) const {
    std::vector<double> r;
    for (std::size_t i = 0; i < ns[a].size(); ++i) r.push_back(ns[a][i] / std::min(ns[b][i], ns[c][i]));
    return median(r);
  }
};

// Each round runs every variant once (a sample of >= sample_ms), starting at a different variant.
inline Result measure(std::vector<Variant>& vs, int rounds = -1) {
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

// An empty 2-thread OpenMP region: what a parallel op pays before any work. On this VM it is a few
// µs while the two vCPUs run on two host cores, and milliseconds (a host time slice) while the host
// squeezes both onto one, because the waiting OpenMP thread spins. Timed beside every 2-thread case.
inline void fork_join() {
#pragma omp parallel num_threads(2)
  clobber();
}
inline double fork_join_probe() {
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
inline std::string squeezed(double fj_ns) { return fj_ns > kSqueezedNs ? " ⚠" : ""; }
inline std::string retried(int tries) { return tries > 1 ? " (try " + std::to_string(tries) + ")" : ""; }

// Measures a case whose last variant is fork_join; while the host squeezes the vCPUs in any round,
// waits 2 s and tries again (4 tries at most), so a squeeze of a few seconds does not spoil the row.
inline Result measure_2t(std::vector<Variant>& vs, int* tries) {
  Result r;
  for (*tries = 1;; ++*tries) {
    r = measure(vs);
    if (r.worst(vs.size() - 1) <= kSqueezedNs || *tries == 4) return r;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

inline void set_threads(int n) {
  ramp::set_num_threads(n);
  at::set_num_threads(n);
}

inline const bool kAvx512 = __builtin_cpu_supports("avx512f");

// Splits [0, n) like ramp's parallel_for for the limits: only when each thread gets >= 32768
// elements, on 64-element boundaries.
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

// ---- formatting ----

inline std::string fmt(const char* f, auto... a) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}
inline std::string fmt_time(double ns) {
  if (ns < 1e3) return fmt("%.1f ns", ns);
  if (ns < 1e6) return fmt("%.2f µs", ns / 1e3);
  return fmt("%.2f ms", ns / 1e6);
}
inline std::string fmt_ratio(double r) { return r >= 10 ? fmt("%.1f×", r) : fmt("%.2f×", r); }
inline std::string fmt_bytes(double b) {
  const double a = std::fabs(b);
  if (a < 1024) return fmt("%.0f B", b);
  if (a < 1024 * 1024) return fmt("%.1f KiB", b / 1024);
  return fmt("%.2f MiB", b / (1024.0 * 1024.0));
}

struct Target {
  std::string what, figure;
  bool met, valid;
};
inline std::vector<Target> g_targets;
// `valid` false: measured while the host squeezed the vCPUs (see fork_join), so neither met nor missed.
inline void target(std::string what, std::string figure, bool met, bool valid = true) {
  g_targets.push_back({std::move(what), std::move(figure), met, valid});
}
inline const char* mark(bool met) { return met ? "met" : "**missed**"; }

inline std::string torch_capability() {
  std::string cfg = at::show_config();
  auto at = cfg.find("CPU capability usage:");
  if (at == std::string::npos) return "unknown";
  auto b = at + std::strlen("CPU capability usage:");
  auto e = cfg.find('\n', b);
  std::string s = cfg.substr(b, e - b);
  s.erase(0, s.find_first_not_of(' '));
  return s;
}

inline std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// ---- inputs ----

inline ramp::Tensor ramp_normal(std::int64_t n, std::uint64_t seed, float scale = 1.0f) {
  ramp::Tensor t = ramp::empty({n});
  float* p = t.data<float>();
  std::mt19937_64 g(seed);
  std::normal_distribution<float> d(0.0f, scale);
  for (std::int64_t i = 0; i < n; ++i) p[i] = d(g);
  return t;
}
// A torch tensor over a ramp tensor's bytes (the same buffer for both sides).
inline torch::Tensor torch_view(const ramp::Tensor& t) {
  std::vector<std::int64_t> sizes(t.sizes().begin(), t.sizes().end());
  return torch::from_blob(t.data_ptr(), sizes, torch::kFloat32);
}

// ---- main() ----

// Splits "a,b,c" at the commas.
inline std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string v; std::getline(ss, v, ',');) out.push_back(v);
  return out;
}

// Reads --rounds N, --sample-ms M and --sections a,b,... into g_opt (set g_opt.sections to the
// defaults first). Any other argument goes to `own(arg, next)`, which takes the benchmark's own
// options (`next()` returns the option's value) and returns false for one it does not know. Returns
// -1 when main() should go on, else main()'s exit status after printing "usage: <argv[0]> <usage>":
// 0 for --help or -h, 2 otherwise. An option without its value exits with 2.
template <class Own>
int parse_options(int argc, char** argv, const char* usage, Own own) {
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
    } else if (a == "--sections") {
      g_opt.sections.clear();
      for (const std::string& s : split_commas(next())) g_opt.sections.insert(s);
    } else if (!own(a, next)) {
      std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  return -1;
}

// glibc serves a request above its mmap threshold (128 KiB at start) with fresh pages from mmap, and
// raises the threshold to the size of each such block freed, up to 32 MiB. Freeing one 24 MiB block
// first means PyTorch's blocks up to that size come from warm heap pages, as in a process that has run
// for a while, whatever order the sections run in: PyTorch's best case. Above 32 MiB (relu on 16M
// floats, 64 MiB blocks) every PyTorch block is fresh mmap'ed pages: its real cost.
inline void raise_mmap_threshold() {
  void* volatile block = std::malloc(std::size_t(24) << 20);  // volatile: the pair must not be elided
  std::free(block);
}

inline std::string env_or_unset(const char* k) {
  const char* v = std::getenv(k);
  return std::string(v ? v : "(unset)");
}

// The header's machine lines: CPU, cores, AVX-512 and kernel, and the variables that steer the kernels.
inline void print_machine() {
  utsname u{};
  uname(&u);
  std::printf("- CPU: %s, %d cores visible, AVX-512 %s; Linux %s\n", cpu_model().c_str(), omp_get_num_procs(),
              kAvx512 ? "yes" : "no", u.release);
  std::printf("- env: ATEN_CPU_CAPABILITY=%s OPENBLAS_NUM_THREADS=%s RAMP_ISA=%s OMP_NUM_THREADS=%s\n",
              env_or_unset("ATEN_CPU_CAPABILITY").c_str(), env_or_unset("OPENBLAS_NUM_THREADS").c_str(),
              env_or_unset("RAMP_ISA").c_str(), env_or_unset("OMP_NUM_THREADS").c_str());
}

// The header's method lines: rounds and samples, and the fork/join cost at start (then flushes);
// `squeeze_note` ends the explanation of the ⚠ mark.
inline void print_method(const char* squeeze_note = "") {
  std::printf(
      "- %d interleaved rounds per case, samples of ≥ %.1f ms; times are medians, ratios are medians of "
      "per-round ratios\n",
      g_opt.rounds, g_opt.sample_ms);
  std::printf(
      "- empty 2-thread OpenMP region (fork/join) at start: %s; 2-thread rows marked ⚠ had one above %s in "
      "some round (the host had squeezed both vCPUs onto one core%s)\n",
      fmt_time(fork_join_probe()).c_str(), fmt_time(kSqueezedNs).c_str(), squeeze_note);
  std::fflush(stdout);
}

// The end of the report: the targets table (if any) and the run's duration since `t0`.
inline void print_targets_and_time(const std::string& torch_cap, Clock::time_point t0) {
  if (!g_targets.empty()) {
    std::printf("\n### Targets (%s PyTorch)\n\n| target | measured | |\n|---|---:|---|\n", torch_cap.c_str());
    for (auto& t : g_targets)
      std::printf("| %s | %s | %s |\n", t.what.c_str(), t.figure.c_str(),
                  t.valid ? mark(t.met) : "not measured (⚠)");
  }
  std::printf("\n(run took %.1f s; fork/join at the end: %s)\n",
              std::chrono::duration<double>(Clock::now() - t0).count(), fmt_time(fork_join_probe()).c_str());
}

}  // namespace bench
