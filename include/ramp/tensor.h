// The tensor: a typed, strided view of a reference-counted storage, as in PyTorch.
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ramp/device.h"
#include "ramp/dtype.h"
#include "ramp/error.h"

namespace ramp {

// A borrowed list of sizes/strides/dims; binds to braced lists ({2, 3}), vectors and Dims.
class IntArrayRef : public std::span<const std::int64_t> {
 public:
  using span::span;
  IntArrayRef() = default;
  IntArrayRef(std::span<const std::int64_t> s) : span(s) {}  // NOLINT
  IntArrayRef(std::initializer_list<std::int64_t> l) : span(l.begin(), l.size()) {}  // NOLINT
  IntArrayRef(const std::vector<std::int64_t>& v) : span(v.data(), v.size()) {}  // NOLINT
};

// Shapes and strides live inline (no heap) so a small tensor costs one allocation for its
// metadata; ramp tensors have at most kMaxDims dimensions.
inline constexpr int kMaxDims = 12;
struct Dims {
  std::int64_t v[kMaxDims];
  std::int32_t n = 0;
  Dims() {}  // NOLINT: user-provided, so make_shared does not zero the arrays
  Dims(IntArrayRef a);  // NOLINT
  Dims(std::initializer_list<std::int64_t> a) : Dims(IntArrayRef(a.begin(), a.size())) {}
  std::int64_t& operator[](std::size_t i) { return v[i]; }
  std::int64_t operator[](std::size_t i) const { return v[i]; }
  std::size_t size() const { return std::size_t(n); }
  const std::int64_t* begin() const { return v; }
  const std::int64_t* end() const { return v + n; }
  operator IntArrayRef() const { return IntArrayRef(v, std::size_t(n)); }  // NOLINT
  void push_back(std::int64_t x);
  void insert(std::size_t at, std::int64_t x);
  void erase(std::size_t at);
};

// A number as Python passes it: the kind matters for type promotion (int tensor + 2.5 is float).
struct Scalar {
  enum class Kind : std::uint8_t { Bool, Int, Float } kind = Kind::Int;
  double d = 0;
  std::int64_t i = 0;
  Scalar() = default;
  Scalar(double v) : kind(Kind::Float), d(v), i(std::int64_t(v == v ? v : 0)) {}  // NOLINT
  Scalar(float v) : Scalar(double(v)) {}                                          // NOLINT
  Scalar(int v) : kind(Kind::Int), d(v), i(v) {}                                  // NOLINT
  Scalar(std::int64_t v) : kind(Kind::Int), d(double(v)), i(v) {}                // NOLINT
  Scalar(bool v) : kind(Kind::Bool), d(v), i(v) {}                                // NOLINT
  bool is_floating() const { return kind == Kind::Float; }
  double to_double() const { return kind == Kind::Float ? d : double(i); }
  template <class T> T to() const {
    return kind == Kind::Float ? convert<T>(d) : convert<T>(i);
  }
  std::string repr() const;  // as Python prints it: 2, 2.5, True
};

// c10's checked conversion: whether `v` does not fit integer dtype `t` (an int may wrap into an
// unsigned type, -3 -> 253; a float may not, -0.5 and 255.5 overflow uint8; NaN overflows;
// floating dtypes hold everything).
bool overflows(const Scalar& v, ScalarType t);

// The memory a tensor views. `version` counts in-place writes (autograd checks it).
struct Storage {
  void* data = nullptr;
  std::size_t nbytes = 0;
  std::atomic<std::uint32_t> version{0};
  // External memory (NumPy, DLPack): released by calling `release(owner)` instead of the
  // caching allocator.
  void (*release)(void*) = nullptr;
  void* owner = nullptr;
  // Up to kInlineBytes of data live here, in the same allocation as the header: a scalar-sized
  // op then costs no trip to the allocator.
  static constexpr std::size_t kInlineBytes = 32;
  alignas(16) unsigned char inline_data[kInlineBytes];
  Storage() = default;
  explicit Storage(std::size_t n);
  Storage(void* data, std::size_t nbytes, void (*release)(void*), void* owner);
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();
};

namespace indexing {
class TensorIndex;  // include/ramp/indexing.h
}

namespace autograd {
struct AutogradMeta;
struct Node;
}  // namespace autograd

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Dims sizes, strides;
  std::int64_t offset = 0;  // in elements
  std::int64_t numel = 1;
  ScalarType dtype = ScalarType::Float32;
  bool contiguous = true;  // computed once: every op asks
  std::shared_ptr<autograd::AutogradMeta> autograd;  // include/ramp/autograd.h

  // User-provided so make_shared does not zero the whole object first.
  TensorImpl(std::shared_ptr<Storage> st, IntArrayRef sz, IntArrayRef strd, std::int64_t off, ScalarType dt);
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  ScalarType dtype() const { return impl().dtype; }
  std::int64_t dim() const { return impl().sizes.n; }
  IntArrayRef sizes() const { return impl().sizes; }
  IntArrayRef strides() const { return impl().strides; }
  std::int64_t size(std::int64_t d) const;
  std::int64_t stride(std::int64_t d) const;
  std::int64_t numel() const { return impl().numel; }
  std::int64_t storage_offset() const { return impl().offset; }
  std::size_t element_size() const { return ramp::element_size(dtype()); }
  std::size_t nbytes() const { return std::size_t(numel()) * element_size(); }
  // Address of element [0, 0, ...].
  void* data_ptr() const {
    return static_cast<char*>(impl().storage->data) + impl().offset * std::int64_t(element_size());
  }
  template <class T> T* data() const {
    RAMP_CHECK(dtype_of<T> == dtype(), "expected scalar type ", dtype_error_name(dtype_of<T>),
               " but found ", dtype_error_name(dtype()));
    return static_cast<T*>(data_ptr());
  }
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  TensorImpl& impl() const { return *impl_; }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  bool is_contiguous() const { return impl().contiguous; }
  // Every element has its own address and the elements fill a block with no gaps, in some
  // order of dimensions (a transpose of a contiguous tensor is, a step slice is not).
  bool is_non_overlapping_and_dense() const;
  // Two elements share an address (an expanded tensor): writing in place is refused.
  bool has_internal_overlap() const;

  // Views: share storage.
  Tensor as_strided(IntArrayRef sizes, IntArrayRef strides, std::int64_t offset) const;
  Tensor view(IntArrayRef sizes) const;
  Tensor reshape(IntArrayRef sizes) const;
  Tensor flatten() const { return reshape({-1}); }
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  Tensor t() const;
  Tensor permute(IntArrayRef dims) const;
  Tensor slice(std::int64_t dim, std::optional<std::int64_t> start = {},
               std::optional<std::int64_t> end = {}, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor operator[](std::int64_t index) const { return select(0, index); }
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor expand(IntArrayRef sizes) const;
  Tensor expand_as(const Tensor& o) const { return expand(o.sizes()); }
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor alias() const;

  // Copies.
  Tensor contiguous() const;
  Tensor clone() const;  // keeps a dense layout (like torch.preserve_format)
  Tensor to(ScalarType t, bool copy = false) const;
  // Devices (include/ramp/device.h): every tensor lives on the CPU; to() a CUDA device throws.
  Device device() const;
  bool is_cuda() const { return false; }
  bool is_cpu() const { return true; }
  Tensor to(const Device& device, std::optional<ScalarType> dtype = {}, bool copy = false) const;
  Tensor& copy_(const Tensor& src);  // broadcasts and converts src
  Tensor& fill_(Scalar v);
  Tensor& zero_() { return fill_(0); }

  // Values.
  Scalar item() const;
  template <class T> T item() const { return item().to<T>(); }
  // Element at a flat index in logical (row-major) order, as double: for tests and printing.
  double at(std::int64_t flat_index) const;
  std::vector<double> to_vector() const;  // every element, row-major, as double
  std::string str() const;                // as PyTorch prints it (`tensor([...])`)

  // Arithmetic (broadcasting, PyTorch's type promotion).
  Tensor add(const Tensor& o, Scalar alpha = 1) const;
  Tensor sub(const Tensor& o, Scalar alpha = 1) const;
  Tensor mul(const Tensor& o) const;
  Tensor div(const Tensor& o) const;
  Tensor add(Scalar o) const;
  Tensor sub(Scalar o) const;
  Tensor mul(Scalar o) const;
  Tensor div(Scalar o) const;
  Tensor neg() const;
  Tensor& add_(const Tensor& o, Scalar alpha = 1);
  Tensor& sub_(const Tensor& o, Scalar alpha = 1);
  Tensor& mul_(const Tensor& o);
  Tensor& div_(const Tensor& o);
  Tensor& add_(Scalar o);
  Tensor& sub_(Scalar o);
  Tensor& mul_(Scalar o);
  Tensor& div_(Scalar o);

  // Reductions.
  Tensor sum(std::optional<ScalarType> dtype = {}) const;
  Tensor sum(IntArrayRef dims, bool keepdim = false, std::optional<ScalarType> dtype = {}) const;
  Tensor mean(std::optional<ScalarType> dtype = {}) const;
  Tensor mean(IntArrayRef dims, bool keepdim = false, std::optional<ScalarType> dtype = {}) const;
  Tensor max() const;
  // (values, indices) along a dim, as torch.max(x, dim).
  std::pair<Tensor, Tensor> max(std::int64_t dim, bool keepdim = false) const;

  // Autograd (include/ramp/autograd.h).
  bool requires_grad() const;
  // Marks a leaf as requiring grad; floating dtypes only, and a non-leaf cannot be switched off.
  Tensor& requires_grad_(bool requires_grad = true);
  bool is_leaf() const;
  const Tensor& grad() const;  // undefined until a backward pass reaches this leaf
  void set_grad(const Tensor& g) const;
  std::shared_ptr<autograd::Node> grad_fn() const;
  // retain_graph defaults to create_graph (1.13); create_graph: see autograd::backward.
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = {}, bool create_graph = false) const;
  Tensor detach() const;  // shares data and version counter, no graph
  Tensor& detach_();
  // Repoints this tensor at src's data, sizes and dtype in place (torch's `t.data = src`): every
  // handle sees the change; requires_grad, grad and hooks stay. Module::to keeps parameters this way.
  void set_data(const Tensor& src) const;
  void retain_grad() const;  // keep .grad on a non-leaf
  bool retains_grad() const;
  // The hook sees this tensor's gradient and may return a replacement; returns an id for remove_hook.
  int register_hook(std::function<Tensor(const Tensor&)> hook) const;
  void remove_hook(int id) const;

  // Indexing with torch's C++ items (include/ramp/indexing.h): x.index({Slice(), idx}) is x[:, idx].
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, Scalar value);

  // Bumps the storage's version: every in-place op calls this once.
  void bump_version() const { impl().storage->version.fetch_add(1, std::memory_order_relaxed); }
  std::uint32_t version() const { return impl().storage->version.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
Tensor operator-(const Tensor& a);

// Normalises a possibly negative dim, with PyTorch's IndexError text.
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim);
// The broadcast shape of two shapes, with PyTorch's error text.
Dims broadcast_shapes(IntArrayRef a, IntArrayRef b);
Dims contiguous_strides(IntArrayRef sizes);
std::int64_t numel_of(IntArrayRef sizes);
std::string shape_str(IntArrayRef sizes);  // "[2, 3]"

// PyTorch's repr with extra suffixes ("requires_grad=True", "grad_fn=<ReluBackward0>").
std::string format_tensor(const Tensor& t, const std::vector<std::string>& suffixes);

// ---- factories ----
// A floating factory given no dtype makes get_default_dtype() (float32 unless set), as torch's:
// empty/zeros/ones/rand/randn/linspace always, full/arange/scalar_tensor/tensor for floating values.
Tensor empty(IntArrayRef sizes, std::optional<ScalarType> dtype = {});
// A fresh tensor with `like`'s sizes; its strides follow `like`'s layout when that is dense
// (PyTorch's preserve_format), else contiguous.
Tensor empty_like(const Tensor& like, std::optional<ScalarType> dtype = {});
Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, std::optional<ScalarType> dtype = {});
Tensor zeros(IntArrayRef sizes, std::optional<ScalarType> dtype = {});
Tensor ones(IntArrayRef sizes, std::optional<ScalarType> dtype = {});
Tensor full(IntArrayRef sizes, Scalar value, std::optional<ScalarType> dtype = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, Scalar value);
// arange(end), arange(start, end, step): int64 when all of them are integers, else
// get_default_dtype(). arange and linspace give 1.13's values bit for bit (src/tensor/factories.cpp).
Tensor arange(Scalar end, std::optional<ScalarType> dtype = {});
Tensor arange(Scalar start, Scalar end, Scalar step = 1, std::optional<ScalarType> dtype = {});
Tensor linspace(Scalar start, Scalar end, std::int64_t steps, std::optional<ScalarType> dtype = {});
// U[0, 1) and N(0, 1) in get_default_dtype() unless given; more in ramp/random.h.
class Generator;
Tensor rand(IntArrayRef sizes, std::optional<ScalarType> dtype = {}, Generator* generator = nullptr);
Tensor randn(IntArrayRef sizes, std::optional<ScalarType> dtype = {}, Generator* generator = nullptr);
Tensor scalar_tensor(Scalar v, std::optional<ScalarType> dtype = {});

// tensor({...}) from initializer lists: floats give the default dtype, integers int64, bools bool.
Tensor tensor(std::initializer_list<double> v, std::optional<ScalarType> dtype = {});
Tensor tensor(std::initializer_list<std::initializer_list<double>> v,
              std::optional<ScalarType> dtype = {});
Tensor tensor(std::initializer_list<std::int64_t> v, std::optional<ScalarType> dtype = {});
Tensor tensor(std::initializer_list<int> v, std::optional<ScalarType> dtype = {});
Tensor tensor(std::initializer_list<std::initializer_list<int>> v, std::optional<ScalarType> dtype = {});
Tensor tensor(std::initializer_list<bool> v);
// From flat values with a shape.
Tensor from_vector(const std::vector<double>& values, IntArrayRef sizes,
                   std::optional<ScalarType> dtype = {});
// Wraps external memory without copying; `release(owner)` runs when the last view dies.
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, ScalarType dtype,
                 void (*release)(void*), void* owner);

// ---- random numbers ----
// The default generator (ramp/random.h; mt19937_64): streams differ from PyTorch's.
void manual_seed(std::uint64_t seed);
std::uint64_t initial_seed();

// The instruction set the activation kernels run with ("AVX3" for AVX-512, "AVX2", or the
// portable baseline); $RAMP_ISA=avx2|baseline chooses a lower one.
const char* cpu_capability();

// ---- threads ----
void set_num_threads(int n);
int get_num_threads();

}  // namespace ramp
