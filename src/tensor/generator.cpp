// torch.Generator over mt19937_64 (Mt19937_64: std::mt19937_64 with block draws), the default
// generator, and the state as a uint8 tensor.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "../kernels/kernels.h"
#include "../kernels/random_kernels.h"
#include "ramp/random.h"

namespace ramp {

namespace kernels {
const RandomTable& random_table() {
  static const RandomTable& t = []() -> const RandomTable& {
    const std::string_view isa = table().isa;  // the activation kernels' choice
    if (isa.starts_with("AVX3")) return avx512::random_table();
    if (isa == "AVX2") return avx2::random_table();
    return baseline::random_table();
  }();
  return t;
}
}  // namespace kernels

// ---- Mt19937_64: std::mersenne_twister_engine's seeding; twist and tempering in the kernels ----
void Mt19937_64::seed(result_type s) {
  x_[0] = s;
  for (std::size_t i = 1; i < state_size; ++i) x_[i] = 6364136223846793005ull * (x_[i - 1] ^ (x_[i - 1] >> 62)) + i;
  pos_ = state_size;
}
void Mt19937_64::twist() {
  kernels::random_table().mt_twist(x_);
  pos_ = 0;
}
void Mt19937_64::fill(result_type* out, std::int64_t n) {
  const auto& k = kernels::random_table();
  while (n > 0) {
    if (pos_ >= state_size) twist();
    const std::int64_t m = std::min<std::int64_t>(n, std::int64_t(state_size - pos_));
    k.mt_temper(x_ + pos_, out, m);
    pos_ += std::size_t(m), out += m, n -= m;
  }
}
void Mt19937_64::discard(unsigned long long z) {
  for (; z; --z) (*this)();
}
void Mt19937_64::set_state(const result_type* words, std::size_t pos) {
  RAMP_CHECK(pos <= state_size, "set_state: invalid generator state");
  std::copy(words, words + state_size, x_);
  pos_ = pos;
}
bool operator==(const Mt19937_64& a, const Mt19937_64& b) {
  return a.pos_ == b.pos_ && std::equal(a.x_, a.x_ + a.state_size, b.x_);
}

namespace {
// State layout: seed, the engine's 312 words, then its position in them (std::mt19937_64's text
// form, which every std::mt19937_64 can read back).
constexpr std::size_t kWords = Mt19937_64::state_size + 2;
constexpr std::int64_t kStateBytes = std::int64_t(kWords * sizeof(std::uint64_t));
}  // namespace

Generator::Generator(const Generator& o) {
  std::lock_guard lock(o.mu_);
  seed_ = o.seed_;
  engine_ = o.engine_;
}
Generator& Generator::operator=(const Generator& o) {
  if (this == &o) return *this;
  std::scoped_lock lock(mu_, o.mu_);
  seed_ = o.seed_;
  engine_ = o.engine_;
  return *this;
}
Generator& Generator::manual_seed(std::uint64_t seed) {
  std::lock_guard lock(mu_);
  seed_ = seed;
  engine_.seed(seed);
  return *this;
}
std::uint64_t Generator::seed() {
  std::random_device rd;
  const std::uint64_t s = (std::uint64_t(rd()) << 32) | rd();
  manual_seed(s);
  return s;
}
std::uint64_t Generator::initial_seed() const {
  std::lock_guard lock(mu_);
  return seed_;
}

Tensor Generator::get_state() const {
  std::uint64_t words[kWords];
  {
    std::lock_guard lock(mu_);
    words[0] = seed_;
    std::copy(engine_.words(), engine_.words() + Mt19937_64::state_size, words + 1);
    words[kWords - 1] = engine_.position();
  }
  Tensor out = empty({kStateBytes}, ScalarType::UInt8);
  std::memcpy(out.data_ptr(), words, sizeof(words));
  return out;
}

Generator& Generator::set_state(const Tensor& state) {
  RAMP_CHECK_T(TypeError, state.dtype() == ScalarType::UInt8, "RNG state must be a torch.ByteTensor");
  RAMP_CHECK(state.numel() == kStateBytes, "Expected a ramp generator state of size ", kStateBytes,
             " but found the input RNG state size to be ", state.numel());
  std::uint64_t words[kWords];
  std::memcpy(words, state.contiguous().data_ptr(), sizeof(words));
  RAMP_CHECK(words[kWords - 1] <= Mt19937_64::state_size, "set_state: invalid generator state");
  // An all-zero engine draws zeros forever (randn's rejection loop would never end); seeding never
  // makes one, and 1.13 refuses such a state too ("Invalid mt19937 state").
  RAMP_CHECK(std::any_of(words + 1, words + kWords - 1, [](std::uint64_t w) { return w != 0; }),
             "set_state: invalid generator state (all zero)");
  Mt19937_64 engine;
  engine.set_state(words + 1, std::size_t(words[kWords - 1]));
  std::lock_guard lock(mu_);
  seed_ = words[0];
  engine_ = engine;
  return *this;
}

Generator& default_generator() {
  static Generator g;
  return g;
}
void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }
std::uint64_t initial_seed() { return default_generator().initial_seed(); }
std::uint64_t seed() { return default_generator().seed(); }
Tensor get_rng_state() { return default_generator().get_state(); }
void set_rng_state(const Tensor& state) { default_generator().set_state(state); }

}  // namespace ramp
