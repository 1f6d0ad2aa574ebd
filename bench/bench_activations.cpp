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
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bench_common.h"
#include "ramp/functional.h"
#include "ramp/tensor.h"

namespace {

using namespace bench;

// ---------------------------------------------------------------------------------------------
// Limits: copy, streaming copy, read-modify-write (AVX-512 when the CPU has it)

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

// ---------------------------------------------------------------------------------------------
// Formatting and inputs

std::string fmt_size(std::int64_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return fmt("%lldM", (long long)(n >> 20));
  if (n >= 1024 && n % 1024 == 0) return fmt("%lldK", (long long)(n >> 10));
  return fmt("%lld", (long long)n);
}
// Bytes moved per second by a pass that reads n floats and writes n floats.
std::string fmt_gbs(std::int64_t n, double ns) { return fmt("%.1f", 2.0 * 4.0 * double(n) / ns); }

std::string g_torch_cap;
std::string torch_label() { return "torch (" + g_torch_cap + ")"; }

ramp::Tensor ramp_uniform(std::int64_t n, std::uint64_t seed, float lo, float hi) {
  ramp::Tensor t = ramp::empty({n});
  float* p = t.data<float>();
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (std::int64_t i = 0; i < n; ++i) p[i] = d(g);
  return t;
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
  g_opt.sections = {"relu", "inplace", "act", "one", "acc"};
  const int status = parse_options(
      argc, argv,
      "[--sections relu,inplace,act,one,acc] [--sizes 1,1K,64K,1M,16M] [--rounds N] [--sample-ms M]",
      [](const std::string& a, auto& next) {
        if (a != "--sizes") return false;
        g_sizes.clear();
        for (const std::string& v : split_commas(next())) {  // e.g. 1,1K,16M
          if (v.empty()) continue;
          std::int64_t k = std::atoll(v.c_str());
          if (v.back() == 'K') k <<= 10;
          if (v.back() == 'M') k <<= 20;
          g_sizes.push_back(std::max<std::int64_t>(k, 1));
        }
        return true;
      });
  if (status >= 0) return status;
  g_torch_cap = torch_capability();
  raise_mmap_threshold();
  at::manual_seed(0);
  {  // first calls initialise PyTorch's dispatcher and thread pool; keep them out of the figures
    torch::Tensor t = torch::randn({1 << 16});
    for (int k = 0; k < 3; ++k) t = torch::relu(t) + torch::sigmoid(t);
  }
  std::printf("## ramp vs PyTorch %s (%s kernels)\n\n", TORCH_VERSION, g_torch_cap.c_str());
  print_machine();
  print_method("; those rows are not meaningful");

  auto t0 = Clock::now();
  if (g_opt.sections.count("relu")) bench_relu_out();
  if (g_opt.sections.count("inplace")) bench_relu_inplace();
  if (g_opt.sections.count("act")) bench_activations();
  if (g_opt.sections.count("one")) bench_one_element();
  if (g_opt.sections.count("acc")) bench_accuracy();

  print_targets_and_time(g_torch_cap, t0);
  return 0;
}
