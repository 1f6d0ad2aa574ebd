// include/ramp/io.h and include/ramp/data.h for Python: `_C._io` holds the readers and writers under
// ramp.io (python/ramp/io.py adds the `safetensors` package's names).
#include "ramp/data.h"
#include "ramp/io.h"

#include "bindings.h"

namespace ramp::py_ {

void init_io(py::module_& m) {
  using py::arg;
  using Release = py::call_guard<py::gil_scoped_release>;  // file work runs without the GIL

  auto sampling = m.def_submodule("_data", "the draws of ramp.utils.data's samplers and random_split (include/ramp/data.h)");
  sampling.def("random_indices", &data::random_indices, arg("n"), arg("count"), arg("generator") = py::none(),
               py::call_guard<py::gil_scoped_release>());
  sampling.def("permutation_indices", &data::permutation_indices, arg("n"), arg("count"), arg("generator") = py::none(),
               py::call_guard<py::gil_scoped_release>());
  sampling.def("weighted_indices", &data::weighted_indices, arg("weights"), arg("count"), arg("replacement"),
               arg("generator") = py::none());
  sampling.def("split_lengths", &data::split_lengths, arg("n"), arg("lengths"));
  sampling.def("distributed_indices", &data::distributed_indices, arg("n"), arg("num_replicas"), arg("rank"),
               arg("shuffle"), arg("seed"), arg("epoch"), arg("drop_last"));
  sampling.def("distributed_samples", &data::distributed_samples, arg("n"), arg("num_replicas"), arg("drop_last"));

  auto io = m.def_submodule("_io", "file formats: safetensors, IDX, CSV, Fashion-MNIST");
  io.def(
      "save_safetensors",
      [](const NamedTensors& tensors, const std::string& path, const std::map<std::string, std::string>& metadata) {
        save_safetensors(tensors, path, metadata);
      },
      arg("tensors"), arg("path"), arg("metadata"), Release());
  io.def(
      "read_safetensors",
      [](const std::string& path) {
        SafetensorsFile f = read_safetensors(path);
        return std::make_pair(std::move(f.tensors), std::move(f.metadata));
      },
      arg("path"), Release());
  io.def("read_idx", &data::read_idx, arg("path"), Release());
  io.def(
      "load_fashion_mnist",
      [](bool train, const std::string& root) {
        data::ImagesLabels d = data::load_fashion_mnist(train, root);
        return std::make_pair(d.images, d.labels);
      },
      arg("train") = true, arg("root") = std::string(data::kFashionMnistRoot), Release());
  io.def(
      "read_csv",
      [](const std::string& path, bool header, char delimiter) {
        std::vector<std::string> columns;
        Tensor t = data::read_csv(path, header, delimiter, &columns);
        return std::make_pair(t, columns);
      },
      arg("path"), arg("header") = true, arg("delimiter") = ',', Release());
}

}  // namespace ramp::py_
