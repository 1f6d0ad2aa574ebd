// Tensor factories and the thread count (random ones: src/ops/random.cpp).

#include <atomic>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "../kernels/random_kernels.h"
#include "loop.h"
#include "ramp/tensor.h"

namespace ramp {

namespace {
std::atomic<ScalarType> default_dtype{ScalarType::Float32};
}  // namespace
ScalarType get_default_dtype() { return default_dtype.load(std::memory_order_relaxed); }
void set_default_dtype(ScalarType t) {
  if (!is_floating(t)) throw TypeError("only floating-point types are supported as the default type");
  default_dtype.store(t, std::memory_order_relaxed);
}

Tensor zeros(IntArrayRef sizes, std::optional<ScalarType> dtype) {
  return full(sizes, 0, dtype.value_or(get_default_dtype()));
}
Tensor ones(IntArrayRef sizes, std::optional<ScalarType> dtype) {
  return full(sizes, 1, dtype.value_or(get_default_dtype()));
}
Tensor full(IntArrayRef sizes, Scalar value, std::optional<ScalarType> dtype) {
  // torch.full infers bool/int64/the default dtype from the fill value.
  ScalarType dt = dtype.value_or(value.kind == Scalar::Kind::Float ? get_default_dtype()
                                 : value.kind == Scalar::Kind::Int ? ScalarType::Int64
                                                                   : ScalarType::Bool);
  Tensor t = empty(sizes, dt);
  detail::fill_into(t, value);
  return t;
}
Tensor zeros_like(const Tensor& t) { return full_like(t, 0); }
Tensor ones_like(const Tensor& t) { return full_like(t, 1); }
Tensor full_like(const Tensor& t, Scalar value) {
  Tensor out = empty_like(t);
  detail::fill_into(out, value);
  return out;
}
Tensor scalar_tensor(Scalar v, std::optional<ScalarType> dtype) { return full({}, v, dtype); }

// ---- arange / linspace: 1.13's CPU kernels value for value ----
// 1.13 (Debian's build, AVX2 kernels: 32-byte vectors, FMA contraction) fills these in blocks:
// at::parallel_for cuts [0, n) into one chunk per thread from 32768 elements; in a chunk,
// cpu_serial_kernel_vec writes two vectors per step, each from a base value computed like a scalar
// element, the lanes after the first as base + lane * step; a scalar loop finishes the chunk. The
// rounding differs between the two paths, so the layout is repeated here.
namespace {

template <class T> constexpr std::int64_t kLanes = std::int64_t(32 / sizeof(T));

// 1.13's chunks: [begin, end) pieces, one per thread from 32768 elements.
template <class F> void for_each_chunk(std::int64_t n, F f) {
  constexpr std::int64_t grain = 32768;
  std::int64_t chunks = 1;
  if (n >= grain) chunks = std::max<std::int64_t>(1, std::min<std::int64_t>(get_num_threads(), (n + grain - 1) / grain));
  const std::int64_t chunk = (n + chunks - 1) / chunks;
  for (std::int64_t begin = 0; begin < n; begin += chunk) f(begin, std::min(n, begin + chunk));
}

// Calls f(i, base_index, lane) for every element: lane < 0 for the scalar path.
template <class T, class F> void for_each_block(std::int64_t n, F f) {
  constexpr std::int64_t lanes = kLanes<T>;
  for_each_chunk(n, [&](std::int64_t begin, std::int64_t end) {
    std::int64_t i = begin;
    for (; i + 2 * lanes <= end; i += 2 * lanes)
      for (std::int64_t v = i; v < i + 2 * lanes; v += lanes)
        for (std::int64_t k = 0; k < lanes; ++k) f(v + k, v, k);
    for (; i < end; ++i) f(i, i, -1);
  });
}

// float32 and float64 run the same layout as vector loops of the kernels (random_kernels.h).
template <class T> constexpr int kRangeKernel = std::is_same_v<T, float> ? 0 : std::is_same_v<T, double> ? 1 : -1;

// c10::BFloat16's arithmetic: each operation rounds to bfloat16 (integers convert first).
BFloat16 bf(float v) { return BFloat16(v); }
BFloat16 operator+(BFloat16 a, BFloat16 b) { return bf(float(a) + float(b)); }
BFloat16 operator-(BFloat16 a, BFloat16 b) { return bf(float(a) - float(b)); }
BFloat16 operator*(BFloat16 a, BFloat16 b) { return bf(float(a) * float(b)); }
BFloat16 operator/(BFloat16 a, BFloat16 b) { return bf(float(a) / float(b)); }

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The number arange and linspace work in: double for float32/float64, float for bfloat16, int64
// for the integers (1.13's acc_type on CPU).
template <class T> using Acc = std::conditional_t<std::is_integral_v<T>, std::int64_t,
                                                  std::conditional_t<std::is_same_v<T, BFloat16>, float, double>>;

template <class T> void arange_fill(T* p, std::int64_t n, Scalar start, Scalar step) {
  using A = Acc<T>;
  const A a0 = start.to<A>(), st = step.to<A>();
  if constexpr (std::is_same_v<T, std::int64_t>) {
    kernels::random_table().arange_i64(p, n, a0, st);
  } else if constexpr (std::is_integral_v<T>) {  // start + step * i, wrapping as int64
    for (std::int64_t i = 0; i < n; ++i)
      p[i] = T(std::int64_t(std::uint64_t(a0) + std::uint64_t(st) * std::uint64_t(i)));
  } else if constexpr (kRangeKernel<T> >= 0) {
    const auto fn = kernels::random_table().arange[kRangeKernel<T>];
    for_each_chunk(n, [&](std::int64_t b, std::int64_t e) { fn(p, b, e, double(a0), double(st)); });
  } else {
    // scalar: fma(step, i, start); a vector lane: base + lane * step, fused, in the acc type
    for_each_block<T>(n, [&](std::int64_t i, std::int64_t base, std::int64_t lane) {
      const T b = T(std::fma(st, A(base), a0));
      p[i] = lane <= 0 ? b : T(std::fma(A(lane), st, A(b)));
    });
  }
}

template <class T> void linspace_fill(T* p, std::int64_t n, Scalar start_s, Scalar end_s) {
  const std::int64_t half = n / 2;
  if constexpr (std::is_integral_v<T>) {  // a double step; each value truncated to T
    for (const Scalar& s : {start_s, end_s})  // c10's checked Scalar::to<T>
      RAMP_CHECK(!overflows(s, dtype_of<T>), "value cannot be converted to type ",
                 std::is_same_v<T, std::uint8_t> ? "uint8_t" : std::is_same_v<T, std::int8_t> ? "int8_t"
                 : std::is_same_v<T, std::int32_t> ? "int" : "int64_t", " without overflow");
    const T start = start_s.to<T>(), end = end_s.to<T>();
    const double step = (double(end) - double(start)) / double(n - 1);
    auto at = [&](std::int64_t i) {
      return i < half ? std::fma(step, double(i), double(start)) : std::fma(-step, double(n - i - 1), double(end));
    };
    for_each_block<T>(n, [&](std::int64_t i, std::int64_t base, std::int64_t lane) {
      const T b = T(at(base));
      p[i] = lane <= 0 ? b : T(std::fma(double(lane), step, double(b)));
    });
  } else if constexpr (std::is_same_v<T, BFloat16>) {  // every operation in bfloat16
    const BFloat16 start = start_s.to<BFloat16>(), end = end_s.to<BFloat16>();
    const BFloat16 step = (end - start) / bf(float(n - 1));
    auto at = [&](std::int64_t i) {
      return i < half ? start + step * bf(float(i)) : end - step * bf(float(n - i - 1));
    };
    for_each_block<T>(n, [&](std::int64_t i, std::int64_t base, std::int64_t lane) {
      const BFloat16 b = at(base);
      p[i] = lane <= 0 ? b : b + bf(float(lane)) * step;
    });
  } else {  // in T: the scalar path fused, the lanes after a base not (the kernels' linspace)
    const T start = start_s.to<T>(), end = end_s.to<T>();
    const T step = (end - start) / T(n - 1);
    const auto fn = kernels::random_table().linspace[kRangeKernel<T>];
    for_each_chunk(n, [&](std::int64_t b, std::int64_t e) { fn(p, b, e, n, start, end, step); });
  }
}

void check_range_dtype(ScalarType dt, const char* kernel) {
  RAMP_CHECK(dt != ScalarType::Bool, "\"", kernel, "\" not implemented for 'Bool'");
}

}  // namespace

Tensor arange(Scalar end, std::optional<ScalarType> dtype) { return arange(0, end, 1, dtype); }
Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<ScalarType> dtype) {
  const bool all_int = !start.is_floating() && !end.is_floating() && !step.is_floating();
  const ScalarType dt = dtype.value_or(all_int ? ScalarType::Int64 : get_default_dtype());
  check_range_dtype(dt, "arange_cpu");
  std::int64_t n = 0;
  dispatch(dt, [&](auto v) {
    using A = Acc<decltype(v)>;
    const A xs = start.to<A>(), xe = end.to<A>(), xstep = step.to<A>();
    RAMP_CHECK(xstep > 0 || xstep < 0, "step must be nonzero");
    RAMP_CHECK(std::isfinite(double(xs)) && std::isfinite(double(xe)), "unsupported range: ", num(double(xs)),
               " -> ", num(double(xe)));
    RAMP_CHECK((xstep > 0 && xe >= xs) || (xstep < 0 && xe <= xs),
               "upper bound and larger bound inconsistent with step sign");
    double size;
    if constexpr (std::is_same_v<decltype(v), std::int64_t>) {  // integer division (more exact than double)
      const std::int64_t sgn = (xstep > 0) - (xstep < 0);
      size = double((end.to<std::int64_t>() - start.to<std::int64_t>() + xstep - sgn) / xstep);
    } else {
      size = std::ceil((end.to_double() - start.to_double()) / step.to_double());
    }
    RAMP_CHECK(size >= 0 && size <= double(std::numeric_limits<std::int64_t>::max()), "invalid size, possible overflow?");
    n = std::int64_t(size);
  });
  Tensor t = empty({n}, dt);
  dispatch(dt, [&](auto v) { arange_fill(t.data<decltype(v)>(), n, start, step); });
  return t;
}

Tensor linspace(Scalar start, Scalar end, std::int64_t steps, std::optional<ScalarType> dtype) {
  RAMP_CHECK(steps >= 0, "number of steps must be non-negative");
  const ScalarType dt = dtype.value_or(get_default_dtype());
  check_range_dtype(dt, "linspace_cpu");
  Tensor t = empty({steps}, dt);
  if (steps == 1) detail::fill_into(t, start);
  if (steps > 1) dispatch(dt, [&](auto v) { linspace_fill(t.data<decltype(v)>(), steps, start, end); });
  return t;
}

Tensor from_vector(const std::vector<double>& values, IntArrayRef sizes, std::optional<ScalarType> dtype_) {
  const ScalarType dtype = dtype_.value_or(get_default_dtype());
  RAMP_CHECK(std::int64_t(values.size()) == numel_of(sizes), "from_vector: ", values.size(),
             " values do not fill shape ", shape_str(sizes));
  Tensor t = empty(sizes, dtype);
  dispatch(dtype, [&](auto v) {
    using T = decltype(v);
    T* p = t.data<T>();
    for (std::size_t i = 0; i < values.size(); ++i) p[i] = convert<T>(values[i]);
  });
  return t;
}
Tensor tensor(std::initializer_list<double> v, std::optional<ScalarType> dtype) {
  return from_vector(std::vector<double>(v), {std::int64_t(v.size())}, dtype);
}
Tensor tensor(std::initializer_list<std::initializer_list<double>> v, std::optional<ScalarType> dtype) {
  std::vector<double> flat;
  std::int64_t cols = v.size() ? std::int64_t(v.begin()->size()) : 0;
  for (auto& row : v) {
    RAMP_CHECK_T(ValueError, std::int64_t(row.size()) == cols, "expected sequence of length ", cols,
                 " at dim 1 (got ", row.size(), ")");
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return from_vector(flat, {std::int64_t(v.size()), cols}, dtype);
}
Tensor tensor(std::initializer_list<std::int64_t> v, std::optional<ScalarType> dtype) {
  Tensor t = empty({std::int64_t(v.size())}, ScalarType::Int64);
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return dtype ? t.to(*dtype) : t;
}
Tensor tensor(std::initializer_list<int> v, std::optional<ScalarType> dtype) {
  Tensor t = empty({std::int64_t(v.size())}, ScalarType::Int64);
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return dtype ? t.to(*dtype) : t;
}
Tensor tensor(std::initializer_list<std::initializer_list<int>> v, std::optional<ScalarType> dtype) {
  std::vector<double> flat;
  for (auto& row : v) flat.insert(flat.end(), row.begin(), row.end());
  std::int64_t cols = v.size() ? std::int64_t(v.begin()->size()) : 0;
  RAMP_CHECK_T(ValueError, std::int64_t(flat.size()) == cols * std::int64_t(v.size()),
               "expected every row to have length ", cols);
  return from_vector(flat, {std::int64_t(v.size()), cols}, dtype.value_or(ScalarType::Int64));
}
Tensor tensor(std::initializer_list<bool> v) {
  Tensor t = empty({std::int64_t(v.size())}, ScalarType::Bool);
  std::copy(v.begin(), v.end(), t.data<bool>());
  return t;
}

}  // namespace ramp
