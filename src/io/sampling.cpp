// The draws behind ramp.utils.data's samplers and random_split (ramp's own streams: mt19937_64).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ramp/random.h"
#include "ramp/data.h"

namespace ramp::data {
namespace {

// f(engine) with `gen`'s engine, or the default generator's, under that generator's lock.
template <class F>
void draw(Generator* gen, F f) {
  (gen ? *gen : default_generator()).with_engine(f);
}

Tensor int64_tensor(std::int64_t n, std::int64_t** data) {
  Tensor out = empty({n}, ScalarType::Int64);
  *data = static_cast<std::int64_t*>(out.data_ptr());
  return out;
}

}  // namespace

Tensor random_indices(std::int64_t n, std::int64_t count, Generator* gen) {
  RAMP_CHECK(count >= 0, "random_indices: count must be non-negative, got ", count);
  RAMP_CHECK(n > 0 || count == 0,
             "random_from_to expects 'from' to be less than 'to', but got from=0 >= to=", n);
  std::int64_t* p;
  Tensor out = int64_tensor(count, &p);
  draw(gen, [&](Mt19937_64& g) {
    std::uniform_int_distribution<std::int64_t> u(0, n - 1);
    for (std::int64_t i = 0; i < count; ++i) p[i] = u(g);
  });
  return out;
}

Tensor permutation_indices(std::int64_t n, std::int64_t count, Generator* gen) {
  RAMP_CHECK(count >= 0 && n >= 0, "permutation_indices: n and count must be non-negative");
  RAMP_CHECK(n > 0 || count == 0, "permutation_indices: ", count, " samples from an empty dataset");
  std::int64_t* p;
  Tensor out = int64_tensor(count, &p);
  for (std::int64_t done = 0; done < count;) {
    const Tensor perm = randperm(n, gen);
    const std::int64_t take = std::min(n, count - done);
    std::copy_n(static_cast<const std::int64_t*>(perm.data_ptr()), take, p + done);
    done += take;
  }
  return out;
}

Tensor weighted_indices(const std::vector<double>& weights, std::int64_t count, bool replacement,
                        Generator* gen) {
  const auto n = std::int64_t(weights.size());
  RAMP_CHECK(count >= 0, "multinomial: number of samples must be non-negative, got ", count);
  RAMP_CHECK(replacement || count <= n,
             "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  double sum = 0;
  for (double w : weights) {
    RAMP_CHECK(w >= 0, "invalid multinomial distribution (encountering probability entry < 0)");
    RAMP_CHECK(!std::isinf(w),
               "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
    sum += w;
  }
  RAMP_CHECK(sum > 0, "invalid multinomial distribution (sum of probabilities <= 0)");
  std::int64_t* p;
  Tensor out = int64_tensor(count, &p);
  if (replacement) {
    std::vector<double> cdf(weights.size());
    std::partial_sum(weights.begin(), weights.end(), cdf.begin());
    draw(gen, [&](Mt19937_64& g) {
      std::uniform_real_distribution<double> u(0.0, cdf.back());
      for (std::int64_t i = 0; i < count; ++i) {
        // the first index whose cumulative weight exceeds u (never a zero-weight one)
        const auto it = std::upper_bound(cdf.begin(), cdf.end(), u(g));
        p[i] = std::min<std::int64_t>(it - cdf.begin(), n - 1);
        while (weights[std::size_t(p[i])] == 0) --p[i];  // u rounded up to the total: the last positive
      }
    });
    return out;
  }
  std::vector<double> key(weights.size());
  draw(gen, [&](Mt19937_64& g) {
    std::exponential_distribution<double> e(1.0);
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = weights[i] / e(g);
  });
  std::vector<std::int64_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::int64_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return key[a] > key[b]; });
  std::copy_n(order.begin(), count, p);
  return out;
}

std::vector<std::int64_t> split_lengths(std::int64_t n, const std::vector<double>& lengths) {
  const double total = std::accumulate(lengths.begin(), lengths.end(), 0.0);
  std::vector<std::int64_t> out;
  // math.isclose(total, 1) (rel_tol=1e-9) and total <= 1: fractions
  if (std::fabs(total - 1) <= 1e-9 * std::max(std::fabs(total), 1.0) && total <= 1) {
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      RAMP_CHECK_T(ValueError, 0 <= lengths[i] && lengths[i] <= 1, "Fraction at index ", i,
                   " is not between 0 and 1");
      out.push_back(std::int64_t(std::floor(double(n) * lengths[i])));
    }
    const std::int64_t remainder = n - std::accumulate(out.begin(), out.end(), std::int64_t(0));
    for (std::int64_t i = 0; i < remainder; ++i) ++out[std::size_t(i) % out.size()];
    return out;
  }
  RAMP_CHECK_T(ValueError, total == double(n),
               "Sum of input lengths does not equal the length of the input dataset!");
  for (double l : lengths) out.push_back(std::int64_t(l));
  return out;
}

}  // namespace ramp::data
