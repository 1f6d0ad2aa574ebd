// ramp.diagnostics' C++ side: the summary table's rows and text (include/ramp/summary.h), shared
// by the C++ and Python summaries so both print the same layout.
#include "bindings.h"
#include "ramp/diagnostics.h"
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
  d.def("family_of", [](std::string_view type) {
    const diagnostics::Family f = diagnostics::family_of(type);
    return f == diagnostics::Family::rectifier ? "rectifier" : f == diagnostics::Family::saturating ? "saturating" : "other";
  }, py::arg("type"));
  d.def("mult_adds", &diagnostics::mult_adds, py::arg("type"), py::arg("weight"), py::arg("output_shape"));

  // The Monitor's core; ramp.diagnostics.Monitor attaches it to Python modules through hooks.
  using namespace diagnostics;
  py::class_<LayerStep>(d, "LayerStep")
      .def_readonly("zero_fraction", &LayerStep::zero_fraction)
      .def_readonly("saturated_fraction", &LayerStep::saturated_fraction)
      .def_readonly("mean", &LayerStep::mean)
      .def_readonly("std", &LayerStep::std)
      .def_readonly("histogram", &LayerStep::histogram)
      .def_readonly("grad_norm", &LayerStep::grad_norm)
      .def_readonly("calls", &LayerStep::calls);
  py::class_<ParamStep>(d, "ParamStep")
      .def_readonly("grad_norm", &ParamStep::grad_norm)
      .def_readonly("update_ratio", &ParamStep::update_ratio);
  py::class_<StepRecord>(d, "StepRecord")
      .def_readonly("step", &StepRecord::step)
      .def_readonly("loss", &StepRecord::loss)
      .def_readonly("lr", &StepRecord::lr)
      .def_readonly("layers", &StepRecord::layers)
      .def_readonly("params", &StepRecord::params);
  py::class_<WindowRecord>(d, "WindowRecord")
      .def_readonly("window", &WindowRecord::window)
      .def_readonly("step", &WindowRecord::step)
      .def_readonly("dead", &WindowRecord::dead)
      .def_readonly("units", &WindowRecord::units);
  py::class_<Monitor>(d, "Monitor")
      .def(py::init([](std::int64_t every, std::int64_t window, int bins, double lo, double hi,
                       double threshold, std::string log, std::int64_t keep, int units_dim) {
             return std::make_unique<Monitor>(
                 Options{every, window, bins, lo, hi, threshold, std::move(log), keep, units_dim});
           }),
           py::arg("every"), py::arg("window"), py::arg("bins"), py::arg("hist_lo"), py::arg("hist_hi"),
           py::arg("dead_threshold"), py::arg("log_path"), py::arg("keep") = 0, py::arg("units_dim") = 1)
      // The forward hook Python's Monitor puts on a module, in C++ (no Python frame per call): the
      // output's statistics and the hook on the input's gradient. It holds the core alive.
      .def(
          "forward_hook",
          [](py::object self, int layer) {
            Monitor* m = self.cast<Monitor*>();
            return py::cpp_function([self, m, layer](py::handle, py::handle inputs, py::handle output) {
              if (py::isinstance<py::tuple>(inputs) && py::len(inputs) > 0) {
                py::handle in = inputs.cast<py::tuple>()[0];
                if (py::isinstance<Tensor>(in)) m->watch_input(layer, in.cast<const Tensor&>());
              }
              if (py::isinstance<Tensor>(output)) m->observe(layer, output.cast<const Tensor&>());
            });
          },
          py::arg("layer"))
      .def("add_layer", &Monitor::add_layer)
      .def("add_parameter", &Monitor::add_parameter)
      .def("observe", &Monitor::observe)
      .def("observe_grad", &Monitor::observe_grad)
      .def("logging", &Monitor::logging)
      .def("pause", &Monitor::pause, py::arg("paused") = true)
      // loss and lr: a number, a one-element tensor (read with item()) or None (not measured).
      .def(
          "step",
          [](Monitor& m, py::handle loss, py::handle lr) {
            auto value = [](py::handle v) {
              if (v.is_none()) return kNone;
              if (py::isinstance<Tensor>(v)) return v.cast<const Tensor&>().item<double>();
              return v.cast<double>();
            };
            m.step(value(loss), value(lr));
          },
          py::arg("loss") = py::none(), py::arg("lr") = py::none())
      .def("watch_input", &Monitor::watch_input)
      .def("end_epoch", &Monitor::end_epoch)
      .def("table", &Monitor::table)
      .def("save_report", &Monitor::save_report, py::arg("path"), py::arg("title") = "ramp diagnostics")
      .def_property_readonly("layer_names", &Monitor::layer_names)
      .def_property_readonly("layer_types", &Monitor::layer_types)
      .def_property_readonly("param_names", &Monitor::param_names)
      .def_property_readonly("steps", &Monitor::steps)
      .def_property_readonly("windows", &Monitor::windows);
}

}  // namespace ramp::py_
