// ramp.diagnostics' C++ side: the summary table's rows and text (include/ramp/summary.h), shared
// by the C++ and Python summaries so both print the same layout.
#include "bindings.h"
#include "ramp/summary.h"

namespace ramp::py_ {

void init_report(py::module_& m) {
  auto d = m.def_submodule("_diagnostics", "summary rows and text (include/ramp/summary.h)");
  using diagnostics::LayerSummary;
  using diagnostics::Summary;
  py::class_<LayerSummary>(d, "LayerSummary")
      .def(py::init<>())
      .def_readwrite("type", &LayerSummary::type)
      .def_readwrite("path", &LayerSummary::path)
      .def_readwrite("depth", &LayerSummary::depth)
      .def_readwrite("index", &LayerSummary::index)
      .def_readwrite("output_shape", &LayerSummary::output_shape)
      .def_readwrite("params", &LayerSummary::params)
      .def_readwrite("trainable", &LayerSummary::trainable)
      .def_readwrite("has_children", &LayerSummary::has_children)
      .def_readwrite("mult_adds", &LayerSummary::mult_adds)
      .def_readwrite("memory", &LayerSummary::memory);
  py::class_<Summary>(d, "Summary")
      .def(py::init<>())
      .def_readwrite("layers", &Summary::layers)
      .def_readwrite("total_params", &Summary::total_params)
      .def_readwrite("trainable_params", &Summary::trainable_params)
      .def_readwrite("mult_adds", &Summary::mult_adds)
      .def_readwrite("input_bytes", &Summary::input_bytes)
      .def_readwrite("param_bytes", &Summary::param_bytes)
      .def_readwrite("forward_bytes", &Summary::forward_bytes)
      .def_readwrite("peak_bytes", &Summary::peak_bytes)
      .def("__str__", &Summary::str)
      .def("__repr__", &Summary::str);
  d.def("mult_adds", &diagnostics::mult_adds, py::arg("weight"), py::arg("output_shape"));
}

}  // namespace ramp::py_
