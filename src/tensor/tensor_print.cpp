// Tensor::str() and Scalar::repr(): the tensor side of src/tensor/print.cpp.
#include "ramp/print.h"
#include "ramp/tensor.h"

namespace ramp {

std::string format_tensor(const Tensor& t, const std::vector<std::string>& suffixes) {
  PrintSource src;
  src.sizes.assign(t.sizes().begin(), t.sizes().end());
  src.dtype = t.dtype();
  if (is_integral(t.dtype())) {
    Tensor c = t.contiguous();
    src.int_value = [c](std::int64_t i) {
      return dispatch(c.dtype(), [&](auto v) {
        using T = decltype(v);
        return convert<std::int64_t>(static_cast<const T*>(c.data_ptr())[i]);
      });
    };
  } else {
    src.value = [t](std::int64_t i) { return t.at(i); };
  }
  return format_tensor(src, suffixes);
}

std::string Tensor::str() const { return format_tensor(*this, {}); }

std::string Scalar::repr() const {
  switch (kind) {
    case Kind::Bool: return i ? "True" : "False";
    case Kind::Int: return std::to_string(i);
    case Kind::Float: return python_float_repr(d);
  }
  return "?";
}

}  // namespace ramp
