// ramp's autograd vs PyTorch 1.13's (libtorch, C++) vs the memory-traffic limit, in one process.
//
//   ramp_bench_autograd [--sections relu,bwd,one,mlp,softmax,loss] [--threads 1,2] [--rounds N] [--sample-ms M]
//
// Sections:
//   relu  relu forward + backward on 16M float32, 2 threads: `y = relu(x); y.backward(dy)`, then the
//         leaf's .grad is cleared. ramp with its output-reading backward and with the 1-bit mask.
//   bwd   the backward pass alone (the graph is kept with retain_graph), against a plain pass over
//         the same bytes: read dy and y (or the n/8-byte mask), write dx.
//   one   the same on one element, y.backward() with the implicit gradient: the fixed cost.
//   mlp   a training step of Linear(784,256)-ReLU-Linear(256,10), batch 4096: time and peak memory.
//   softmax  softmax and log_softmax on [4096,10], [64,10], [256,1000] along dims 1 and 0: forward,
//         and the backward node alone, beside torch.
//   loss  the loss of a training step, forward + backward (cross_entropy, nll_loss, the one-hot
//         mul + sum of the mlp step, mse_loss) at batch 64 and 4096 by 10 classes.
//
// Timing as in bench_activations.cpp (bench/bench_common.h): interleaved rounds, medians, ratios as
// medians of per-round ratios, 2-thread cases retried while the host squeezes the vCPUs.
#include <c10/core/CPUAllocator.h>
#include <link.h>

#include <atomic>
#include <cstdlib>

#include "bench_common.h"
#include "ramp/allocator.h"
#include "ramp/autograd.h"
#include "ramp/functional.h"
#include "ramp/nn/loss.h"
#include "ramp/ops.h"
#include "ramp/tensor.h"

extern "C" {
int openblas_get_num_threads(void);
int openblas_get_parallel(void);  // 0 sequential, 1 pthreads, 2 OpenMP
}

namespace {

using namespace bench;

std::string g_cap;
std::vector<int> g_threads{1, 2};
bool g_default_mask = false;  // ramp's default, read at start

// Sets ramp's relu backward for the ops recorded next; `mask` true: the 1-bit mask.
void use_mask(bool mask) { ramp::autograd::set_mask_backward(mask); }
const char* default_path() { return g_default_mask ? "mask" : "output"; }

// The BLAS libraries in the process, resolved to their files (one OpenBLAS, or two pools to fight).
std::string blas_libraries() {
  std::set<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        std::string name = info->dlpi_name ? info->dlpi_name : "";
        if (name.find("blas") != std::string::npos) {
          char real[4096];
          if (realpath(name.c_str(), real)) name = real;
          static_cast<std::set<std::string>*>(out)->insert(name);
        }
        return 0;
      },
      &names);
  std::string s;
  for (auto& n : names) s += (s.empty() ? "`" : ", `") + n + "`";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Limits for the backward pass: the bytes it must move, with no arithmetic worth the name.

// out = a + b: reads two arrays, writes one (the output-reading backward: dy, y -> dx).
__attribute__((target("avx512f"))) void add2_avx512(const float* __restrict a, const float* __restrict b,
                                                   float* __restrict out, std::int64_t n, bool stream) {
  std::int64_t i = 0;
  if (stream)
    for (; i < n && (reinterpret_cast<std::uintptr_t>(out + i) & 63); ++i) out[i] = a[i] + b[i];
  for (; i + 32 <= n; i += 32) {
    __m512 x0 = _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 x1 = _mm512_add_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    if (stream) {
      _mm512_stream_ps(out + i, x0);
      _mm512_stream_ps(out + i + 16, x1);
    } else {
      _mm512_storeu_ps(out + i, x0);
      _mm512_storeu_ps(out + i + 16, x1);
    }
  }
  for (; i < n; ++i) out[i] = a[i] + b[i];
  if (stream) _mm_sfence();
}

// out = a, reading one 64-bit word of `bits` per 64 elements on the way (the mask backward's bytes:
// dy and n/8 bytes of mask -> dx). The words are folded into a sink so the loads stay.
std::atomic<std::uint64_t> g_sink{0};
__attribute__((target("avx512f"))) void copy_bits_avx512(const float* __restrict a,
                                                        const std::uint64_t* __restrict bits,
                                                        float* __restrict out, std::int64_t n, bool stream) {
  std::uint64_t acc = 0;
  std::int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc ^= bits[i / 64];
    __m512 x0 = _mm512_loadu_ps(a + i), x1 = _mm512_loadu_ps(a + i + 16);
    __m512 x2 = _mm512_loadu_ps(a + i + 32), x3 = _mm512_loadu_ps(a + i + 48);
    if (stream) {  // `out + i` is 64-byte aligned: ramp memory, chunks of 64 elements
      _mm512_stream_ps(out + i, x0);
      _mm512_stream_ps(out + i + 16, x1);
      _mm512_stream_ps(out + i + 32, x2);
      _mm512_stream_ps(out + i + 48, x3);
    } else {
      _mm512_storeu_ps(out + i, x0);
      _mm512_storeu_ps(out + i + 16, x1);
      _mm512_storeu_ps(out + i + 32, x2);
      _mm512_storeu_ps(out + i + 48, x3);
    }
  }
  if (i < n) acc ^= bits[i / 64];
  for (; i < n; ++i) out[i] = a[i];
  if (stream) _mm_sfence();
  g_sink.fetch_xor(acc, std::memory_order_relaxed);
}

void add2_limit(const float* a, const float* b, float* out, std::int64_t n, int threads, bool stream) {
  split_like_ramp(n, threads, [=](std::int64_t s, std::int64_t e) {
    if (kAvx512) {
      add2_avx512(a + s, b + s, out + s, e - s, stream);
    } else {
      for (std::int64_t i = s; i < e; ++i) out[i] = a[i] + b[i];
    }
  });
}
void copy_bits_limit(const float* a, const std::uint64_t* bits, float* out, std::int64_t n, int threads,
                     bool stream) {
  split_like_ramp(n, threads, [=](std::int64_t s, std::int64_t e) {
    if (kAvx512) {
      copy_bits_avx512(a + s, bits + s / 64, out + s, e - s, stream);
    } else {
      std::uint64_t acc = 0;
      for (std::int64_t i = s; i < e; i += 64) acc ^= bits[i / 64];
      std::memcpy(out + s, a + s, std::size_t(e - s) * sizeof(float));
      g_sink.fetch_xor(acc, std::memory_order_relaxed);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 1. relu forward + backward, 16M float32

const std::int64_t kBig = std::int64_t(1) << 24;

void bench_relu_fwd_bwd() {
  const std::int64_t n = kBig;
  const int threads = 2;
  set_threads(threads);
  std::printf("\n### relu forward + backward, 16M float32, %d threads\n\n", threads);
  std::printf(
      "Each iteration: `y = relu(x); y.backward(dy);` then the leaf's gradient is cleared "
      "(`x.set_grad({})` / `x.mutable_grad().reset()`). x and dy are the same bytes for both libraries; "
      "ramp's default ReLU backward is the %s one.\n\n",
      default_path());
  std::printf(
      "| n | thr | ramp (output) | ramp (mask) | torch (%s) | torch/ramp (output) | torch/ramp (mask) | "
      "fork/join |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      g_cap.c_str());
  ramp::Tensor x = ramp_normal(n, 11);
  ramp::Tensor dy = ramp_normal(n, 12);
  torch::Tensor tx = torch_view(x).requires_grad_(true), tdy = torch_view(dy);
  x.requires_grad_();
  std::vector<Variant> vs{
      variant("ramp output",
              [&] {
                use_mask(false);
                ramp::Tensor y = ramp::relu(x);
                y.backward(dy);
                x.set_grad({});
              }),
      variant("ramp mask",
              [&] {
                use_mask(true);
                ramp::Tensor y = ramp::relu(x);
                y.backward(dy);
                x.set_grad({});
              }),
      variant("torch",
              [&] {
                torch::Tensor y = torch::relu(tx);
                y.backward(tdy);
                tx.mutable_grad().reset();
              }),
      variant("fork/join", fork_join),
  };
  int tries = 1;
  Result r = measure_2t(vs, &tries);
  use_mask(g_default_mask);
  const double sp_out = r.ratio(2, 0), sp_mask = r.ratio(2, 1), fj_worst = r.worst(3);
  const std::string sq = squeezed(fj_worst);
  std::printf("| 16M | %d | %s | %s | %s | %s | %s | %s%s |\n", threads, fmt_time(r.time(0)).c_str(),
              fmt_time(r.time(1)).c_str(), fmt_time(r.time(2)).c_str(), fmt_ratio(sp_out).c_str(),
              fmt_ratio(sp_mask).c_str(), fmt_time(r.time(3)).c_str(), (sq + retried(tries)).c_str());
  std::fflush(stdout);
  target("relu fwd+bwd 16M, 2 thr, output backward: ≥ 5× faster than torch", fmt_ratio(sp_out) + sq,
         sp_out >= 5, sq.empty());
  target("relu fwd+bwd 16M, 2 thr, mask backward: ≥ 5× faster than torch", fmt_ratio(sp_mask) + sq,
         sp_mask >= 5, sq.empty());
}

// ---------------------------------------------------------------------------------------------
// 2. the backward pass alone vs its traffic limit

void bench_backward_alone() {
  const std::int64_t n = kBig;
  std::printf("\n### relu backward alone, 16M float32: ramp vs the memory-traffic limit\n\n");
  std::printf(
      "The forward runs once outside the timed region; each iteration is `y.backward(dy, "
      "/*retain_graph=*/true); x.set_grad({});` (the engine, the ReLU backward kernel allocating dx, "
      "AccumulateGrad keeping it). Limits, same bytes with no arithmetic: output path `dx = dy + y` "
      "(reads 2×64 MiB, writes 64 MiB); mask path `dx = dy` plus a read of the 2 MiB mask. Each limit "
      "is timed with ordinary and with non-temporal stores; ramp/limit is against the faster of the two "
      "in each round. GB/s counts bytes read + written.\n\n");
  std::printf(
      "| path | thr | bytes | limit (stores) | limit (NT stores) | ramp backward | ramp/limit | ramp GB/s | "
      "fork/join |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  ramp::Tensor x = ramp_normal(n, 21);
  ramp::Tensor dy = ramp_normal(n, 22);
  x.requires_grad_();
  use_mask(false);
  ramp::Tensor y_out = ramp::relu(x);
  use_mask(true);
  ramp::Tensor y_mask = ramp::relu(x);
  use_mask(g_default_mask);
  // The limits' inputs: y's bytes (a detached alias) and a mask of the same size as ramp's.
  ramp::Tensor yv = y_out.detach();
  ramp::Tensor bits = ramp::empty({n / 64}, ramp::ScalarType::Int64);
  {
    std::mt19937_64 g(23);
    auto* p = static_cast<std::uint64_t*>(bits.data_ptr());
    for (std::int64_t i = 0; i < n / 64; ++i) p[i] = g();
  }
  ramp::Tensor dst = ramp::zeros({n});
  const float* pdy = dy.data<float>();
  const float* py = yv.data<float>();
  const auto* pb = static_cast<const std::uint64_t*>(bits.data_ptr());
  float* pd = dst.data<float>();
  const double bytes_out = 12.0 * double(n), bytes_mask = 8.0 * double(n) + double(n) / 8.0;
  for (int threads : g_threads) {
    set_threads(threads);
    std::vector<Variant> vs{
        variant("add2", [=] { add2_limit(pdy, py, pd, n, threads, false); }),
        variant("add2 nt", [=] { add2_limit(pdy, py, pd, n, threads, true); }),
        variant("ramp bwd output",
                [&] {
                  y_out.backward(dy, true);
                  x.set_grad({});
                }),
        variant("copy+bits", [=] { copy_bits_limit(pdy, pb, pd, n, threads, false); }),
        variant("copy+bits nt", [=] { copy_bits_limit(pdy, pb, pd, n, threads, true); }),
        variant("ramp bwd mask",
                [&] {
                  y_mask.backward(dy, true);
                  x.set_grad({});
                }),
    };
    if (threads == 2) vs.push_back(variant("fork/join", fork_join));
    int tries = 1;
    Result r = threads == 2 ? measure_2t(vs, &tries) : measure(vs);
    const double fj = threads == 2 ? r.time(6) : 0, fj_worst = threads == 2 ? r.worst(6) : 0;
    const std::string sq = squeezed(fj_worst);
    const double q_out = r.ratio_min(2, 0, 1), q_mask = r.ratio_min(5, 3, 4);
    std::printf("| output (dy, y → dx) | %d | %s | %s | %s | %s | %s | %.1f | %s%s |\n", threads,
                fmt_bytes(bytes_out).c_str(), fmt_time(r.time(0)).c_str(), fmt_time(r.time(1)).c_str(),
                fmt_time(r.time(2)).c_str(), fmt_ratio(q_out).c_str(), bytes_out / r.time(2),
                threads == 2 ? fmt_time(fj).c_str() : "–", (sq + retried(tries)).c_str());
    std::printf("| mask (dy, bits → dx) | %d | %s | %s | %s | %s | %s | %.1f | %s%s |\n", threads,
                fmt_bytes(bytes_mask).c_str(), fmt_time(r.time(3)).c_str(), fmt_time(r.time(4)).c_str(),
                fmt_time(r.time(5)).c_str(), fmt_ratio(q_mask).c_str(), bytes_mask / r.time(5),
                threads == 2 ? fmt_time(fj).c_str() : "–", (sq + retried(tries)).c_str());
    std::printf("| mask/output backward time | %d | | | | %s | | | |\n", threads, fmt_ratio(r.ratio(5, 2)).c_str());
    std::fflush(stdout);
    target(fmt("relu backward 16M, %d thr, output path: ≤ 1.15× traffic limit", threads), fmt_ratio(q_out) + sq,
           q_out <= 1.15, sq.empty());
    target(fmt("relu backward 16M, %d thr, mask path: ≤ 1.15× traffic limit", threads), fmt_ratio(q_mask) + sq,
           q_mask <= 1.15, sq.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// 3. one element

void bench_one_element() {
  set_threads(1);
  std::printf("\n### One element: relu forward + backward from C++\n\n");
  std::printf(
      "x: one float32 element (0.5) requiring grad. Each iteration: `y = relu(x); y.backward();` and the "
      "gradient is cleared. 1 thread.\n\n");
  std::printf("| iteration | ns/iter | vs ramp (%s) |\n|---|---:|---:|\n", default_path());
  ramp::Tensor x = ramp::tensor({0.5});
  x.requires_grad_();
  torch::Tensor tx = torch::full({1}, 0.5f).requires_grad_(true);
  auto ramp_iter = [&] {
    ramp::Tensor y = ramp::relu(x);
    y.backward();
    x.set_grad({});
  };
  std::vector<Variant> vs{
      variant(fmt("ramp, output backward%s", g_default_mask ? "" : " (default)"),
              [&] {
                use_mask(false);
                ramp_iter();
              }),
      variant(fmt("ramp, mask backward%s", g_default_mask ? " (default)" : ""),
              [&] {
                use_mask(true);
                ramp_iter();
              }),
      variant("torch",
              [&] {
                torch::Tensor y = torch::relu(tx);
                y.backward();
                tx.mutable_grad().reset();
              }),
  };
  Result r = measure(vs);
  use_mask(g_default_mask);
  const std::size_t def = g_default_mask ? 1 : 0;
  for (std::size_t v = 0; v < vs.size(); ++v)
    std::printf("| %s | %.1f | %s |\n", vs[v].name.c_str(), r.time(v),
                v == def ? "1" : fmt_ratio(r.ratio(v, def)).c_str());
  std::printf("\ntorch/ramp: %s (output backward), %s (mask backward)\n", fmt_ratio(r.ratio(2, 0)).c_str(),
              fmt_ratio(r.ratio(2, 1)).c_str());
  target("one-element relu fwd+bwd, output backward ≤ 0.5 µs", fmt_time(r.time(0)), r.time(0) <= 500);
  target("one-element relu fwd+bwd, mask backward ≤ 0.5 µs", fmt_time(r.time(1)), r.time(1) <= 500);
}

// ---------------------------------------------------------------------------------------------
// 4. MLP training step

// Counts PyTorch's CPU allocations: live and peak bytes as requested, and as ramp's allocator
// would round them (its size buckets), so the two libraries can be compared either way.
std::size_t ramp_bucket(std::size_t n) {  // src/tensor/allocator.cpp's bucket_size
  constexpr std::size_t kAlign = 64, kSmallMax = std::size_t(64) << 10, kHuge = std::size_t(2) << 20;
  if (n <= kAlign) return kAlign;
  if (n <= kSmallMax) return std::size_t(1) << (64 - __builtin_clzll(n - 1));
  int hi = 63 - __builtin_clzll(n - 1);
  std::size_t step = std::size_t(1) << (hi - 2);
  std::size_t b = (n + step - 1) / step * step;
  if (b >= kHuge) b = (b + kHuge - 1) / kHuge * kHuge;
  return b;
}

struct CountingAllocator final : c10::Allocator {
  c10::Allocator* inner = nullptr;
  mutable std::atomic<std::int64_t> live{0}, peak{0}, live_b{0}, peak_b{0};
  struct Ctx {
    c10::DataPtr p;
    std::size_t n;
    const CountingAllocator* self;
  };
  static void bump(std::atomic<std::int64_t>& l, std::atomic<std::int64_t>& pk, std::int64_t d) {
    std::int64_t now = l.fetch_add(d, std::memory_order_relaxed) + d;
    std::int64_t p = pk.load(std::memory_order_relaxed);
    while (now > p && !pk.compare_exchange_weak(p, now, std::memory_order_relaxed)) {
    }
  }
  c10::DataPtr allocate(std::size_t n) const override {
    c10::DataPtr p = inner->allocate(n);
    void* data = p.get();
    const c10::Device dev = p.device();
    bump(live, peak, std::int64_t(n));
    bump(live_b, peak_b, std::int64_t(ramp_bucket(n)));
    return {data, new Ctx{std::move(p), n, this}, &release, dev};
  }
  static void release(void* c) {
    auto* ctx = static_cast<Ctx*>(c);
    ctx->self->live.fetch_sub(std::int64_t(ctx->n), std::memory_order_relaxed);
    ctx->self->live_b.fetch_sub(std::int64_t(ramp_bucket(ctx->n)), std::memory_order_relaxed);
    delete ctx;  // frees the block through the inner allocator's deleter
  }
  void reset_peak() const {
    peak.store(live.load());
    peak_b.store(live_b.load());
  }
};
CountingAllocator g_counting;  // outlives every tensor it allocates

constexpr std::int64_t kBatch = 4096, kIn = 784, kHidden = 256, kOut = 10;
constexpr double kLr = 1e-3;

// What one step held: bytes live after the forward (saved for backward, plus the loss) and at the
// peak, both above what was live before the step.
struct StepMemory {
  double after_forward = 0, peak = 0, peak_bucketed = 0;
};

struct RampMlp {
  ramp::Tensor w1, b1, w2, b2, x, onehot;
  ramp::Tensor loss_of_step() const {
    ramp::Tensor h = ramp::relu(ramp::addmm(b1, x, w1.t()));
    ramp::Tensor z = ramp::addmm(b2, h, w2.t());
    ramp::Tensor logp = ramp::log_softmax(z, {.dim = 1});
    return logp.mul(onehot).sum().mul(-1.0 / double(kBatch));
  }
  template <class AfterForward = std::nullptr_t>
  void step(AfterForward after_forward = nullptr) {
    ramp::Tensor loss = loss_of_step();
    if constexpr (!std::is_same_v<AfterForward, std::nullptr_t>) after_forward();
    loss.backward();
    ramp::autograd::NoGradGuard no_grad;
    for (ramp::Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->sub_(p->grad() * kLr);
      p->set_grad({});
    }
  }
};

struct TorchMlp {
  torch::Tensor w1, b1, w2, b2, x, onehot;
  torch::Tensor loss_of_step() const {
    torch::Tensor h = torch::relu(torch::addmm(b1, x, w1.t()));
    torch::Tensor z = torch::addmm(b2, h, w2.t());
    torch::Tensor logp = torch::log_softmax(z, 1);
    return (logp * onehot).sum() * (-1.0 / double(kBatch));
  }
  template <class AfterForward = std::nullptr_t>
  void step(AfterForward after_forward = nullptr) {
    torch::Tensor loss = loss_of_step();
    if constexpr (!std::is_same_v<AfterForward, std::nullptr_t>) after_forward();
    loss.backward();
    torch::NoGradGuard no_grad;
    for (torch::Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->sub_(p->grad() * kLr);
      p->mutable_grad().reset();
    }
  }
};

ramp::Tensor uniform_param(std::vector<std::int64_t> sizes, double bound, std::uint64_t seed) {
  ramp::Tensor t = ramp::empty(ramp::IntArrayRef(sizes.data(), sizes.size()));
  float* p = t.data<float>();
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<float> d(float(-bound), float(bound));
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = d(g);
  return t;
}

StepMemory ramp_step_memory(RampMlp& m, bool mask) {
  use_mask(mask);
  StepMemory best;
  for (int k = 0; k < 3; ++k) {  // the largest of three: small-block statistics may lag (see below)
    const double before = double(ramp::memory::stats().allocated);  // stats() publishes this thread's
    ramp::memory::reset_peak_stats();
    StepMemory s;
    m.step([&] { s.after_forward = double(ramp::memory::stats().allocated) - before; });
    s.peak = double(ramp::memory::stats().peak_allocated) - before;
    s.peak_bucketed = s.peak;
    best.after_forward = std::max(best.after_forward, s.after_forward);
    best.peak = std::max(best.peak, s.peak);
    best.peak_bucketed = best.peak;
  }
  use_mask(g_default_mask);
  return best;
}

StepMemory torch_step_memory(TorchMlp& m) {
  StepMemory best;
  for (int k = 0; k < 3; ++k) {
    const double before = double(g_counting.live.load()), before_b = double(g_counting.live_b.load());
    g_counting.reset_peak();
    StepMemory s;
    m.step([&] { s.after_forward = double(g_counting.live.load()) - before; });
    s.peak = double(g_counting.peak.load()) - before;
    s.peak_bucketed = double(g_counting.peak_b.load()) - before_b;
    best.after_forward = std::max(best.after_forward, s.after_forward);
    best.peak = std::max(best.peak, s.peak);
    best.peak_bucketed = std::max(best.peak_bucketed, s.peak_bucketed);
  }
  return best;
}

double max_abs_diff(const ramp::Tensor& a, const torch::Tensor& b) {
  const float* pa = a.data<float>();
  torch::Tensor bc = b.contiguous();
  const float* pb = bc.data_ptr<float>();
  double m = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) m = std::max(m, double(std::fabs(pa[i] - pb[i])));
  return m;
}

// The step's pieces one by one, without autograd, on the same buffers: where the time goes.
void bench_mlp_pieces(const RampMlp& rm) {
  const int threads = 2;
  set_threads(threads);
  std::printf(
      "\n#### The step's pieces, %d threads\n\nEach op alone with grad mode off, on the step's shapes and "
      "the same buffers (both libraries allocate their outputs); the bias gradient and dW1 are the "
      "reductions and the GEMM the backward of the first Linear runs.\n\n",
      threads);
  std::printf("| op | shape | ramp | torch (%s) | torch/ramp | fork/join |\n|---|---|---:|---:|---:|---:|\n",
              g_cap.c_str());
  ramp::autograd::NoGradGuard ramp_no_grad;
  torch::NoGradGuard torch_no_grad;
  const ramp::Tensor w1 = rm.w1.detach(), b1 = rm.b1.detach(), w2 = rm.w2.detach(), b2 = rm.b2.detach();
  const ramp::Tensor x = rm.x, onehot = rm.onehot;
  const ramp::Tensor z1 = ramp::addmm(b1, x, w1.t()), h = ramp::relu(z1), z2 = ramp::addmm(b2, h, w2.t());
  const ramp::Tensor logp = ramp::log_softmax(z2, {.dim = 1});
  const ramp::Tensor g = ramp_normal(kBatch * kHidden, 41).reshape({kBatch, kHidden});  // a gradient of z1
  ramp::Tensor wscratch = w1.clone(), gw = ramp_normal(kHidden * kIn, 42).reshape({kHidden, kIn});
  const torch::Tensor tw1 = torch_view(w1), tb1 = torch_view(b1), tw2 = torch_view(w2), tb2 = torch_view(b2),
                      tx = torch_view(x), toh = torch_view(onehot), tz1 = torch_view(z1), th = torch_view(h),
                      tz2 = torch_view(z2), tlogp = torch_view(logp), tg = torch_view(g), tgw = torch_view(gw);
  ramp::Tensor wscratch_t = wscratch.clone();
  torch::Tensor twscratch = torch_view(wscratch_t);
  struct Piece {
    const char* op;
    const char* shape;
    std::function<void()> r, t;
  };
  std::vector<Piece> pieces{
      {"`addmm(b1, x, w1ᵀ)`", "[4096,784]·[784,256]", [&] { ramp::Tensor o = ramp::addmm(b1, x, w1.t()); },
       [&] { torch::Tensor o = torch::addmm(tb1, tx, tw1.t()); }},
      {"`relu(z1)`", "[4096,256]", [&] { ramp::Tensor o = ramp::relu(z1); }, [&] { torch::Tensor o = torch::relu(tz1); }},
      {"`addmm(b2, h, w2ᵀ)`", "[4096,256]·[256,10]", [&] { ramp::Tensor o = ramp::addmm(b2, h, w2.t()); },
       [&] { torch::Tensor o = torch::addmm(tb2, th, tw2.t()); }},
      {"`log_softmax(z2, 1)`", "[4096,10]", [&] { ramp::Tensor o = ramp::log_softmax(z2, {.dim = 1}); },
       [&] { torch::Tensor o = torch::log_softmax(tz2, 1); }},
      {"`(logp * onehot).sum()`", "[4096,10]", [&] { ramp::Tensor o = logp.mul(onehot).sum(); },
       [&] { torch::Tensor o = (tlogp * toh).sum(); }},
      {"`g.sum(0)` (bias gradient)", "[4096,256]", [&] { ramp::Tensor o = g.sum({0}); },
       [&] { torch::Tensor o = tg.sum(0); }},
      {"`mm(x.t(), g)` (dW1)", "[784,4096]·[4096,256]", [&] { ramp::Tensor o = ramp::mm(x.t(), g); },
       [&] { torch::Tensor o = torch::mm(tx.t(), tg); }},
      {"`w.sub_(g * lr)` (SGD)", "[256,784]", [&] { wscratch.sub_(gw * kLr); }, [&] { twscratch.sub_(tgw * kLr); }},
  };
  for (auto& pc : pieces) {
    std::vector<Variant> vs{variant("ramp", [f = pc.r] { f(); }), variant("torch", [f = pc.t] { f(); }),
                            variant("fork/join", fork_join)};
    int tries = 1;
    Result r = measure_2t(vs, &tries);
    const std::string sq = squeezed(r.worst(2));
    std::printf("| %s | %s | %s | %s | %s | %s%s |\n", pc.op, pc.shape, fmt_time(r.time(0)).c_str(),
                fmt_time(r.time(1)).c_str(), fmt_ratio(r.ratio(1, 0)).c_str(), fmt_time(r.time(2)).c_str(),
                (sq + retried(tries)).c_str());
    std::fflush(stdout);
  }
}

void bench_mlp() {
  std::printf("\n### Training step: Linear(784,256)-ReLU-Linear(256,10), batch 4096, float32\n\n");
  // PyTorch's tensors from here on come from a counting wrapper around its default CPU allocator.
  g_counting.inner = c10::GetCPUAllocator();
  c10::SetCPUAllocator(&g_counting, 0);

  RampMlp rm;
  const double bound1 = 1.0 / std::sqrt(double(kIn)), bound2 = 1.0 / std::sqrt(double(kHidden));
  rm.w1 = uniform_param({kHidden, kIn}, bound1, 31);  // nn.Linear's layout and initial range
  rm.b1 = uniform_param({kHidden}, bound1, 32);
  rm.w2 = uniform_param({kOut, kHidden}, bound2, 33);
  rm.b2 = uniform_param({kOut}, bound2, 34);
  rm.x = ramp_normal(kBatch * kIn, 35).reshape({kBatch, kIn});
  rm.onehot = ramp::zeros({kBatch, kOut});
  {
    std::mt19937_64 g(36);
    float* p = rm.onehot.data<float>();
    for (std::int64_t i = 0; i < kBatch; ++i) p[i * kOut + std::int64_t(g() % kOut)] = 1.0f;
  }
  TorchMlp tm;  // the same initial weights (copies: each library updates its own), the same inputs
  tm.w1 = torch_view(rm.w1).clone().requires_grad_(true);
  tm.b1 = torch_view(rm.b1).clone().requires_grad_(true);
  tm.w2 = torch_view(rm.w2).clone().requires_grad_(true);
  tm.b2 = torch_view(rm.b2).clone().requires_grad_(true);
  tm.x = torch_view(rm.x);
  tm.onehot = torch_view(rm.onehot);
  for (ramp::Tensor* p : {&rm.w1, &rm.b1, &rm.w2, &rm.b2}) p->requires_grad_();

  // Same computation: the first loss and gradients of both libraries, before any update.
  {
    set_threads(2);
    ramp::Tensor rl = rm.loss_of_step();
    rl.backward();
    torch::Tensor tl = tm.loss_of_step();
    tl.backward();
    std::printf(
        "Check, before any update: loss ramp %.6f, torch %.6f; max |Δ| of the gradients: w1 %.2g, b1 %.2g, "
        "w2 %.2g, b2 %.2g.\n\n",
        rl.item<double>(), tl.item<double>(), max_abs_diff(rm.w1.grad(), tm.w1.grad()),
        max_abs_diff(rm.b1.grad(), tm.b1.grad()), max_abs_diff(rm.w2.grad(), tm.w2.grad()),
        max_abs_diff(rm.b2.grad(), tm.b2.grad()));
    for (ramp::Tensor* p : {&rm.w1, &rm.b1, &rm.w2, &rm.b2}) p->set_grad({});
    for (torch::Tensor* p : {&tm.w1, &tm.b1, &tm.w2, &tm.b2}) p->mutable_grad().reset();
  }

  std::printf(
      "One step: `h = relu(addmm(b1, x, w1ᵀ)); z = addmm(b2, h, w2ᵀ); loss = -(log_softmax(z, 1) * "
      "onehot).sum() / 4096; loss.backward();` then under no_grad `p.sub_(p.grad() * lr)` and the "
      "gradient set to none, for the four parameters. The same code with torch:: in place of ramp::. "
      "GEMMs: OpenBLAS (OpenMP build) for both, following the thread count.\n\n");
  std::printf(
      "| thr | ramp (output) | ramp (mask) | torch (%s) | mask/output | torch/ramp (output) | torch/ramp "
      "(mask) | fork/join |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      g_cap.c_str());
  double step_ratio_2t = 0;
  bool step_valid_2t = true;
  for (int threads : g_threads) {
    set_threads(threads);
    std::vector<Variant> vs{
        variant("ramp output",
                [&] {
                  use_mask(false);
                  rm.step();
                }),
        variant("ramp mask",
                [&] {
                  use_mask(true);
                  rm.step();
                }),
        variant("torch", [&] { tm.step(); }),
    };
    if (threads == 2) vs.push_back(variant("fork/join", fork_join));
    int tries = 1;
    Result r = threads == 2 ? measure_2t(vs, &tries) : measure(vs);
    use_mask(g_default_mask);
    const double fj_worst = threads == 2 ? r.worst(3) : 0;
    const std::string sq = squeezed(fj_worst);
    std::printf("| %d | %s | %s | %s | %s | %s | %s | %s%s |\n", threads, fmt_time(r.time(0)).c_str(),
                fmt_time(r.time(1)).c_str(), fmt_time(r.time(2)).c_str(), fmt_ratio(r.ratio(1, 0)).c_str(),
                fmt_ratio(r.ratio(2, 0)).c_str(), fmt_ratio(r.ratio(2, 1)).c_str(),
                threads == 2 ? fmt_time(r.time(3)).c_str() : "–", (sq + retried(tries)).c_str());
    std::fflush(stdout);
    if (threads == 2) step_ratio_2t = r.ratio(1, 0), step_valid_2t = sq.empty();
  }

  // Peak memory: one step each (the largest of three), above what was live before the step.
  set_threads(2);
  const StepMemory mo = ramp_step_memory(rm, false), mm = ramp_step_memory(rm, true), mt = torch_step_memory(tm);
  std::printf(
      "\nMemory of one step, above what was live before it (parameters and inputs): live after the forward "
      "(what autograd saved, and the loss) and the peak. ramp: `ramp::memory::stats()` "
      "(`reset_peak_stats()` before the step), in its size buckets (≤ 25%% above the request; blocks "
      "≤ 64 KiB are counted per thread and published every 1 MiB, so up to 1 MiB per thread of small "
      "blocks can be missing). torch: a counting `c10::SetCPUAllocator` wrapper around its default CPU "
      "allocator, exact requested bytes, and the same blocks rounded to ramp's buckets.\n\n");
  std::printf(
      "| | after forward | peak | peak in ramp's buckets | vs ramp (output) |\n|---|---:|---:|---:|---:|\n");
  std::printf("| ramp (output) | %s | %s | %s | 1 |\n", fmt_bytes(mo.after_forward).c_str(), fmt_bytes(mo.peak).c_str(),
              fmt_bytes(mo.peak_bucketed).c_str());
  std::printf("| ramp (mask) | %s | %s | %s | %s |\n", fmt_bytes(mm.after_forward).c_str(), fmt_bytes(mm.peak).c_str(),
              fmt_bytes(mm.peak_bucketed).c_str(), fmt("%+.1f%%", 100.0 * (mm.peak / mo.peak - 1)).c_str());
  std::printf("| torch (%s) | %s | %s | %s | %s |\n", g_cap.c_str(), fmt_bytes(mt.after_forward).c_str(),
              fmt_bytes(mt.peak).c_str(), fmt_bytes(mt.peak_bucketed).c_str(),
              fmt("%+.1f%% (bucketed)", 100.0 * (mt.peak_bucketed / mo.peak - 1)).c_str());
  std::printf("\nmask − output: peak %+.1f KiB, after forward %+.1f KiB; step time mask/output (2 thr) %s%s\n",
              (mm.peak - mo.peak) / 1024.0, (mm.after_forward - mo.after_forward) / 1024.0,
              fmt_ratio(step_ratio_2t).c_str(), step_valid_2t ? "" : " ⚠");
  std::fflush(stdout);

  bench_mlp_pieces(rm);
  c10::SetCPUAllocator(g_counting.inner, 0);
}

// ---------------------------------------------------------------------------------------------
// softmax / log_softmax forward and backward, and the loss reductions of a training step

// Times ramp (variant 0) against torch (variant 1) at `threads`, with the fork/join probe at 2.
struct Pair {
  Result r;
  std::string note;
};
Pair versus(int threads, std::function<void()> rf, std::function<void()> tf) {
  set_threads(threads);
  std::vector<Variant> vs{variant("ramp", [f = std::move(rf)] { f(); }), variant("torch", [f = std::move(tf)] { f(); })};
  Pair p;
  if (threads == 2) {
    vs.push_back(variant("fork/join", fork_join));
    int tries = 1;
    p.r = measure_2t(vs, &tries);
    p.note = squeezed(p.r.worst(2)) + retried(tries);
  } else {
    p.r = measure(vs);
  }
  return p;
}

void bench_softmax() {
  std::printf(
      "\n### softmax and log_softmax, float32\n\nInput randn × 3. Forward: `ramp::log_softmax(x, {.dim = d})` vs "
      "`torch::log_softmax(x, d)`. Backward: the backward node alone, `autograd::grad({y}, {x}, {g}, "
      "retain_graph)` on a kept graph (both engines' overhead included).\n\n");
  std::printf(
      "| op | shape | dim | thr | forward ramp | forward torch (%s) | torch/ramp | backward ramp | backward torch | "
      "torch/ramp |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      g_cap.c_str());
  const std::vector<std::vector<std::int64_t>> shapes{{4096, 10}, {64, 10}, {256, 1000}};
  for (int threads : g_threads)
    for (const auto& shape : shapes)
      for (std::int64_t dim : {1, 0})
        for (bool log : {true, false}) {
          const std::int64_t n = shape[0] * shape[1];
          const ramp::Tensor x = ramp_normal(n, 51, 3.0f).reshape({shape[0], shape[1]});
          const ramp::Tensor g = ramp_normal(n, 52).reshape({shape[0], shape[1]});
          const torch::Tensor tx = torch_view(x), tg = torch_view(g);
          auto rfwd = [&, log](const ramp::Tensor& a) {
            return log ? ramp::log_softmax(a, {.dim = dim}) : ramp::softmax(a, {.dim = dim});
          };
          auto tfwd = [&, log](const torch::Tensor& a) {
            return log ? torch::log_softmax(a, dim) : torch::softmax(a, dim);
          };
          const Pair f = versus(threads, [&] { ramp::Tensor o = rfwd(x); }, [&] { torch::Tensor o = tfwd(tx); });
          const ramp::Tensor xl = x.detach().requires_grad_(), yl = rfwd(xl);
          const torch::Tensor txl = tx.detach().requires_grad_(true), tyl = tfwd(txl);
          const Pair b = versus(
              threads, [&] { auto gx = ramp::autograd::grad({yl}, {xl}, {g}, true); },
              [&] { auto gx = torch::autograd::grad({tyl}, {txl}, {tg}, true); });
          const std::string name = log ? "log_softmax" : "softmax";
          const std::string shp = fmt("[%lld,%lld]", (long long)shape[0], (long long)shape[1]);
          std::printf("| %s | %s | %lld | %d | %s | %s | %s%s | %s | %s | %s%s |\n", name.c_str(), shp.c_str(),
                      (long long)dim, threads, fmt_time(f.r.time(0)).c_str(), fmt_time(f.r.time(1)).c_str(),
                      fmt_ratio(f.r.ratio(1, 0)).c_str(), f.note.c_str(), fmt_time(b.r.time(0)).c_str(),
                      fmt_time(b.r.time(1)).c_str(), fmt_ratio(b.r.ratio(1, 0)).c_str(), b.note.c_str());
          std::fflush(stdout);
          const std::string what = fmt("%s %s dim %lld, %d thr", name.c_str(), shp.c_str(), (long long)dim, threads);
          target(what + " forward: ≥ 1.0× torch", fmt_ratio(f.r.ratio(1, 0)), f.r.ratio(1, 0) >= 1.0, f.note.find("⚠") == std::string::npos);
          target(what + " backward: ≥ 1.0× torch", fmt_ratio(b.r.ratio(1, 0)), b.r.ratio(1, 0) >= 1.0, b.note.find("⚠") == std::string::npos);
        }
}

void bench_loss() {
  std::printf(
      "\n### The loss of a training step, float32: forward + backward\n\nEach case builds the loss from leaves "
      "that require grad and takes `autograd::grad({loss}, {leaf})`; targets are class indices (int64), "
      "one-hot rows, or randn.\n\n");
  std::printf("| loss | shape | thr | ramp | torch (%s) | torch/ramp |\n|---|---|---:|---:|---:|---:|\n", g_cap.c_str());
  for (int threads : g_threads)
    for (std::int64_t batch : {64, 4096}) {
      const std::int64_t c = 10, n = batch * c;
      const ramp::Tensor z = ramp_normal(n, 61, 3.0f).reshape({batch, c}).requires_grad_();
      const ramp::Tensor logp = ramp::log_softmax(z.detach(), {.dim = 1}).requires_grad_();
      const ramp::Tensor other = ramp_normal(n, 62).reshape({batch, c});
      ramp::Tensor labels = ramp::empty({batch}, ramp::ScalarType::Int64), onehot = ramp::zeros({batch, c});
      {
        std::mt19937_64 gen(63);
        for (std::int64_t i = 0; i < batch; ++i) {
          const std::int64_t k = std::int64_t(gen() % std::uint64_t(c));
          labels.data<std::int64_t>()[i] = k;
          onehot.data<float>()[i * c + k] = 1.0f;
        }
      }
      const torch::Tensor tz = torch_view(z.detach()).clone().requires_grad_(true);
      const torch::Tensor tlogp = torch_view(logp.detach()).clone().requires_grad_(true);
      const torch::Tensor tother = torch_view(other), tonehot = torch_view(onehot);
      const torch::Tensor tlabels = torch::from_blob(labels.data<std::int64_t>(), {batch}, torch::kLong);
      const double scale = -1.0 / double(batch);
      struct Case {
        const char* name;
        std::function<void()> r, t;
      };
      namespace tF = torch::nn::functional;
      std::vector<Case> cases{
          {"`cross_entropy(z, labels)`", [&] { auto g = ramp::autograd::grad({ramp::cross_entropy(z, labels)}, {z}); },
           [&] { auto g = torch::autograd::grad({tF::cross_entropy(tz, tlabels)}, {tz}); }},
          {"`nll_loss(logp, labels)`", [&] { auto g = ramp::autograd::grad({ramp::nll_loss(logp, labels)}, {logp}); },
           [&] { auto g = torch::autograd::grad({tF::nll_loss(tlogp, tlabels)}, {tlogp}); }},
          {"`-(logp * onehot).sum() / batch`",
           [&] { auto g = ramp::autograd::grad({logp.mul(onehot).sum().mul(scale)}, {logp}); },
           [&] { auto g = torch::autograd::grad({(tlogp * tonehot).sum() * scale}, {tlogp}); }},
          {"`mse_loss(z, other)`", [&] { auto g = ramp::autograd::grad({ramp::mse_loss(z, other)}, {z}); },
           [&] { auto g = torch::autograd::grad({tF::mse_loss(tz, tother)}, {tz}); }},
          {"`(logp * onehot).sum()` forward", [&] { ramp::Tensor o = logp.detach().mul(onehot).sum(); },
           [&] { torch::NoGradGuard ng; torch::Tensor o = (tlogp * tonehot).sum(); }},
      };
      for (const Case& k : cases) {
        const Pair p = versus(threads, k.r, k.t);
        const std::string shp = fmt("[%lld,10]", (long long)batch);
        std::printf("| %s | %s | %d | %s | %s | %s%s |\n", k.name, shp.c_str(), threads, fmt_time(p.r.time(0)).c_str(),
                    fmt_time(p.r.time(1)).c_str(), fmt_ratio(p.r.ratio(1, 0)).c_str(), p.note.c_str());
        std::fflush(stdout);
        target(fmt("%s %s, %d thr: ≥ 1.0× torch", k.name, shp.c_str(), threads), fmt_ratio(p.r.ratio(1, 0)),
               p.r.ratio(1, 0) >= 1.0, p.note.find("⚠") == std::string::npos);
      }
    }
}

}  // namespace

int main(int argc, char** argv) {
  g_opt.sections = {"relu", "bwd", "one", "mlp", "softmax", "loss"};
  const int status =
      parse_options(argc, argv, "[--sections relu,bwd,one,mlp,softmax,loss] [--threads 1,2] [--rounds N] [--sample-ms M]",
                    [](const std::string& a, auto& next) {
                      if (a != "--threads") return false;
                      g_threads.clear();
                      for (const std::string& v : split_commas(next()))
                        g_threads.push_back(std::max(1, std::atoi(v.c_str())));
                      return true;
                    });
  if (status >= 0) return status;
  g_cap = torch_capability();
  g_default_mask = ramp::autograd::mask_backward_enabled();
  raise_mmap_threshold();  // PyTorch's blocks up to 32 MiB from warm heap pages; 64 MiB ones fresh mmaps
  at::manual_seed(0);
  {  // first calls initialise PyTorch's dispatcher, autograd engine and thread pool
    torch::Tensor t = torch::randn({1 << 16}).requires_grad_(true);
    for (int k = 0; k < 3; ++k) torch::relu(t).sum().backward();
  }
  std::printf("## Autograd: ramp vs PyTorch %s (%s kernels)\n\n", TORCH_VERSION, g_cap.c_str());
  print_machine();
  std::printf("- BLAS loaded: %s; OpenBLAS parallel mode %d (2 = OpenMP), %d threads at start\n",
              blas_libraries().c_str(), openblas_get_parallel(), openblas_get_num_threads());
  std::printf("- ramp's default ReLU backward: %s (`ramp::autograd::mask_backward_enabled()` = %s)\n",
              default_path(), g_default_mask ? "true" : "false");
  print_method();

  auto t0 = Clock::now();
  if (g_opt.sections.count("relu")) bench_relu_fwd_bwd();
  if (g_opt.sections.count("bwd")) bench_backward_alone();
  if (g_opt.sections.count("one")) bench_one_element();
  if (g_opt.sections.count("mlp")) bench_mlp();
  if (g_opt.sections.count("softmax")) bench_softmax();
  if (g_opt.sections.count("loss")) bench_loss();

  print_targets_and_time(g_cap, t0);
  return 0;
}
