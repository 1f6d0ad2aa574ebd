// Random numbers: torch.Generator and the sampling functions of PyTorch 1.13, with its names,
// defaults, checks and error texts. The streams are ramp's own (mt19937_64): a seed gives the same
// numbers on every run, not torch's numbers; the distributions are torch's.
// Bulk samplers (rand, randn, randint, bernoulli_ ...) take the engine's words a block at a time
// (Mt19937_64::fill) and turn them into values with vectorized kernels (src/kernels/random_kernels.cpp).
//
//   ramp::manual_seed(0);                                  // the default generator (and so dropout,
//                                                          // rrelu, nn::init, shuffling) restarts
//   ramp::Generator g(42);
//   auto x = ramp::randn({3, 4}, {}, &g);                  // from g, not the default generator
//   x.normal_(0, 2, &g); ramp::multinomial(probs, 5, /*replacement=*/true, &g);
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>  // std::uniform_int_distribution and the like, over Mt19937_64

#include "ramp/tensor.h"

namespace ramp {

// std::mt19937_64, number for number (same seeding, same draws, same state: tested against it),
// plus fill(): a block of draws at once. The twist and the tempering run as the vector loops of
// src/kernels/random_kernels.cpp, 4-8x faster than libstdc++'s scalar engine.
class Mt19937_64 {
 public:
  using result_type = std::uint64_t;
  static constexpr std::size_t state_size = 312;
  static constexpr std::uint64_t default_seed = 5489u;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type(0); }

  explicit Mt19937_64(result_type s = default_seed) { seed(s); }
  void seed(result_type s);
  result_type operator()() {
    if (pos_ >= state_size) twist();
    return temper(x_[pos_++]);
  }
  // out[0..n) = the next n draws.
  void fill(result_type* out, std::int64_t n);
  void discard(unsigned long long z);

  // The state: 312 words and the position in them (pos <= 312), as std::mt19937_64's text form lists them.
  const result_type* words() const { return x_; }
  std::size_t position() const { return pos_; }
  void set_state(const result_type* words, std::size_t pos);

  static constexpr result_type temper(result_type z) {
    z ^= (z >> 29) & 0x5555555555555555ull;
    z ^= (z << 17) & 0x71d67fffeda60000ull;
    z ^= (z << 37) & 0xfff7eee000000000ull;
    return z ^ (z >> 43);
  }
  friend bool operator==(const Mt19937_64& a, const Mt19937_64& b);

 private:
  void twist();
  result_type x_[state_size];
  std::size_t pos_ = state_size;
};

// torch.Generator: a seeded stream. Copies get their own copy of the state; sampling holds the
// generator's lock, so threads may share one.
class Generator {
 public:
  static constexpr std::uint64_t kDefaultSeed = 67280421310721ull;  // torch's default seed
  explicit Generator(std::uint64_t seed = kDefaultSeed) { manual_seed(seed); }
  Generator(const Generator& o);
  Generator& operator=(const Generator& o);

  Generator& manual_seed(std::uint64_t seed);
  // Seeds from std::random_device (torch's nondeterministic seed) and returns that seed.
  std::uint64_t seed();
  std::uint64_t initial_seed() const;
  // The whole state as a uint8 tensor (the seed, then the engine's words): set_state of it
  // continues the stream from here.
  Tensor get_state() const;
  Generator& set_state(const Tensor& state);

  // Runs f(engine) holding the lock.
  template <class F> decltype(auto) with_engine(F&& f) {
    std::lock_guard lock(mu_);
    return f(engine_);
  }

 private:
  mutable std::mutex mu_;
  std::uint64_t seed_ = kDefaultSeed;
  Mt19937_64 engine_;
};

// The generator behind every random op given no generator (torch.default_generator):
// manual_seed, seed, initial_seed, get_rng_state and set_rng_state act on it.
Generator& default_generator();
std::uint64_t seed();
Tensor get_rng_state();
void set_rng_state(const Tensor& state);

// ---- in place: fill `self` with draws (a null generator is the default one) ----
// Each records 1.13's node (NormalBackward0, ...) on a tensor that requires grad; its gradient is
// zero. Floating dtypes only, except random_, bernoulli_ and geometric_ (any dtype, as 1.13).
Tensor& uniform_(Tensor& self, double from = 0, double to = 1, Generator* generator = nullptr);
Tensor& normal_(Tensor& self, double mean = 0, double std = 1, Generator* generator = nullptr);
Tensor& log_normal_(Tensor& self, double mean = 1, double std = 2, Generator* generator = nullptr);
Tensor& cauchy_(Tensor& self, double median = 0, double sigma = 1, Generator* generator = nullptr);
Tensor& exponential_(Tensor& self, double lambd = 1, Generator* generator = nullptr);
Tensor& geometric_(Tensor& self, double p, Generator* generator = nullptr);
// random_(): integers in [0, 2^mantissa] for floating dtypes, [0, max] for integer ones;
// random_(to): [0, to); random_(from, to): [from, to), to absent meaning the dtype's max.
Tensor& random_(Tensor& self, Generator* generator = nullptr);
Tensor& random_(Tensor& self, std::int64_t to, Generator* generator = nullptr);
Tensor& random_(Tensor& self, std::int64_t from, std::optional<std::int64_t> to, Generator* generator = nullptr);
// 1 with probability p (a number, or a tensor broadcast to self's shape), else 0.
Tensor& bernoulli_(Tensor& self, double p = 0.5, Generator* generator = nullptr);
Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* generator = nullptr);

// ---- factories ----
// rand and randn are in ramp/tensor.h. Floating results default to get_default_dtype().
// Integers in [low, high) (int64 unless dtype says otherwise; a floating dtype holds integers).
Tensor randint(std::int64_t high, IntArrayRef sizes, Generator* generator = nullptr,
               std::optional<ScalarType> dtype = {});
Tensor randint(std::int64_t low, std::int64_t high, IntArrayRef sizes, Generator* generator = nullptr,
               std::optional<ScalarType> dtype = {});
// A permutation of 0 .. n-1 (int64), Fisher-Yates.
Tensor randperm(std::int64_t n, Generator* generator = nullptr);
Tensor rand_like(const Tensor& self, std::optional<ScalarType> dtype = {}, Generator* generator = nullptr);
Tensor randn_like(const Tensor& self, std::optional<ScalarType> dtype = {}, Generator* generator = nullptr);
Tensor randint_like(const Tensor& self, std::int64_t high, std::optional<ScalarType> dtype = {},
                    Generator* generator = nullptr);
Tensor randint_like(const Tensor& self, std::int64_t low, std::int64_t high, std::optional<ScalarType> dtype = {},
                    Generator* generator = nullptr);

// torch.normal: each element ~ N(mean, std) with tensors broadcast against each other; the graph
// records NormalBackward1/2/3 (zero gradients to the tensor arguments).
Tensor normal(const Tensor& mean, const Tensor& std, Generator* generator = nullptr);
Tensor normal(const Tensor& mean, double std = 1, Generator* generator = nullptr);
Tensor normal(double mean, const Tensor& std, Generator* generator = nullptr);
Tensor normal(double mean, double std, IntArrayRef sizes, Generator* generator = nullptr,
              std::optional<ScalarType> dtype = {});
// Draws with probabilities `self` (self's dtype, BernoulliBackward0), or p.
Tensor bernoulli(const Tensor& self, Generator* generator = nullptr);
Tensor bernoulli(const Tensor& self, double p, Generator* generator = nullptr);
// num_samples category indices (int64) per row of a 1-d or 2-d tensor of non-negative weights;
// without replacement each row's draws differ (1.13's exponential-race algorithm).
Tensor multinomial(const Tensor& self, std::int64_t num_samples, bool replacement = false,
                   Generator* generator = nullptr);

}  // namespace ramp
