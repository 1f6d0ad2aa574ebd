// _C._distributed: ramp/distributed.h for ramp.distributed (python/ramp/distributed/), which adds
// torch's Python-level argument checks. Every call that can block releases the GIL, so other Python
// threads (and a DDP hook's Work callbacks later) run while Gloo waits.
#include "bindings.h"
#include "ramp/distributed.h"
#include "ramp/distributed/reducer.h"
#include "run/launch.h"

namespace ramp::py_ {
namespace {

// Python's reference to a group: when it is the last one (after destroy_process_group), the
// group's destructor joins its worker, which may need the GIL to drop a finished op's tensors
// (NumPy-backed ones) or run a future's callback, so the GIL is released around it.
std::shared_ptr<ramp::distributed::ProcessGroup> python_owned(std::shared_ptr<ramp::distributed::ProcessGroup> group) {
  auto* raw = group.get();
  return std::shared_ptr<ramp::distributed::ProcessGroup>(raw, [keep = std::move(group)](auto*) mutable {
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      keep.reset();
    } else {
      keep.reset();
    }
  });
}

}  // namespace

void init_distributed(py::module_& top) {
  namespace d = ramp::distributed;
  auto m = top.def_submodule("_distributed", "ramp/distributed.h: process groups and collectives on Gloo");
  using release = py::call_guard<py::gil_scoped_release>;

  py::enum_<d::ReduceOp>(m, "ReduceOp")
      .value("SUM", d::ReduceOp::SUM)
      .value("AVG", d::ReduceOp::AVG)
      .value("PRODUCT", d::ReduceOp::PRODUCT)
      .value("MIN", d::ReduceOp::MIN)
      .value("MAX", d::ReduceOp::MAX)
      .value("BAND", d::ReduceOp::BAND)
      .value("BOR", d::ReduceOp::BOR)
      .value("BXOR", d::ReduceOp::BXOR);

  auto ms = [](double seconds) { return d::Timeout(std::int64_t(seconds * 1000.0 + 0.5)); };
  // ramp.distributed adds 1.13's Python-level methods (wait(timeout), exception, get_future, ...) on
  // top of these; dynamic_attr: it keeps the op's output tensors on the Work for result()/futures.
  py::class_<d::Work, std::shared_ptr<d::Work>>(m, "Work", py::dynamic_attr())
      .def(
          "_wait",
          [ms](d::Work& w, double timeout_s) { return timeout_s > 0 ? w.wait(ms(timeout_s)) : w.wait(); },
          py::arg("timeout_s") = 0.0, release())
      .def("is_completed", &d::Work::is_completed)
      .def("is_success", &d::Work::is_success)
      // the op's error text, or None
      .def("_error",
           [](const d::Work& w) -> py::object {
             auto e = w.exception();
             if (!e) return py::none();
             try {
               std::rethrow_exception(e);
             } catch (const std::exception& x) {
               return py::str(x.what());
             }
           })
      // fn() once the op finished: on Gloo's worker thread (with the GIL), or at once if it has.
      // The Python object is only touched (and released) under the GIL.
      .def("_then", [](d::Work& w, py::function fn) {
        std::shared_ptr<py::object> held(new py::object(std::move(fn)), [](py::object* o) {
          py::gil_scoped_acquire gil;
          delete o;
        });
        w.then([held] {
          py::gil_scoped_acquire gil;
          try {
            (*held)();
          } catch (py::error_already_set& e) {
            e.discard_as_unraisable("ramp.distributed Work callback");
          }
        });
      });
  py::class_<d::ProcessGroup, std::shared_ptr<d::ProcessGroup>>(m, "ProcessGroup")
      .def("rank", &d::ProcessGroup::rank)
      .def("size", &d::ProcessGroup::size)
      .def("name", &d::ProcessGroup::backend)
      .def("is_member", &d::ProcessGroup::is_member)
      .def("ranks", &d::ProcessGroup::ranks)
      .def("allreduce", &d::ProcessGroup::all_reduce, py::arg("tensor"), py::arg("op") = d::ReduceOp::SUM)
      .def("broadcast", &d::ProcessGroup::broadcast, py::arg("tensor"), py::arg("root"))
      .def("allgather", &d::ProcessGroup::all_gather, py::arg("outputs"), py::arg("input"))
      .def("reduce", &d::ProcessGroup::reduce, py::arg("tensor"), py::arg("root"), py::arg("op") = d::ReduceOp::SUM)
      .def("gather", &d::ProcessGroup::gather, py::arg("outputs"), py::arg("input"), py::arg("root"))
      .def("scatter", &d::ProcessGroup::scatter, py::arg("output"), py::arg("inputs"), py::arg("root"))
      .def("barrier", &d::ProcessGroup::barrier);

  m.def(
      "init_process_group",
      [ms](const std::string& backend, const std::string& init_method, int rank, int world_size, double timeout_s) {
        d::init_process_group(backend, init_method, rank, world_size, ms(timeout_s));
      },
      py::arg("backend"), py::arg("init_method"), py::arg("rank"), py::arg("world_size"), py::arg("timeout_s"),
      release());
  // DistributedDataParallel's parts (python/ramp/nn/parallel/distributed.py drives them as the C++
  // nn::parallel::DistributedDataParallel does). The autograd hooks and the end-of-backward
  // callback are C++ and run without the GIL.
  py::class_<d::Reducer>(m, "Reducer")
      .def(py::init<std::vector<Tensor>, std::shared_ptr<d::ProcessGroup>, std::int64_t, bool, std::int64_t>(),
           py::arg("params"), py::arg("process_group"), py::arg("bucket_bytes_cap"),
           py::arg("find_unused_parameters"), py::arg("first_bucket_bytes") = d::kDefaultFirstBucketBytes, release())
      .def("_rebuild_buckets", &d::Reducer::rebuild_buckets, release())
      .def("prepare_for_backward", &d::Reducer::prepare_for_backward, py::arg("outputs"), release())
      .def("_bucket_indices", &d::Reducer::bucket_indices);
  m.def("_verify_params_across_processes",
        [](d::ProcessGroup& g, const std::vector<Tensor>& params) { d::verify_params_across_processes(g, params); },
        py::arg("process_group"), py::arg("params"), release());
  m.def("_broadcast_coalesced", &d::broadcast_coalesced, py::arg("process_group"), py::arg("tensors"),
        py::arg("buffer_size"), py::arg("src") = 0, release());
  m.def("_compute_bucket_assignment_by_size", &d::compute_bucket_assignment_by_size, py::arg("tensors"),
        py::arg("bucket_size_limits"), py::arg("order") = std::vector<std::size_t>{});
  m.def("destroy_process_group", &d::destroy_process_group, release());
  // python -m ramp.distributed.run: ramp-run's code (tools/run/launch.cpp) inside this interpreter; it
  // blocks until the ranks exit, without the GIL (it installs its own signal handlers meanwhile).
  m.def("_launch", &ramp::run::launch, py::arg("args"), py::arg("python"), release());
  m.def("is_initialized", &d::is_initialized);
  m.def("default_group", [] { return python_owned(d::default_group()); });
  m.def(
      "new_group",
      [ms](std::optional<std::vector<int>> ranks, double timeout_s, const std::string& backend) {
        d::GroupPtr group;
        {
          py::gil_scoped_release release;
          group = d::new_group(ranks, ms(timeout_s), backend);
        }
        return python_owned(std::move(group));
      },
      py::arg("ranks"), py::arg("timeout_s"), py::arg("backend"));
}

}  // namespace ramp::py_
