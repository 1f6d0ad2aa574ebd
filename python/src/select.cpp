// ramp.median / nanmedian / mode / aminmax / unique / unique_consecutive, their Tensor methods,
// searchsorted and bucketize (include/ramp/sort.h,
// reduce.h), with 1.13's overloads, keywords and named results (ramp.return_types).
#include "ramp/reduce.h"
#include "ramp/sort.h"

#include "bindings.h"

namespace ramp::py_ {
namespace {

// ramp.return_types.<name>(a, b): the named tuple classes of python/ramp/return_types.py.
template <class P> py::object named(const char* name, const P& r) {
  static py::handle module = py::module_::import("ramp.return_types").release();
  return module.attr(name)(py::make_tuple(std::get<0>(r), std::get<1>(r)));  // a structseq takes one sequence
}

// torch.unique's result: the values alone, or a tuple with the inverse and/or the counts asked for.
py::object unique_result(const std::tuple<Tensor, Tensor, Tensor>& r, bool inverse, bool counts) {
  if (!inverse && !counts) return py::cast(std::get<0>(r));
  py::list out;
  out.append(std::get<0>(r));
  if (inverse) out.append(std::get<1>(r));
  if (counts) out.append(std::get<2>(r));
  return py::tuple(out);
}

}  // namespace

void init_select(py::module_& m) {
  using py::arg;
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  // Each op as ramp.<name>(input, ...) and as the method Tensor.<name>(...).
  auto both = [&](const char* name, auto fn, auto... args) {
    m.def(name, fn, arg("input"), args...);
    cls.def(name, fn, args...);
  };
  for (const char* name : {"median", "nanmedian"}) {
    const bool nan = name[0] == 'n';
    both(name, [nan](const Tensor& t) { return nan ? nanmedian(t) : median(t); });
    both(
        name,
        [nan, name](const Tensor& t, std::int64_t dim, bool keepdim) {
          return named(name, nan ? nanmedian(t, dim, keepdim) : median(t, dim, keepdim));
        },
        arg("dim"), arg("keepdim") = false);
  }
  both(
      "mode", [](const Tensor& t, std::int64_t dim, bool keepdim) { return named("mode", mode(t, dim, keepdim)); },
      arg("dim") = -1, arg("keepdim") = false);
  both(
      "aminmax",
      [](const Tensor& t, std::optional<std::int64_t> dim, bool keepdim) { return named("aminmax", aminmax(t, dim, keepdim)); },
      py::kw_only(), arg("dim") = py::none(), arg("keepdim") = false);
  using OptDim = std::optional<std::int64_t>;
  both(
      "unique",
      [](const Tensor& t, bool sorted, bool inv, bool counts, OptDim dim) {
        return unique_result(unique(t, sorted, inv, counts, dim), inv, counts);
      },
      arg("sorted") = true, arg("return_inverse") = false, arg("return_counts") = false, arg("dim") = py::none());
  both(
      "unique_consecutive",
      [](const Tensor& t, bool inv, bool counts, OptDim dim) {
        return unique_result(unique_consecutive(t, inv, counts, dim), inv, counts);
      },
      arg("return_inverse") = false, arg("return_counts") = false, arg("dim") = py::none());
  using Side = std::optional<std::string>;
  using Sorter = std::optional<Tensor>;
  m.def(
      "searchsorted",
      [](const Tensor& seq, const Tensor& v, bool i32, bool right, Side side, Sorter sorter) {
        return searchsorted(seq, v, i32, right, side, sorter.value_or(Tensor()));
      },
      arg("sorted_sequence"), arg("input"), py::kw_only(), arg("out_int32") = false, arg("right") = false,
      arg("side") = py::none(), arg("sorter") = py::none());
  m.def(
      "searchsorted",
      [](const Tensor& seq, Scalar v, bool i32, bool right, Side side, Sorter sorter) {
        return searchsorted(seq, v, i32, right, side, sorter.value_or(Tensor()));
      },
      arg("sorted_sequence"), arg("self"), py::kw_only(), arg("out_int32") = false, arg("right") = false,
      arg("side") = py::none(), arg("sorter") = py::none());
  m.def(
      "bucketize",
      [](const Tensor& v, const Tensor& b, bool i32, bool right) { return bucketize(v, b, i32, right); },
      arg("input"), arg("boundaries"), py::kw_only(), arg("out_int32") = false, arg("right") = false);
  m.def(
      "bucketize", [](Scalar v, const Tensor& b, bool i32, bool right) { return bucketize(v, b, i32, right); },
      arg("self"), arg("boundaries"), py::kw_only(), arg("out_int32") = false, arg("right") = false);
}

}  // namespace ramp::py_
