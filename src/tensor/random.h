// The default generator (ramp::default_generator) for the ops that draw inside a loop of their own
// (dropout, rrelu).
#pragma once

#include <functional>
#include <random>

namespace ramp::detail {
// Runs f with the generator, holding its lock.
void with_generator(const std::function<void(std::mt19937_64&)>& f);
}  // namespace ramp::detail
