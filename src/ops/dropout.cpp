// F.dropout as PyTorch 1.13 runs it on CPU (aten/src/ATen/native/Dropout.cpp, _dropout_impl): no
// fused kernel there, so the graph is a plain product: y = x * noise with noise = bernoulli(1 - p)
// / (1 - p) (MulBackward0; the in-place form multiplies x in place). p == 0, evaluation or an empty
// input return the input itself; p == 1 multiplies by a zero scalar. The noise comes from ramp's
// generator: its stream differs from PyTorch's, its distribution does not.
#include "ramp/random.h"
#include "ramp/nn/functional.h"

namespace ramp {

Tensor dropout(const Tensor& input, double p, bool training, bool inplace) {
  RAMP_CHECK_T(ValueError, p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got ",
               Scalar(p).repr());
  Tensor x = input;
  if (p == 0 || !training || input.numel() == 0) return x;
  const Tensor noise = p == 1 ? zeros({}, input.dtype()) : [&] {
    const double keep = 1 - p;
    Tensor bits = empty(input.sizes(), input.dtype());
    dispatch(input.dtype(), [&](auto z) {
      using T = decltype(z);
      T* b = bits.data<T>();
      default_generator().with_engine([&](Mt19937_64& g) {
        // u uniform in [0, 1) from the top 53 bits; an element is kept when u < keep.
        for (std::int64_t i = 0; i < bits.numel(); ++i)
          b[i] = convert<T>(double(g() >> 11) * 0x1p-53 < keep ? 1 : 0);
      });
    });
    return bits.div_(keep);  // in place as 1.13: an integer input raises its cast error
  }();
  if (inplace) return x.mul_(noise);
  return x.mul(noise);
}

}  // namespace ramp
