#include <hwy/targets.h>

#include <cstdlib>
#include <string_view>

#include "kernels.h"

namespace ramp::kernels {

static const Table& choose() {
  const char* env = std::getenv("RAMP_ISA");
  std::string_view want = env ? env : "";
  const auto have = hwy::SupportedTargets();
  if ((have & HWY_AVX3) && (want.empty() || want == "avx512")) return avx512::table();
  if ((have & HWY_AVX2) && (want.empty() || want == "avx512" || want == "avx2")) return avx2::table();
  return baseline::table();
}

const Table& table() {
  static const Table& t = choose();
  return t;
}

}  // namespace ramp::kernels

const char* ramp::cpu_capability() { return kernels::table().isa; }
