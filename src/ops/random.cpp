// The sampling ops of ramp/random.h: 1.13's argument checks and texts (DistributionTemplates.h,
// Distributions.cpp), its transformations (TransformationHelper.h: uniform with the dtype's mantissa
// bits, integers as draw % range + from), over ramp's mt19937_64 streams.
#include "ramp/random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include "../autograd/function.h"
#include "../kernels/random_kernels.h"
#include "../tensor/loop.h"
#include "ramp/ops.h"

namespace ramp {
namespace {

Generator& gen_or_default(Generator* g) { return g ? *g : default_generator(); }

// A number as c10::str prints it (ostream's default: -1, 1.5, 3e+38).
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The C++ type names 1.13's bound checks print ("from is out of bounds for unsigned char").
std::string_view cpp_name(ScalarType t) {
  constexpr std::string_view names[] = {"bool", "unsigned char", "signed char", "int",
                                        "long", "c10::BFloat16", "float", "double"};
  return names[std::size_t(t)];
}

template <class T> constexpr bool is_float_v = !std::is_integral_v<T>;
// std::numeric_limits<T>::digits as 1.13 uses it: the mantissa bits of a floating type.
template <class T> constexpr int digits = std::is_same_v<T, double> ? 53 : std::is_same_v<T, BFloat16> ? 8 : 24;
template <class T> double lowest() {
  if constexpr (std::is_same_v<T, BFloat16>) return -3.3895313892515355e38;
  else return double(std::numeric_limits<T>::lowest());
}
template <class T> double highest() {
  if constexpr (std::is_same_v<T, BFloat16>) return 3.3895313892515355e38;
  else return double(std::numeric_limits<T>::max());
}

// u in [0, 1) with 53 random bits (the distributions computed in double).
inline double u53(Mt19937_64& g) { return double(g() >> 11) * 0x1p-53; }
// u in (0, 1): its log is finite.
inline double u_open(Mt19937_64& g) { return (double(g() >> 11) + 0.5) * 0x1p-53; }
// 1.13's generator->random(): 32 bits.
inline std::uint64_t bits32(Mt19937_64& g) { return g() >> 32; }

// Writes draw(engine) into every element of `self` (any layout) in row-major order, under the lock.
template <class T, class Draw> void fill(const Tensor& self, Generator* gen, Draw draw) {
  Tensor buf = self.is_contiguous() ? self : empty(self.sizes(), self.dtype());
  T* p = static_cast<T*>(buf.data_ptr());
  const std::int64_t n = buf.numel();
  gen_or_default(gen).with_engine([&](Mt19937_64& g) {
    for (std::int64_t i = 0; i < n; ++i) p[i] = draw(g);
  });
  if (!buf.is_same(self)) detail::copy_into(self, buf);
}

// The bulk path: fills `self` a chunk at a time from a block of the engine's words (Mt19937_64::fill)
// through `body(words, out, m)`, which writes m elements from ceil(m / per) * words_per words: `per`
// elements come from each `words_per` words. Chunks are whole units and stay in L1.
template <class T, class Body>
void fill_words(const Tensor& self, Generator* gen, std::int64_t per, std::int64_t words_per, Body body) {
  constexpr std::int64_t kChunkWords = 2048;
  Tensor buf = self.is_contiguous() ? self : empty(self.sizes(), self.dtype());
  T* p = static_cast<T*>(buf.data_ptr());
  const std::int64_t n = buf.numel(), chunk = kChunkWords / words_per * per;
  gen_or_default(gen).with_engine([&](Mt19937_64& g) {
    alignas(64) std::uint64_t words[kChunkWords];
    for (std::int64_t i = 0; i < n; i += chunk) {
      const std::int64_t m = std::min(chunk, n - i);
      g.fill(words, (m + per - 1) / per * words_per);
      body(words, p + i, m);
    }
  });
  if (!buf.is_same(self)) detail::copy_into(self, buf);
}

// m values of a float kernel, through a float scratch for bfloat16.
template <class T, class K> void via_float(T* out, std::int64_t m, K kernel) {
  if constexpr (std::is_same_v<T, float>) {
    kernel(out);
  } else {
    alignas(64) float tmp[4096];
    kernel(tmp);
    for (std::int64_t i = 0; i < m; ++i) out[i] = convert<T>(tmp[i]);
  }
}

// Dispatches over floating dtypes only, with 1.13's "<kernel>" not implemented for '<dtype>'.
template <class F> void floating(const Tensor& t, std::string_view kernel, F f) {
  RAMP_CHECK(is_floating(t.dtype()), "\"", kernel, "\" not implemented for '", dtype_error_name(t.dtype()), "'");
  dispatch(t.dtype(), [&](auto v) {
    if constexpr (is_float_v<decltype(v)>) f(v);
  });
}

// An in-place sampler: 1.13's in-place checks, one version bump, and a node with a zero gradient.
template <class F> Tensor& sample_(Tensor& self, std::string_view node, F write) {
  autograd::check_inplace(self);
  write();
  self.bump_version();
  if (autograd::needs_grad({self}))
    autograd::record(self, node, {self}, {}, [](const autograd::Node&, const Tensor& g) {
      return std::vector<Tensor>{zeros_like(g)};
    });
  return self;
}

// Integers in [from, from + range) as 1.13's random_from_to: 64 bits when the range needs them.
// Ranges below 2^32 take each half of a word, reduced with Lemire's exact 32-bit modulo (two
// multiplies instead of a division); wider ones a whole word.
__extension__ using U128 = unsigned __int128;  // GCC's; __extension__ for -Wpedantic
template <class T> void random_from_to(const Tensor& self, std::uint64_t range, std::int64_t from, Generator* gen) {
  const std::uint64_t base = std::uint64_t(from);
  if (range >= (1ull << 32)) {
    fill_words<T>(self, gen, 1, 1, [&](const std::uint64_t* w, T* out, std::int64_t m) {
      for (std::int64_t i = 0; i < m; ++i) out[i] = convert<T>(std::int64_t(w[i] % range + base));
    });
    return;
  }
  const std::uint64_t magic = ~std::uint64_t(0) / range + 1;  // x % range == ((magic * x) * range) >> 64
  fill_words<T>(self, gen, 2, 1, [&](const std::uint64_t* w, T* out, std::int64_t m) {
    for (std::int64_t i = 0; i < m; ++i) {
      const std::uint32_t x = std::uint32_t(w[i / 2] >> (32 * (i & 1)));
      const auto r = std::uint64_t(U128(magic * x) * range >> 64);  // magic 0 for range 1
      out[i] = convert<T>(std::int64_t(r + base));
    }
  });
}

// 1.13's check_from_to_in_range for integer dtypes (floating ones only warn there).
void check_in_range(std::int64_t from, std::int64_t to_inc, ScalarType t) {
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    if constexpr (!is_float_v<T>) {
      const auto lo = std::int64_t(std::numeric_limits<T>::lowest()), hi = std::int64_t(std::numeric_limits<T>::max());
      RAMP_CHECK(from >= lo && from <= hi, "from is out of bounds for ", cpp_name(t));
      RAMP_CHECK(to_inc >= lo && to_inc <= hi, "to - 1 is out of bounds for ", cpp_name(t));
    }
  });
}

void check_bernoulli_p(double p) {
  RAMP_CHECK(p >= 0 && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", num(p));
}

void check_std_tensor(const Tensor& std) {
  bool ok = true;
  if (std.numel() > 0)
    for (double v : std.to_vector()) ok = ok && v >= 0;  // NaN fails, as 1.13's min().ge(0)
  RAMP_CHECK(ok, "normal expects all elements of std >= 0.0");
}
void check_std(double std) { RAMP_CHECK(std >= 0, "normal expects std >= 0.0, but found std ", num(std)); }

// The zero-gradient node 1.13 records on a sampled result whose tensor arguments require grad.
template <class... Inputs> Tensor zero_grad_node(Tensor out, std::string_view node, const Inputs&... inputs) {
  if (!autograd::needs_grad({inputs...})) return out;
  // each argument's gradient has its own shape (mean may be broadcast)
  autograd::record(out, node, {inputs...}, {}, [sizes = std::vector<Dims>{Dims(inputs.sizes())...}](const autograd::Node& n, const Tensor& g) {
    std::vector<Tensor> grads;
    for (std::size_t i = 0; i < n.next.size(); ++i) grads.push_back(n.next[i].fn ? zeros(sizes[i], g.dtype()) : Tensor());
    return grads;
  });
  return out;
}

ScalarType floating_default(std::optional<ScalarType> dtype) { return dtype.value_or(get_default_dtype()); }

}  // namespace

// ---- in place ----
Tensor& uniform_(Tensor& self, double from, double to, Generator* gen) {
  return sample_(self, "UniformBackward0", [&] {
    floating(self, "check_uniform_bounds", [&](auto v) {
      using T = decltype(v);
      const std::string_view name = cpp_name(self.dtype());
      RAMP_CHECK(from >= lowest<T>() && from <= highest<T>(), "from is out of bounds for ", name);
      RAMP_CHECK(to >= lowest<T>() && to <= highest<T>(), "to is out of bounds for ", name);
      RAMP_CHECK(from <= to, "uniform_ expects to return a [from, to) range, but found from=", num(from),
                 " > to=", num(to));
      RAMP_CHECK(to - from <= highest<T>(), "uniform_ expects to-from <= std::numeric_limits<",
                 dtype_error_name(self.dtype()), ">::max(), but found to=", num(to), " and from=", num(from),
                 " which result in to-from to exceed the limit");
      // x = (bits & mask) / 2^digits, then x * (to - from) + from in the accumulate type: 53 bits
      // of a word for float64, the low bits of each half of a word for float32 (24) and bfloat16 (8).
      const auto& k = kernels::random_table();
      if constexpr (std::is_same_v<T, double>) {
        fill_words<T>(self, gen, 1, 1, [&](const std::uint64_t* w, double* out, std::int64_t m) {
          k.uniform_f64(w, out, m, from, to - from);
        });
      } else if constexpr (std::is_same_v<T, float>) {
        fill_words<T>(self, gen, 2, 1, [&](const std::uint64_t* w, float* out, std::int64_t m) {
          k.uniform_f32(w, out, m, float(from), float(to - from));
        });
      } else {
        const float lo = float(from), width = float(to - from);
        fill_words<T>(self, gen, 2, 1, [&](const std::uint64_t* w, T* out, std::int64_t m) {
          for (std::int64_t i = 0; i < m; ++i) {
            const std::uint32_t half = std::uint32_t(w[i / 2] >> (32 * (i & 1)));
            out[i] = convert<T>(float(half & 0xffu) * 0x1p-8f * width + lo);
          }
        });
      }
    });
  });
}

namespace {
// N(mean, std) by Box-Muller on pairs of uniforms (the kernels' normal_f32 / normal_f64): float32
// and bfloat16 (rounded from float) take a pair from a word, float64 from two.
template <class T> void fill_normal(const Tensor& self, double mean, double std, Generator* gen) {
  const auto& k = kernels::random_table();
  if constexpr (std::is_same_v<T, double>) {
    fill_words<T>(self, gen, 2, 2, [&](const std::uint64_t* w, double* out, std::int64_t m) {
      k.normal_f64(w, out, m, mean, std);
    });
  } else {
    fill_words<T>(self, gen, 2, 1, [&](const std::uint64_t* w, T* out, std::int64_t m) {
      via_float(out, m, [&](float* o) { k.normal_f32(w, o, m, float(mean), float(std)); });
    });
  }
}
}  // namespace

Tensor& normal_(Tensor& self, double mean, double std, Generator* gen) {
  return sample_(self, "NormalBackward0", [&] {
    check_std(std);
    floating(self, "normal_kernel_cpu", [&](auto v) { fill_normal<decltype(v)>(self, mean, std, gen); });
  });
}

Tensor& log_normal_(Tensor& self, double mean, double std, Generator* gen) {
  return sample_(self, "LogNormalBackward0", [&] {
    RAMP_CHECK(std > 0, "log_normal_ expects std > 0.0, but found std=", num(std));
    floating(self, "log_normal_cpu", [&](auto) {
      // exp of double normals, rounded once to self's dtype by the copy
      Tensor z = empty(self.sizes(), ScalarType::Float64);
      fill_normal<double>(z, mean, std, gen);
      double* zp = z.data<double>();
      for (std::int64_t i = 0; i < z.numel(); ++i) zp[i] = std::exp(zp[i]);
      detail::copy_into(self, z);
    });
  });
}

Tensor& cauchy_(Tensor& self, double median, double sigma, Generator* gen) {
  return sample_(self, "CauchyBackward0", [&] {
    floating(self, "cauchy_cpu", [&](auto v) {
      using T = decltype(v);
      // median + sigma tan(pi (u - 1/2))
      fill<T>(self, gen, [median, sigma](Mt19937_64& g) {
        return convert<T>(median + sigma * std::tan(std::numbers::pi * (u53(g) - 0.5)));
      });
    });
  });
}

Tensor& exponential_(Tensor& self, double lambd, Generator* gen) {
  return sample_(self, "ExponentialBackward0", [&] {
    RAMP_CHECK(lambd >= 0, "exponential_ expects lambda >= 0.0, but found lambda=", num(lambd));
    floating(self, "exponential_cpu", [&](auto v) {
      using T = decltype(v);
      // -log(1 - u) / lambda: u < 1, so the draw is finite (0 when u == 0)
      fill<T>(self, gen, [lambd](Mt19937_64& g) { return convert<T>(-std::log1p(-u53(g)) / lambd); });
    });
  });
}

Tensor& geometric_(Tensor& self, double p, Generator* gen) {
  return sample_(self, "GeometricBackward0", [&] {
    RAMP_CHECK(p > 0 && p < 1, "geometric_ expects p to be in (0, 1), but got p=", num(p));
    dispatch(self.dtype(), [&](auto v) {
      using T = decltype(v);
      // ceil(log(u) / log(1 - p)) with u in (0, 1]: the number of trials up to the first success
      const double denom = std::log1p(-p);
      fill<T>(self, gen, [denom](Mt19937_64& g) {
        return convert<T>(std::ceil(std::log(1 - u53(g)) / denom));
      });
    });
  });
}

Tensor& random_(Tensor& self, Generator* gen) {
  return sample_(self, "RandomBackward2", [&] {
    dispatch(self.dtype(), [&](auto v) {
      using T = decltype(v);
      if constexpr (std::is_same_v<T, bool>) {
        fill<T>(self, gen, [](Mt19937_64& g) { return bool(bits32(g) & 1); });
      } else if constexpr (is_float_v<T>) {  // [0, 2^digits]: every integer the dtype holds exactly
        constexpr std::uint64_t range = (1ull << digits<T>) + 1;
        fill<T>(self, gen, [](Mt19937_64& g) { return convert<T>((digits<T> > 32 ? g() : bits32(g)) % range); });
      } else {
        constexpr std::uint64_t range = std::uint64_t(std::numeric_limits<T>::max()) + 1;
        fill<T>(self, gen, [](Mt19937_64& g) { return convert<T>((sizeof(T) == 8 ? g() : bits32(g)) % range); });
      }
    });
  });
}

Tensor& random_(Tensor& self, std::int64_t to, Generator* gen) {
  RAMP_CHECK(0 < to, "random_ expects 'from' to be less than 'to', but got from=0 >= to=", to);
  check_in_range(0, to - 1, self.dtype());
  return sample_(self, "RandomBackward1", [&] {
    dispatch(self.dtype(), [&](auto v) { random_from_to<decltype(v)>(self, std::uint64_t(to), 0, gen); });
  });
}

Tensor& random_(Tensor& self, std::int64_t from, std::optional<std::int64_t> to, Generator* gen) {
  std::uint64_t range = 0;
  if (to) {
    RAMP_CHECK(from < *to, "random_ expects 'from' to be less than 'to', but got from=", from, " >= to=", *to);
    check_in_range(from, *to - 1, self.dtype());
    range = std::uint64_t(*to) - std::uint64_t(from);
  } else {
    const std::int64_t to_inc = dispatch(self.dtype(), [](auto v) -> std::int64_t {
      using T = decltype(v);
      if constexpr (is_float_v<T>) return std::int64_t(1) << digits<T>;
      else return std::int64_t(std::numeric_limits<T>::max());
    });
    check_in_range(from, to_inc, self.dtype());
    RAMP_CHECK(from <= to_inc, "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted "
               "to dtype, but got from=", from, " > to_inc=", to_inc);
    range = std::uint64_t(to_inc) - std::uint64_t(from) + 1;  // 0 means all 2^64 values
  }
  return sample_(self, "RandomBackward0", [&] {
    dispatch(self.dtype(), [&](auto v) {
      using T = decltype(v);
      if (range == 0)
        fill<T>(self, gen, [](Mt19937_64& g) { return convert<T>(std::int64_t(g())); });
      else
        random_from_to<T>(self, range, from, gen);
    });
  });
}

Tensor& bernoulli_(Tensor& self, double p, Generator* gen) {
  check_bernoulli_p(p);
  return sample_(self, "BernoulliBackward2", [&] {
    dispatch(self.dtype(), [&](auto v) {
      using T = decltype(v);
      // u53 < p as integers: (w >> 11) < ceil(p 2^53), exact (scaling by 2^53 is)
      const std::uint64_t t = std::uint64_t(std::ceil(std::ldexp(p, 53)));
      fill_words<T>(self, gen, 1, 1, [&](const std::uint64_t* w, T* out, std::int64_t m) {
        for (std::int64_t i = 0; i < m; ++i) out[i] = convert<T>((w[i] >> 11) < t ? 1 : 0);
      });
    });
  });
}

Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen) {
  RAMP_CHECK(is_floating(p.dtype()), "\"bernoulli_tensor_cpu_p_\" not implemented for '",
             dtype_error_name(p.dtype()), "'");
  const Tensor probs = p.detach().expand(self.sizes()).to(ScalarType::Float64).contiguous();
  const double* q = probs.data<double>();
  for (std::int64_t i = 0; i < probs.numel(); ++i)
    RAMP_CHECK(q[i] >= 0 && q[i] <= 1, "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
               "error message be improved?  If so, please report an enhancement request to PyTorch.)");
  return sample_(self, "BernoulliBackward1", [&] {
    dispatch(self.dtype(), [&](auto v) {
      using T = decltype(v);
      std::int64_t i = 0;
      fill<T>(self, gen, [q, &i](Mt19937_64& g) { return convert<T>(u53(g) < q[i++] ? 1 : 0); });
    });
  });
}

// ---- factories ----
Tensor rand(IntArrayRef sizes, std::optional<ScalarType> dtype, Generator* gen) {
  Tensor t = empty(sizes, floating_default(dtype));
  return uniform_(t, 0, 1, gen);
}
Tensor randn(IntArrayRef sizes, std::optional<ScalarType> dtype, Generator* gen) {
  Tensor t = empty(sizes, floating_default(dtype));
  return normal_(t, 0, 1, gen);
}
Tensor randint(std::int64_t high, IntArrayRef sizes, Generator* gen, std::optional<ScalarType> dtype) {
  return randint(0, high, sizes, gen, dtype);
}
Tensor randint(std::int64_t low, std::int64_t high, IntArrayRef sizes, Generator* gen, std::optional<ScalarType> dtype) {
  Tensor t = empty(sizes, dtype.value_or(ScalarType::Int64));
  return random_(t, low, high, gen);
}
Tensor randperm(std::int64_t n, Generator* gen) {
  RAMP_CHECK(n >= 0, "n must be non-negative, got", n);
  Tensor out = empty({n}, ScalarType::Int64);
  auto* p = out.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = i;
  gen_or_default(gen).with_engine([&](Mt19937_64& g) {
    for (std::int64_t i = n - 1; i > 0; --i)  // Fisher-Yates: p[i] swaps with a uniform p[0..i]
      std::swap(p[i], p[std::uniform_int_distribution<std::int64_t>(0, i)(g)]);
  });
  return out;
}
Tensor rand_like(const Tensor& self, std::optional<ScalarType> dtype, Generator* gen) {
  Tensor t = empty_like(self, dtype);
  return uniform_(t, 0, 1, gen);
}
Tensor randn_like(const Tensor& self, std::optional<ScalarType> dtype, Generator* gen) {
  Tensor t = empty_like(self, dtype);
  return normal_(t, 0, 1, gen);
}
Tensor randint_like(const Tensor& self, std::int64_t high, std::optional<ScalarType> dtype, Generator* gen) {
  return randint_like(self, 0, high, dtype, gen);
}
Tensor randint_like(const Tensor& self, std::int64_t low, std::int64_t high, std::optional<ScalarType> dtype,
                    Generator* gen) {
  Tensor t = empty_like(self, dtype);
  return random_(t, low, high, gen);
}

// 1.13's normal_out_impl: N(0, 1) draws in the result, then * std + mean in place.
Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen) {
  check_std_tensor(std);
  Tensor out = autograd::below([&] {
    Tensor o = empty(broadcast_shapes(mean.sizes(), std.sizes()), mean.dtype());
    normal_(o, 0, 1, gen);
    return o.mul_(std.to(o.dtype())).add_(mean);  // std may be wider than mean (as 1.13 allows)
  });
  return zero_grad_node(out, "NormalBackward3", mean, std);
}
Tensor normal(const Tensor& mean, double std, Generator* gen) {
  check_std(std);
  Tensor out = autograd::below([&] {
    Tensor o = empty_like(mean);
    normal_(o, 0, std, gen);
    return o.add_(mean);
  });
  return zero_grad_node(out, "NormalBackward1", mean);
}
Tensor normal(double mean, const Tensor& std, Generator* gen) {
  check_std_tensor(std);
  Tensor out = autograd::below([&] {
    Tensor o = empty_like(std);
    normal_(o, 0, 1, gen);
    return o.mul_(std).add_(mean);
  });
  return zero_grad_node(out, "NormalBackward2", std);
}
Tensor normal(double mean, double std, IntArrayRef sizes, Generator* gen, std::optional<ScalarType> dtype) {
  Tensor t = empty(sizes, floating_default(dtype));
  return normal_(t, mean, std, gen);
}

Tensor bernoulli(const Tensor& self, Generator* gen) {
  Tensor out = autograd::below([&] {
    Tensor o = empty_like(self);
    return bernoulli_(o, self, gen);
  });
  return zero_grad_node(out, "BernoulliBackward0", self);
}
Tensor bernoulli(const Tensor& self, double p, Generator* gen) {
  Tensor o = empty_like(self);
  return bernoulli_(o, p, gen);
}

Tensor multinomial(const Tensor& self, std::int64_t n, bool replacement, Generator* gen) {
  RAMP_CHECK(self.dim() > 0 && self.dim() <= 2, "prob_dist must be 1 or 2 dim");
  RAMP_CHECK(is_floating(self.dtype()), "multinomial only supports floating-point dtypes for input, got: ",
             dtype_error_name(self.dtype()));
  RAMP_CHECK(n > 0, "cannot sample n_sample <= 0 samples");
  const std::int64_t categories = self.size(-1), rows = self.dim() == 1 ? 1 : self.size(0);
  RAMP_CHECK(replacement || n <= categories,
             "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  RAMP_CHECK(categories <= (std::int64_t(1) << 24), "number of categories cannot exceed 2^24");
  Tensor out = self.dim() == 1 ? empty({n}, ScalarType::Int64) : empty({rows, n}, ScalarType::Int64);
  if (out.numel() == 0 && self.dim() == 2) return out;
  const Tensor w = self.detach().to(ScalarType::Float64).contiguous().reshape({rows, categories});
  const double* p = w.data<double>();
  std::int64_t* o = out.data<std::int64_t>();
  if (!replacement || n == 1) {
    // 1.13's race: the n largest p / q with q ~ Exp(1) (a Gumbel-max in disguise): draws without
    // replacement with the sequential-sampling probabilities.
    for (std::int64_t i = 0; i < w.numel(); ++i)
      RAMP_CHECK(p[i] >= 0 && p[i] < INFINITY, "probability tensor contains either `inf`, `nan` or element < 0");
    for (std::int64_t r = 0; r < rows; ++r) {
      double s = 0;
      for (std::int64_t c = 0; c < categories; ++c) s += p[r * categories + c];
      RAMP_CHECK(s > 0, "invalid multinomial distribution (sum of probabilities <= 0)");
    }
    std::vector<std::pair<double, std::int64_t>> keys(static_cast<std::size_t>(categories));
    gen_or_default(gen).with_engine([&](Mt19937_64& g) {
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < categories; ++c)
          keys[std::size_t(c)] = {p[r * categories + c] / -std::log(u_open(g)), c};
        // largest key first; ties keep the lower index (topk's order)
        std::partial_sort(keys.begin(), keys.begin() + n, keys.end(),
                          [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
        for (std::int64_t k = 0; k < n; ++k) o[r * n + k] = keys[std::size_t(k)].second;
      }
    });
    return out;
  }
  // With replacement: the normalised cumulative sums, searched for each uniform draw.
  std::vector<double> cdf(static_cast<std::size_t>(categories));
  for (std::int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (std::int64_t c = 0; c < categories; ++c) {
      const double v = p[r * categories + c];
      RAMP_CHECK(v >= 0, "invalid multinomial distribution (encountering probability entry < 0)");
      RAMP_CHECK(std::isfinite(v), "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      s += v;
    }
    RAMP_CHECK(s > 0, "invalid multinomial distribution (sum of probabilities <= 0)");
  }
  gen_or_default(gen).with_engine([&](Mt19937_64& g) {
    for (std::int64_t r = 0; r < rows; ++r) {
      double s = 0;
      for (std::int64_t c = 0; c < categories; ++c) cdf[std::size_t(c)] = s += p[r * categories + c];
      for (std::int64_t k = 0; k < n; ++k) {
        const double u = u53(g) * s;
        // the first category whose cumulative sum exceeds u (zero-weight ones are never chosen)
        auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
        if (it == cdf.end()) --it;
        o[r * n + k] = std::int64_t(it - cdf.begin());
      }
    }
  });
  return out;
}

}  // namespace ramp
