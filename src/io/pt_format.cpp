// The parts of torch's checkpoint format that C++ (load_pt) and Python (ramp.load) share: the storage
// classes and the checks that turn a storage's bytes and a pickle's (offset, size, stride) into a
// tensor without reading out of bounds, whatever the file says.
#include <algorithm>
#include <bit>
#include <cstring>

#include "ramp/pt.h"

namespace ramp::pt {
namespace {

static_assert(std::endian::native == std::endian::little, "torch writes storages little-endian");

struct StorageType {
  ScalarType dtype;
  const char* name;
};
constexpr StorageType kStorageTypes[] = {
    {ScalarType::Float32, "FloatStorage"}, {ScalarType::Float64, "DoubleStorage"},
    {ScalarType::BFloat16, "BFloat16Storage"}, {ScalarType::Int64, "LongStorage"},
    {ScalarType::Int32, "IntStorage"}, {ScalarType::UInt8, "ByteStorage"},
    {ScalarType::Int8, "CharStorage"}, {ScalarType::Bool, "BoolStorage"}};
// torch's other storage classes: valid files that ramp cannot hold.
constexpr const char* kUnsupported[] = {"HalfStorage", "ShortStorage", "ComplexFloatStorage", "ComplexDoubleStorage",
                                        "QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage",
                                        "QUInt2x4Storage"};

}  // namespace

const char* storage_type_name(ScalarType t) {
  for (const auto& s : kStorageTypes)
    if (s.dtype == t) return s.name;
  throw Error("torch format: no storage class for this dtype");
}

std::optional<ScalarType> storage_type_dtype(std::string_view name) {
  for (const auto& s : kStorageTypes)
    if (name == s.name) return s.dtype;
  return std::nullopt;
}

bool is_storage_type(std::string_view name) {
  if (storage_type_dtype(name)) return true;
  for (const char* u : kUnsupported)
    if (name == u) return true;
  return false;
}

Tensor storage_from_bytes(const void* data, std::uint64_t nbytes, ScalarType dtype) {
  const std::uint64_t size = element_size(dtype);
  RAMP_CHECK(nbytes % size == 0, "a storage of ", nbytes, " bytes is not a whole number of ", size, "-byte elements");
  Tensor t = empty({std::int64_t(nbytes / size)}, dtype);
  if (nbytes > 0) std::memcpy(t.data_ptr(), data, nbytes);
  check_storage(t);
  return t;
}

void check_storage(const Tensor& storage) {
  if (storage.dtype() != ScalarType::Bool) return;
  const auto* b = static_cast<const unsigned char*>(storage.data_ptr());  // a bool byte other than 0/1
  for (std::int64_t i = 0; i < storage.numel(); ++i)                      // would be undefined behaviour
    RAMP_CHECK(b[i] <= 1, "bool storage byte ", i, " is ", int(b[i]), ", not 0 or 1");
}

Tensor rebuild_tensor(const Tensor& storage, std::int64_t offset, IntArrayRef sizes, IntArrayRef strides) {
  RAMP_CHECK(sizes.size() == strides.size(), "a tensor with ", sizes.size(), " sizes but ", strides.size(), " strides");
  RAMP_CHECK(sizes.size() <= std::size_t(kMaxDims), "a tensor of ", sizes.size(), " dims; ramp tensors have at most ",
             kMaxDims);
  RAMP_CHECK(offset >= 0, "negative storage offset ", offset);
  const std::int64_t n = storage.numel();
  // The last element's position: offset + sum (size - 1) * stride, which must be inside the storage
  // (an empty tensor needs no storage at all, like torch's).
  std::int64_t last = offset, numel = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    RAMP_CHECK(sizes[i] >= 0, "negative size ", sizes[i], " in dim ", i);
    RAMP_CHECK(strides[i] >= 0, "negative stride ", strides[i], " in dim ", i);
    std::int64_t step = 0;
    if (sizes[i] == 0) numel = 0;
    if (sizes[i] > 1 && (__builtin_mul_overflow(sizes[i] - 1, strides[i], &step) || __builtin_add_overflow(last, step, &last)))
      RAMP_CHECK(false, "size ", sizes[i], " and stride ", strides[i], " of dim ", i, " overflow");
  }
  if (numel != 0)
    RAMP_CHECK(last < n, "a tensor of size ", shape_str(sizes), ", stride ", shape_str(strides),
               " at offset ", offset, " reads past the end of its storage of ", n, " elements");
  return storage.as_strided(sizes, strides, std::min(offset, n));  // an empty tensor keeps its offset if it is inside
}

}  // namespace ramp::pt
