// Tensor factories, the global random generator, and the thread count.
#include <omp.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <random>

#include "loop.h"
#include "random.h"
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

Tensor arange(Scalar end, std::optional<ScalarType> dtype) { return arange(0, end, 1, dtype); }
Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<ScalarType> dtype) {
  bool all_int = !start.is_floating() && !end.is_floating() && !step.is_floating();
  ScalarType dt = dtype.value_or(all_int ? ScalarType::Int64 : get_default_dtype());
  double b = start.to_double(), e = end.to_double(), s = step.to_double();
  RAMP_CHECK(s != 0, "step must be nonzero");
  RAMP_CHECK(std::isfinite(b) && std::isfinite(e), "unsupported range: ", b, " -> ", e);
  RAMP_CHECK((s > 0 && e >= b) || (s < 0 && e <= b), "upper bound and larger bound inconsistent with step sign");
  auto n = std::int64_t(std::ceil((e - b) / s));
  Tensor t = empty({n}, dt);
  dispatch(dt, [&](auto v) {
    using T = decltype(v);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i)
      p[i] = all_int ? convert<T>(start.i + i * step.i) : convert<T>(b + double(i) * s);
  });
  return t;
}
Tensor linspace(double start, double end, std::int64_t steps, std::optional<ScalarType> dtype_) {
  const ScalarType dtype = dtype_.value_or(get_default_dtype());
  RAMP_CHECK(steps >= 0, "number of steps must be non-negative");
  Tensor t = empty({steps}, dtype);
  double step = steps > 1 ? (end - start) / double(steps - 1) : 0;
  dispatch(dtype, [&](auto v) {
    using T = decltype(v);
    T* p = t.data<T>();
    // Like PyTorch: the first half counts up from start, the second half down from end.
    std::int64_t half = steps / 2;
    if (steps == 1) half = 1;  // a single step is `start`
    for (std::int64_t i = 0; i < steps; ++i)
      p[i] = convert<T>(i < half ? start + step * double(i) : end - step * double(steps - i - 1));
  });
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

// ---- random ----
namespace {
struct Generator {
  std::mutex mu;
  std::uint64_t seed = 67280421310721ull;  // PyTorch's default seed
  std::mt19937_64 engine{67280421310721ull};
};
Generator& generator() {
  static Generator g;
  return g;
}
template <class Dist> Tensor random_tensor(IntArrayRef sizes, std::optional<ScalarType> dtype_, Dist dist) {
  const ScalarType dtype = dtype_.value_or(get_default_dtype());
  RAMP_CHECK(is_floating(dtype), "\"check_uniform_bounds\" not implemented for '", dtype_error_name(dtype), "'");
  Tensor t = empty(sizes, dtype);
  auto& g = generator();
  std::lock_guard lock(g.mu);
  dispatch(dtype, [&](auto v) {
    using T = decltype(v);
    if constexpr (!std::is_integral_v<T>) {
      T* p = static_cast<T*>(t.data_ptr());
      for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = convert<T>(dist(g.engine));
    }
  });
  return t;
}
}  // namespace

void manual_seed(std::uint64_t seed) {
  auto& g = generator();
  std::lock_guard lock(g.mu);
  g.seed = seed;
  g.engine.seed(seed);
}
std::uint64_t initial_seed() { return generator().seed; }

void detail::with_generator(const std::function<void(std::mt19937_64&)>& f) {
  auto& g = generator();
  std::lock_guard lock(g.mu);
  f(g.engine);
}

Tensor rand(IntArrayRef sizes, std::optional<ScalarType> dtype) {
  return random_tensor(sizes, dtype, std::uniform_real_distribution<double>(0.0, 1.0));
}
Tensor randn(IntArrayRef sizes, std::optional<ScalarType> dtype) {
  return random_tensor(sizes, dtype, std::normal_distribution<double>(0.0, 1.0));
}

// ---- threads ----
void set_num_threads(int n) {
  RAMP_CHECK(n > 0, "set_num_threads expects a positive integer");
  omp_set_num_threads(n);
}
int get_num_threads() { return omp_get_max_threads(); }

}  // namespace ramp
