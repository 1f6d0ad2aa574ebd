// ramp/shape.h: 1.13's shape ops (aten/src/ATen/native/TensorShape.cpp, TriangularOps.cpp,
// Onehot.cpp), their checks and texts in 1.13's order.
#include "ramp/shape.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "../autograd/function.h"
#include "../tensor/loop.h"

namespace ramp {
namespace {

// A piece of self along dim, as a view whose node has the splitting op's name; its gradient
// is the incoming one placed at the piece (zeros elsewhere).
Tensor piece(const Tensor& self, std::string_view node, std::int64_t dim, std::int64_t start, std::int64_t length) {
  return autograd::view_op(
      self, node, [&] { return self.narrow(dim, start, length); },
      [in = Dims(self.sizes()), dim, start, length, node](const Tensor& g) {
        return autograd::slice_backward(g, in, wrap_dim(dim, std::int64_t(in.size())), start, start + length, 1, node);
      });
}

void check_splittable(const Tensor& self) { RAMP_CHECK(self.dim() != 0, "split expects at least a 1-dimensional tensor"); }

// Zeroes what lies outside the triangle of every matrix in a contiguous tensor: tril keeps
// j - i <= k, triu keeps j - i >= k.
void mask_triangle(const Tensor& t, std::int64_t k, bool lower) {
  const std::int64_t rows = t.size(-2), cols = t.size(-1);
  const std::int64_t mats = rows * cols == 0 ? 0 : t.numel() / (rows * cols);
  dispatch(t.dtype(), [&](auto v) {
    using T = decltype(v);
    T* p = static_cast<T*>(t.data_ptr());
    const T zero = convert<T>(0);
    for (std::int64_t m = 0; m < mats; ++m)
      for (std::int64_t i = 0; i < rows; ++i) {
        T* row = p + (m * rows + i) * cols;
        const std::int64_t lo = lower ? std::clamp<std::int64_t>(i + k + 1, 0, cols) : 0;
        const std::int64_t hi = lower ? cols : std::clamp<std::int64_t>(i + k, 0, cols);
        std::fill(row + lo, row + hi, zero);
      }
  });
}

// 1.13 reads size(-2) first: IndexError below 2 dims.
void check_matrix(const Tensor& self) {
  RAMP_CHECK_T(IndexError, self.dim() > 0, "Dimension specified as -2 but tensor has no dimensions");
  wrap_dim(-2, self.dim());
}

Tensor triangle(const Tensor& self, std::int64_t k, bool lower) {
  check_matrix(self);
  auto compute = [&] {
    Tensor out = empty(self.sizes(), self.dtype());
    detail::copy_into(out, self);
    mask_triangle(out, k, lower);
    return out;
  };
  if (!autograd::needs_grad({self})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(out, lower ? "TrilBackward0" : "TriuBackward0", {self}, {},
                   [k, lower](const autograd::Node&, const Tensor& g) {
                     return std::vector<Tensor>{lower ? tril(g, k) : triu(g, k)};
                   });
  return out;
}

Tensor& triangle_(Tensor& self, std::int64_t k, bool lower) {
  check_matrix(self);
  autograd::check_inplace(self);
  {
    autograd::NoGradGuard no_grad;
    detail::copy_into(self, triangle(self, k, lower));
  }
  self.bump_version();
  if (autograd::needs_grad({self}))
    autograd::record(self, lower ? "TrilBackward0" : "TriuBackward0", {self}, {},
                     [k, lower](const autograd::Node&, const Tensor& g) {
                       return std::vector<Tensor>{lower ? tril(g, k) : triu(g, k)};
                     });
  return self;
}

}  // namespace

Tensor flatten(const Tensor& self, std::int64_t start_dim, std::int64_t end_dim) {
  const std::int64_t start = wrap_dim(start_dim, self.dim()), end = wrap_dim(end_dim, self.dim());
  RAMP_CHECK(start <= end, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (self.dim() == 0) return self.reshape({1});
  if (start == end) return self;
  Dims shape;
  for (std::int64_t d = 0; d < start; ++d) shape.push_back(self.size(d));
  std::int64_t n = 1;
  for (std::int64_t d = start; d <= end; ++d) n *= self.size(d);
  shape.push_back(n);
  for (std::int64_t d = end + 1; d < self.dim(); ++d) shape.push_back(self.size(d));
  return self.reshape(shape);
}

Tensor unflatten(const Tensor& self, std::int64_t dim, IntArrayRef sizes) {
  dim = wrap_dim(dim, self.dim());
  RAMP_CHECK(!sizes.empty(), "unflatten: sizes must be non-empty");
  // 1.13's infer_size: one -1 is inferred; its "shape '...'" errors are restated for unflatten.
  Dims inferred(sizes);
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      RAMP_CHECK(infer < 0, "unflatten got an unexpected error:\nonly one dimension can be inferred");
      infer = std::int64_t(i);
    } else {
      RAMP_CHECK(sizes[i] >= 0, "unflatten got an unexpected error:\ninvalid shape dimension ", sizes[i]);
      known *= sizes[i];
    }
  }
  const std::int64_t n = self.size(dim);
  const bool ok = infer >= 0 ? known > 0 && n % known == 0 : known == n;
  RAMP_CHECK(ok, "unflatten: Provided sizes ", shape_str(sizes), " don't multiply up to the size of dim ", dim, " (",
             n, ") in the input tensor");
  if (infer >= 0) inferred[std::size_t(infer)] = n / known;
  Dims shape;
  for (std::int64_t d = 0; d < self.dim(); ++d) {
    if (d == dim)
      for (std::int64_t s : inferred) shape.push_back(s);
    else
      shape.push_back(self.size(d));
  }
  return self.view(shape);
}

std::vector<Tensor> split(const Tensor& self, std::int64_t split_size, std::int64_t dim) {
  check_splittable(self);
  RAMP_CHECK(split_size >= 0, "split expects split_size be non-negative, but got split_size=", split_size);
  const std::int64_t n = self.size(dim);
  RAMP_CHECK(split_size > 0 || n == 0, "split_size can only be 0 if dimension size is 0, but got dimension size of ", n);
  // At least one piece: a split_size larger than the dim gives the whole tensor.
  const std::int64_t pieces = split_size == 0 ? 1 : std::max<std::int64_t>((n + split_size - 1) / split_size, 1);
  const std::int64_t last = split_size - (split_size * pieces - n);
  std::vector<Tensor> out;
  for (std::int64_t i = 0; i < pieces; ++i)
    out.push_back(piece(self, "SplitBackward0", dim, i * split_size, i < pieces - 1 ? split_size : last));
  return out;
}

std::vector<Tensor> split_with_sizes(const Tensor& self, IntArrayRef split_sizes, std::int64_t dim) {
  check_splittable(self);
  const std::int64_t n = self.size(dim);
  std::int64_t total = 0;
  for (std::int64_t s : split_sizes) {
    RAMP_CHECK(s >= 0, "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
               shape_str(split_sizes));
    total += s;
  }
  RAMP_CHECK(total == n, "split_with_sizes expects split_sizes to sum exactly to ", n,
             " (input tensor's size at dimension ", wrap_dim(dim, self.dim()), "), but got split_sizes=",
             shape_str(split_sizes));
  std::vector<Tensor> out;
  std::int64_t at = 0;
  for (std::int64_t s : split_sizes) {
    out.push_back(piece(self, "SplitWithSizesBackward0", dim, at, s));
    at += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& self, std::int64_t chunks, std::int64_t dim) {
  RAMP_CHECK(self.dim() > 0, "chunk expects at least a 1-dimensional tensor");
  RAMP_CHECK(chunks > 0, "chunk expects `chunks` to be greater than 0, got: ", chunks);
  const std::int64_t n = self.size(dim), split_size = (n + chunks - 1) / chunks;
  // An empty dim still gives `chunks` (empty) pieces.
  if (split_size == 0 && n == 0) return split_with_sizes(self, std::vector<std::int64_t>(std::size_t(chunks), 0), dim);
  return split(self, split_size, dim);
}

std::vector<Tensor> unbind(const Tensor& self, std::int64_t dim) {
  RAMP_CHECK_T(IndexError, self.dim() > 0, "Dimension specified as ", dim, " but tensor has no dimensions");
  dim = wrap_dim(dim, self.dim());
  std::vector<Tensor> out;
  for (std::int64_t i = 0; i < self.size(dim); ++i)
    out.push_back(autograd::view_op(
        self, "UnbindBackward0", [&] { return self.select(dim, i); },
        [in = Dims(self.sizes()), d = wrap_dim(dim, self.dim()), i](const Tensor& g) {
          return autograd::slice_backward(g, in, d, i, i + 1, 1, "UnbindBackward0");
        }));
  return out;
}

Tensor repeat(const Tensor& self, IntArrayRef repeats) {
  RAMP_CHECK(repeats.size() >= std::size_t(self.dim()),
             "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const std::size_t nd = repeats.size(), lead = nd - std::size_t(self.dim());
  // out viewed as [r0, s0, r1, s1, ...] is x viewed as [1, s0, 1, s1, ...] expanded.
  Dims target, split_out, split_in, spread;
  for (std::size_t i = 0; i < nd; ++i) {
    const std::int64_t s = i < lead ? 1 : self.size(std::int64_t(i - lead));
    target.push_back(s * repeats[i]);
    for (std::int64_t v : {repeats[i], s}) split_out.push_back(v);
    for (std::int64_t v : {std::int64_t(1), s}) split_in.push_back(v);
    spread.push_back(std::int64_t(2 * i));
  }
  for (std::size_t i = 0; i < nd; ++i)
    RAMP_CHECK(target[i] >= 0, "Trying to create tensor with negative dimension ", target[i], ": ", shape_str(target));
  auto compute = [&] {
    Tensor out = empty(target, self.dtype());
    if (out.numel() > 0) detail::copy_into(out.view(split_out), self.reshape(split_in).expand(split_out));
    return out;
  };
  if (!autograd::needs_grad({self})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(out, "RepeatBackward0", {self}, {},
                   [in = Dims(self.sizes()), split_out, spread](const autograd::Node&, const Tensor& g) {
                     // the copies of each element summed back onto it
                     return std::vector<Tensor>{g.reshape(split_out).sum(spread).reshape(in)};
                   });
  return out;
}

Tensor eye(std::int64_t n, std::optional<std::int64_t> m, std::optional<ScalarType> dtype) {
  RAMP_CHECK(n >= 0, "n must be greater or equal to 0, got ", n);
  const std::int64_t cols = m.value_or(n);
  RAMP_CHECK(cols >= 0, "m must be greater or equal to 0, got ", cols);
  Tensor out = zeros({n, cols}, dtype.value_or(get_default_dtype()));
  dispatch(out.dtype(), [&](auto v) {
    using T = decltype(v);
    T* p = out.data<T>();
    for (std::int64_t i = 0; i < std::min(n, cols); ++i) p[i * cols + i] = convert<T>(1);
  });
  return out;
}

Tensor tril(const Tensor& self, std::int64_t diagonal) { return triangle(self, diagonal, true); }
Tensor triu(const Tensor& self, std::int64_t diagonal) { return triangle(self, diagonal, false); }
Tensor& tril_(Tensor& self, std::int64_t diagonal) { return triangle_(self, diagonal, true); }
Tensor& triu_(Tensor& self, std::int64_t diagonal) { return triangle_(self, diagonal, false); }

Tensor one_hot(const Tensor& self, std::int64_t num_classes) {
  RAMP_CHECK(self.dtype() == ScalarType::Int64, "one_hot is only applicable to index tensor.");
  Dims shape(self.sizes());
  if (self.numel() == 0) {
    RAMP_CHECK(num_classes > 0, "Can not infer total number of classes from empty tensor.");
    shape.push_back(num_classes);
    return zeros(shape, ScalarType::Int64);
  }
  const Tensor idx = self.contiguous();
  const std::int64_t* p = idx.data<std::int64_t>();
  const auto [lo, hi] = std::minmax_element(p, p + idx.numel());
  RAMP_CHECK(*lo >= 0, "Class values must be non-negative.");
  if (num_classes == -1) {
    RAMP_CHECK(*hi < std::numeric_limits<std::int64_t>::max(), "one_hot: class value ", *hi, " + 1 overflows int64");
    num_classes = *hi + 1;
  }
  else
    RAMP_CHECK(num_classes > *hi, "Class values must be smaller than num_classes.");
  shape.push_back(num_classes);
  Tensor out = zeros(shape, ScalarType::Int64);
  std::int64_t* o = out.data<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i) o[i * num_classes + p[i]] = 1;
  return out;
}

Tensor movedim(const Tensor& self, IntArrayRef source, IntArrayRef destination) {
  RAMP_CHECK(source.size() == destination.size(), "movedim: Invalid source or destination dims: source (",
             shape_str(source), " dims) should contain the same number of dims as destination (",
             shape_str(destination), " dims)");
  const std::int64_t nd = self.dim();
  std::vector<std::int64_t> src, dst;
  for (std::int64_t d : source) src.push_back(wrap_dim(d, nd));
  for (std::int64_t d : destination) dst.push_back(wrap_dim(d, nd));
  auto unique = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return std::adjacent_find(v.begin(), v.end()) == v.end();
  };
  RAMP_CHECK(unique(src), "movedim: repeated dim in `source` (", shape_str(source), ")");
  RAMP_CHECK(unique(dst), "movedim: repeated dim in `destination` (", shape_str(destination), ")");
  if (nd == 0) return self.alias();
  // The moved dims take their places; the rest fill the free places in their order.
  std::vector<std::int64_t> order(std::size_t(nd), -1), rest_src, rest_dst;
  std::vector<bool> src_used(static_cast<std::size_t>(nd)), dst_used(static_cast<std::size_t>(nd));
  for (std::size_t i = 0; i < src.size(); ++i) {
    order[std::size_t(dst[i])] = src[i];
    src_used[std::size_t(src[i])] = dst_used[std::size_t(dst[i])] = true;
  }
  for (std::int64_t d = 0; d < nd; ++d) {
    if (!src_used[std::size_t(d)]) rest_src.push_back(d);
    if (!dst_used[std::size_t(d)]) rest_dst.push_back(d);
  }
  for (std::size_t i = 0; i < rest_src.size(); ++i) order[std::size_t(rest_dst[i])] = rest_src[i];
  return self.permute(order);
}
Tensor movedim(const Tensor& self, std::int64_t source, std::int64_t destination) {
  return movedim(self, IntArrayRef{source}, IntArrayRef{destination});
}

}  // namespace ramp
