// The global generator behind rand, randn and rrelu's noise.
#pragma once

#include <functional>
#include <random>

namespace ramp::detail {
// Runs f with the generator, holding its lock.
void with_generator(const std::function<void(std::mt19937_64&)>& f);
}  // namespace ramp::detail
