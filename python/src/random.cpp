// include/ramp/random.h for Python: ramp.Generator, the default generator and its seeding
// functions, the random factories (generator= everywhere) and the Tensor samplers (x.normal_()...),
// with torch 1.13's signatures.
#include "ramp/random.h"

#include "bindings.h"

namespace ramp::py_ {
namespace {

using py::arg;
using Gen = Generator*;

// torch's seeds: any int in [-2^63, 2^64) (a negative one read as unsigned); floats refused.
std::uint64_t seed_arg(py::handle seed) {
  if (!PyLong_Check(seed.ptr()))
    throw Error("manual_seed expected a long, but got " + type_name(seed));
  const py::int_ v = py::reinterpret_borrow<py::int_>(seed);
  if (v < py::int_(0)) {
    const long long s = PyLong_AsLongLong(v.ptr());
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw Error("Overflow when unpacking long");
    }
    return std::uint64_t(s);
  }
  const unsigned long long s = PyLong_AsUnsignedLongLong(v.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    throw Error("Overflow when unpacking long");
  }
  return s;
}

const Tensor& state_arg(py::handle state) {
  if (!py::isinstance<Tensor>(state)) throw TypeError("expected a torch.ByteTensor, but got " + type_name(state));
  return state.cast<const Tensor&>();
}

// A Tensor method that samples in place and returns the tensor itself (the same Python object).
template <class... A, class F> auto inplace(F f) {
  return [f](py::object self, A... a) {
    f(self.cast<Tensor&>(), a...);
    return self;
  };
}

}  // namespace

void init_random(py::module_& m) {
  py::class_<Generator>(m, "Generator", "torch.Generator: a seeded mt19937_64 stream (another stream than torch's)")
      .def(py::init([](py::handle device) {
             if (!device.is_none() && py::str(device).cast<std::string>() != "cpu")
               throw Error("ramp.Generator: only the cpu device exists, got " + py::str(device).cast<std::string>());
             return Generator();
           }),
           arg("device") = "cpu")
      .def(
          "manual_seed",
          [](py::object self, py::handle seed) {
            self.cast<Generator&>().manual_seed(seed_arg(seed));
            return self;
          },
          arg("seed"))
      .def("seed", &Generator::seed)
      .def("initial_seed", &Generator::initial_seed)
      .def("get_state", &Generator::get_state)
      .def(
          "set_state",
          [](py::object self, py::handle state) {
            self.cast<Generator&>().set_state(state_arg(state));
            return self;
          },
          arg("new_state"));
  m.attr("default_generator") = py::cast(&default_generator(), py::return_value_policy::reference);
  m.def(
      "manual_seed",
      [](py::handle seed) {
        default_generator().manual_seed(seed_arg(seed));
        return py::cast(&default_generator(), py::return_value_policy::reference);
      },
      arg("seed"));
  m.def("initial_seed", &initial_seed);
  m.def("seed", [] { return seed(); });
  m.def("get_rng_state", &get_rng_state);
  m.def("set_rng_state", [](py::handle s) { set_rng_state(state_arg(s)); }, arg("new_state"));

  // ---- factories ----
  const auto rg = arg("requires_grad") = false;
  const auto gen = arg("generator") = py::none();
  const auto dt = arg("dtype") = py::none();
  for (auto [name, make] : {std::pair{"rand", &rand}, std::pair{"randn", &randn}})
    m.def(
        name,
        [make](py::args size, Gen g, std::optional<ScalarType> dtype, bool r) {
          return factory_requires_grad(make(int_list(size), dtype, g), r);
        },
        py::kw_only(), gen, dt, rg);
  m.def(
      "randint",
      [](std::int64_t high, py::handle size, Gen g, std::optional<ScalarType> dtype, bool r) {
        return factory_requires_grad(randint(high, int_list(size), g, dtype), r);
      },
      arg("high"), arg("size"), py::kw_only(), gen, dt, rg);
  m.def(
      "randint",
      [](std::int64_t low, std::int64_t high, py::handle size, Gen g, std::optional<ScalarType> dtype, bool r) {
        return factory_requires_grad(randint(low, high, int_list(size), g, dtype), r);
      },
      arg("low"), arg("high"), arg("size"), py::kw_only(), gen, dt, rg);
  m.def(
      "randperm",
      [](std::int64_t n, Gen g, ScalarType dtype, bool r) {
        Tensor p;
        {
          py::gil_scoped_release release;
          p = randperm(n, g).to(dtype);
        }
        return factory_requires_grad(p, r);
      },
      arg("n"), py::kw_only(), gen, arg("dtype") = ScalarType::Int64, rg);
  for (auto [name, make] : {std::pair{"rand_like", &rand_like}, std::pair{"randn_like", &randn_like}})
    m.def(
        name,
        [make](const Tensor& t, Gen g, std::optional<ScalarType> dtype, bool r) {
          return factory_requires_grad(make(t, dtype, g), r);
        },
        arg("input"), py::kw_only(), gen, dt, rg);
  m.def(
      "randint_like",
      [](const Tensor& t, std::int64_t high, Gen g, std::optional<ScalarType> dtype, bool r) {
        return factory_requires_grad(randint_like(t, high, dtype, g), r);
      },
      arg("input"), arg("high"), py::kw_only(), gen, dt, rg);
  m.def(
      "randint_like",
      [](const Tensor& t, std::int64_t low, std::int64_t high, Gen g, std::optional<ScalarType> dtype, bool r) {
        return factory_requires_grad(randint_like(t, low, high, dtype, g), r);
      },
      arg("input"), arg("low"), arg("high"), py::kw_only(), gen, dt, rg);

  // ---- sampling functions ----
  m.def("normal", py::overload_cast<const Tensor&, const Tensor&, Gen>(&normal), arg("mean"), arg("std"),
        py::kw_only(), gen);
  m.def("normal", py::overload_cast<const Tensor&, double, Gen>(&normal), arg("mean"), arg("std") = 1.0,
        py::kw_only(), gen);
  m.def("normal", py::overload_cast<double, const Tensor&, Gen>(&normal), arg("mean"), arg("std"), py::kw_only(),
        gen);
  m.def(
      "normal",
      [](double mean, double std, py::handle size, Gen g, std::optional<ScalarType> dtype, bool r) {
        return factory_requires_grad(normal(mean, std, int_list(size), g, dtype), r);
      },
      arg("mean"), arg("std"), arg("size"), py::kw_only(), gen, dt, rg);
  m.def("bernoulli", py::overload_cast<const Tensor&, Gen>(&bernoulli), arg("input"), py::kw_only(), gen);
  m.def("bernoulli", py::overload_cast<const Tensor&, double, Gen>(&bernoulli), arg("input"), arg("p"),
        py::kw_only(), gen);
  m.def("multinomial", &multinomial, arg("input"), arg("num_samples"), arg("replacement") = false, py::kw_only(),
        gen);

  // ---- Tensor methods ----
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  cls.def("uniform_", inplace<double, double, Gen>(&uniform_), arg("from") = 0.0, arg("to") = 1.0, py::kw_only(), gen)
      .def("normal_", inplace<double, double, Gen>(&normal_), arg("mean") = 0.0, arg("std") = 1.0, py::kw_only(), gen)
      .def("log_normal_", inplace<double, double, Gen>(&log_normal_), arg("mean") = 1.0, arg("std") = 2.0,
           py::kw_only(), gen)
      .def("cauchy_", inplace<double, double, Gen>(&cauchy_), arg("median") = 0.0, arg("sigma") = 1.0, py::kw_only(),
           gen)
      .def("exponential_", inplace<double, Gen>(&exponential_), arg("lambd") = 1.0, py::kw_only(), gen)
      .def("geometric_", inplace<double, Gen>(&geometric_), arg("p"), py::kw_only(), gen)
      .def("random_", inplace<Gen>(py::overload_cast<Tensor&, Gen>(&random_)), gen)  // kw_only first: pybind11 bug
      .def("random_", inplace<std::int64_t, Gen>(py::overload_cast<Tensor&, std::int64_t, Gen>(&random_)), arg("to"),
           py::kw_only(), gen)
      .def("random_",
           inplace<std::int64_t, std::optional<std::int64_t>, Gen>(
               py::overload_cast<Tensor&, std::int64_t, std::optional<std::int64_t>, Gen>(&random_)),
           arg("from"), arg("to"), py::kw_only(), gen)
      .def("bernoulli_", inplace<const Tensor&, Gen>(py::overload_cast<Tensor&, const Tensor&, Gen>(&bernoulli_)),
           arg("p"), py::kw_only(), gen)
      .def("bernoulli_", inplace<double, Gen>(py::overload_cast<Tensor&, double, Gen>(&bernoulli_)), arg("p") = 0.5,
           py::kw_only(), gen)
      .def("bernoulli", py::overload_cast<const Tensor&, Gen>(&bernoulli), py::kw_only(), gen)
      .def("bernoulli", py::overload_cast<const Tensor&, double, Gen>(&bernoulli), arg("p"), py::kw_only(), gen)
      .def("multinomial", &multinomial, arg("num_samples"), arg("replacement") = false, py::kw_only(), gen);
}

}  // namespace ramp::py_
