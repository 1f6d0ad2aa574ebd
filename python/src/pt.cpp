// include/ramp/pt.h for Python: `_C._pt` holds what python/ramp/serialization.py (ramp.save and
// ramp.load in torch's format) needs from C++: the storage classes, a storage's bytes in and out, the
// bounds-checked rebuild of a tensor, and the C++ reader and writer of state dicts.
#include "ramp/pt.h"

#include "bindings.h"

namespace ramp::py_ {

void init_pt(py::module_& m) {
  using py::arg;
  using Release = py::call_guard<py::gil_scoped_release>;
  auto pt = m.def_submodule("_pt", "torch's checkpoint format (torch.save's zip of a pickle and storages)");
  pt.def("storage_type_name", &pt::storage_type_name, arg("dtype"));
  pt.def("storage_type_dtype", &pt::storage_type_dtype, arg("name"));
  pt.def("is_storage_type", &pt::is_storage_type, arg("name"));
  pt.def(
      "storage_from_bytes",
      [](const py::buffer& data, ScalarType dtype) {
        const py::buffer_info info = data.request();
        RAMP_CHECK(info.ndim <= 1 && (info.ndim == 0 || info.strides[0] == info.itemsize), "expected contiguous bytes");
        const std::uint64_t n = std::uint64_t(info.size) * std::uint64_t(info.itemsize);
        py::gil_scoped_release release;
        return pt::storage_from_bytes(info.ptr, n, dtype);
      },
      arg("data"), arg("dtype"));
  pt.def(
      "rebuild_tensor",
      [](const Tensor& storage, std::int64_t offset, const std::vector<std::int64_t>& sizes,
         const std::vector<std::int64_t>& strides) { return pt::rebuild_tensor(storage, offset, sizes, strides); },
      arg("storage"), arg("offset"), arg("sizes"), arg("strides"));
  // (identity, the whole storage as a 1-D tensor of t's dtype): what torch.save writes for a view.
  pt.def(
      "storage_of",
      [](const Tensor& t) {
        const Storage* s = t.storage().get();
        RAMP_CHECK(s->nbytes % t.element_size() == 0, "the tensor's storage is not a whole number of elements");
        const auto numel = std::int64_t(s->nbytes / t.element_size());
        return std::make_pair(reinterpret_cast<std::uintptr_t>(s), t.detach().as_strided({numel}, {1}, 0));
      },
      arg("tensor"));
  // A read-only view of a storage_of() tensor's bytes, without a copy (zipfile writes it as it is);
  // the caller keeps the tensor alive while the view is used.
  pt.def(
      "storage_bytes",
      [](const Tensor& storage) {
        RAMP_CHECK(storage.is_contiguous(), "storage_bytes: expected a contiguous tensor");
        return py::memoryview::from_memory(storage.data_ptr(), py::ssize_t(storage.nbytes()), true);
      },
      arg("storage"));
  pt.def("load_pt", &load_pt, arg("path"), Release());
  pt.def("load_pt_tensor", &load_pt_tensor, arg("path"), Release());
  pt.def("save_pt", &save_pt, arg("tensors"), arg("path"), Release());
}

}  // namespace ramp::py_
