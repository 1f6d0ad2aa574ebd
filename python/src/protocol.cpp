// What Python's copy and pickle protocols need from a tensor's storage (ramp/_tensor.py builds
// __deepcopy__, __copy__ and __reduce_ex__ on these): the storage as bytes, a tensor rebuilt from
// bytes with a given layout, a key naming the storage, and a copy of it that views can share.
#include <cstring>

#include "bindings.h"

namespace ramp::py_ {
namespace {

std::int64_t storage_elements(const Tensor& t) {
  return std::int64_t(t.storage()->nbytes / t.element_size());
}

// A 1-d tensor viewing every element of t's storage (its own dtype; ramp views never reinterpret).
Tensor storage_base(const Tensor& t) {
  const Tensor d = t.detach();
  return d.as_strided({storage_elements(t)}, {1}, 0);
}

// `base`'s storage seen with the given layout; the layout must stay inside the storage.
Tensor restride(const Tensor& base, const std::vector<std::int64_t>& size, const std::vector<std::int64_t>& stride,
                std::int64_t offset) {
  RAMP_CHECK_T(ValueError, size.size() == stride.size() && offset >= 0, "invalid tensor layout in the state");
  std::int64_t last = offset;
  for (std::size_t i = 0; i < size.size(); ++i) {
    RAMP_CHECK_T(ValueError, size[i] >= 0 && stride[i] >= 0, "invalid tensor layout in the state");
    if (size[i] == 0) last = -1;
    if (last >= 0) last += (size[i] - 1) * stride[i];
  }
  RAMP_CHECK_T(ValueError, last < storage_elements(base), "tensor layout reaches past its storage of ",
               storage_elements(base), " elements");
  return base.detach().as_strided(size, stride, offset);
}

}  // namespace

void init_protocol(py::module_& m) {
  m.def("_storage_key", [](const Tensor& t) { return reinterpret_cast<std::uintptr_t>(t.storage().get()); });
  m.def("_storage_bytes", [](const Tensor& t) {
    return py::bytes(static_cast<const char*>(t.storage()->data), py::ssize_t(t.storage()->nbytes));
  });
  // A fresh storage holding a copy of t's, as a 1-d tensor (what views of t become in a deepcopy).
  m.def("_storage_clone", [](const Tensor& t) { return storage_base(t).clone(); });
  m.def("_restride", &restride, py::arg("base"), py::arg("size"), py::arg("stride"), py::arg("offset"));
  m.def(
      "_from_bytes",
      [](py::bytes data, ScalarType dtype) {
        char* p = nullptr;
        Py_ssize_t n = 0;
        if (PyBytes_AsStringAndSize(data.ptr(), &p, &n) != 0) throw py::error_already_set();
        const std::string_view b(p, std::size_t(n));
        RAMP_CHECK_T(ValueError, b.size() % element_size(dtype) == 0, "storage of ", b.size(),
                     " bytes does not hold whole ", dtype_name(dtype), " elements");
        Tensor t = empty({std::int64_t(b.size() / element_size(dtype))}, dtype);
        if (!b.empty()) std::memcpy(t.data_ptr(), b.data(), b.size());
        return t;
      },
      py::arg("data"), py::arg("dtype"));
}

}  // namespace ramp::py_
