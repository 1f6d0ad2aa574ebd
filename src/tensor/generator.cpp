// torch.Generator over mt19937_64, the default generator, and the state as a uint8 tensor.
#include <algorithm>
#include <cstring>
#include <sstream>

#include "ramp/random.h"

namespace ramp {

namespace {
// State layout: seed, the engine's 312 words, then its position in them (libstdc++'s text form,
// which every std::mt19937_64 can read back).
constexpr std::size_t kWords = std::mt19937_64::state_size + 2;
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
  std::ostringstream text;
  std::uint64_t seed;
  {
    std::lock_guard lock(mu_);
    text << engine_;
    seed = seed_;
  }
  std::uint64_t words[kWords];
  words[0] = seed;
  std::istringstream in(text.str());
  for (std::size_t i = 1; i < kWords; ++i) in >> words[i];
  RAMP_CHECK(!in.fail(), "get_state: could not read the generator's state");
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
  RAMP_CHECK(words[kWords - 1] <= std::mt19937_64::state_size, "set_state: invalid generator state");
  // An all-zero engine draws zeros forever (randn's rejection loop would never end); seeding never
  // makes one, and 1.13 refuses such a state too ("Invalid mt19937 state").
  RAMP_CHECK(std::any_of(words + 1, words + kWords - 1, [](std::uint64_t w) { return w != 0; }),
             "set_state: invalid generator state (all zero)");
  std::ostringstream text;
  for (std::size_t i = 1; i < kWords; ++i) text << words[i] << (i + 1 < kWords ? " " : "");
  std::mt19937_64 engine;
  std::istringstream in(text.str());
  in >> engine;
  RAMP_CHECK(!in.fail(), "set_state: invalid generator state");
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
