// The collectives: argument checks on the caller's thread (1.13's ProcessGroupGloo texts), then one
// Gloo algorithm per op on a worker thread (ring allreduce, Gloo's broadcast, allgather, reduce,
// gather, scatter, barrier: the same calls 1.13's ProcessGroupGloo makes, so results match it bit
// for bit). Every ramp dtype is accepted; 1.13's Gloo refuses bool, bfloat16 and int16 ("Invalid
// scalar type"), ramp reduces bool as logic (SUM/MAX = or, PRODUCT/MIN = and) and bfloat16 in float.
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/gather.h>
#include <gloo/math.h>
#include <gloo/reduce.h>
#include <gloo/scatter.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "process_group.h"
#include "ramp/autograd.h"

namespace ramp::distributed {
namespace {

using ReduceFn = void (*)(void*, const void*, const void*, std::size_t);

// c[i] = f(a[i], b[i]), the shape of Gloo's own reduce functions (gloo/math.h).
template <class T, class F> void pointwise(void* c_, const void* a_, const void* b_, std::size_t n) {
  auto* c = static_cast<T*>(c_);
  auto* a = static_cast<const T*>(a_);
  auto* b = static_cast<const T*>(b_);
  for (std::size_t i = 0; i < n; ++i) c[i] = F{}(a[i], b[i]);
}
struct And { bool operator()(bool a, bool b) const { return a && b; } };
struct Or { bool operator()(bool a, bool b) const { return a || b; } };
struct BitAnd { template <class T> T operator()(T a, T b) const { return T(a & b); } };
struct BitOr { template <class T> T operator()(T a, T b) const { return T(a | b); } };
struct BitXor { template <class T> T operator()(T a, T b) const { return T(a ^ b); } };
// bfloat16: in float, rounded back (as 1.13 does gloo::float16)
template <class Op> struct InFloat {
  BFloat16 operator()(BFloat16 a, BFloat16 b) const { return BFloat16(Op{}(float(a), float(b))); }
};
struct Min { float operator()(float a, float b) const { return std::min(a, b); } };
struct Max { float operator()(float a, float b) const { return std::max(a, b); } };

template <class T> ReduceFn reduce_fn_for(ReduceOp op) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case ReduceOp::SUM: case ReduceOp::MAX: case ReduceOp::BOR: return &pointwise<bool, Or>;
      case ReduceOp::PRODUCT: case ReduceOp::MIN: case ReduceOp::BAND: return &pointwise<bool, And>;
      case ReduceOp::BXOR: return &pointwise<bool, BitXor>;
      default: break;
    }
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    switch (op) {
      case ReduceOp::SUM: return &pointwise<T, InFloat<std::plus<float>>>;
      case ReduceOp::PRODUCT: return &pointwise<T, InFloat<std::multiplies<float>>>;
      case ReduceOp::MIN: return &pointwise<T, InFloat<Min>>;
      case ReduceOp::MAX: return &pointwise<T, InFloat<Max>>;
      default: break;
    }
  } else {
    switch (op) {
      case ReduceOp::SUM: return &gloo::sum<T>;
      case ReduceOp::PRODUCT: return &gloo::product<T>;
      case ReduceOp::MIN: return &gloo::min<T>;
      case ReduceOp::MAX: return &gloo::max<T>;
      case ReduceOp::BAND: if constexpr (std::is_integral_v<T>) return &pointwise<T, BitAnd>; break;
      case ReduceOp::BOR: if constexpr (std::is_integral_v<T>) return &pointwise<T, BitOr>; break;
      case ReduceOp::BXOR: if constexpr (std::is_integral_v<T>) return &pointwise<T, BitXor>; break;
      default: break;
    }
  }
  return nullptr;
}

// The reduction for (dtype, op), with 1.13's refusals.
ReduceFn reduce_fn(ScalarType t, ReduceOp op) {
  RAMP_CHECK(op != ReduceOp::AVG, "Cannot use ReduceOp.AVG with Gloo");
  bool bitwise = op == ReduceOp::BAND || op == ReduceOp::BOR || op == ReduceOp::BXOR;
  RAMP_CHECK(!bitwise || is_integral(t, /*include_bool=*/true), "Cannot use ReduceOp.", reduce_op_name(op),
             " with non-integral dtype");
  ReduceFn fn = dispatch(t, [&](auto v) { return reduce_fn_for<decltype(v)>(op); });
  RAMP_CHECK(fn, "all_reduce: unsupported ReduceOp ", int(op));
  return fn;
}

// Gloo's typed setters only use sizeof(T): an unsigned type of the element's width stands in.
template <class F> void with_width(ScalarType t, F&& f) {
  switch (element_size(t)) {
    case 1: f(std::uint8_t{}); break;
    case 2: f(std::uint16_t{}); break;
    case 4: f(std::uint32_t{}); break;
    default: f(std::uint64_t{}); break;
  }
}

// A contiguous tensor with `t`'s values: `t` itself when it is one.
Tensor dense(const Tensor& t) { return t.is_contiguous() ? t : t.contiguous(); }
// Writes `buf` back into `t` when `buf` was a contiguous copy of it.
void write_back(Tensor& t, const Tensor& buf) {
  if (buf.impl_ptr() != t.impl_ptr()) t.copy_(buf);
}

void check_root(const char* op, int root, int size) {
  RAMP_CHECK(root >= 0 && root < size, "ProcessGroupGloo::", op, ": invalid root rank: ", root);
}

// "(2, 3)", as 1.13's ProcessGroupGloo prints sizes
std::string sizes_text(const Tensor& t) {
  std::string s = shape_str(t.sizes());
  return "(" + s.substr(1, s.size() - 2) + ")";
}

// Every tensor in `list` shaped and typed as `like` (1.13's ProcessGroupGloo texts).
void check_list(const char* op, const char* what, const std::vector<Tensor>& list, std::size_t expected,
                const Tensor& like) {
  RAMP_CHECK(list.size() == expected, "ProcessGroupGloo::", op, ": invalid ", what, " tensor list at index 0 (expected length ",
             expected, ", got ", list.size(), ")");
  for (std::size_t i = 0; i < list.size(); ++i) {
    RAMP_CHECK(list[i].dtype() == like.dtype(), "ProcessGroupGloo::", op, ": invalid tensor type at index ", i,
               " (expected ", dtype_error_name(like.dtype()), ", got ", dtype_error_name(list[i].dtype()), ")");
    RAMP_CHECK(std::ranges::equal(list[i].sizes(), like.sizes()), "ProcessGroupGloo::", op, ": invalid tensor size at index ", i,
               " (expected ", sizes_text(like), ", got ", sizes_text(list[i]), ")");
  }
}

// Copies a flat buffer of list.size() chunks out into the list's tensors.
void unpack(const Tensor& flat, std::vector<Tensor>& list) {
  for (std::size_t i = 0; i < list.size(); ++i) list[i].copy_(flat.select(0, std::int64_t(i)).view(list[i].sizes()));
}

}  // namespace

WorkPtr ProcessGroup::all_reduce(Tensor tensor, ReduceOp op) {
  check_member("all_reduce");
  ReduceFn fn = reduce_fn(tensor.dtype(), op);
  auto ctx = state_->context;
  auto timeout = state_->timeout;
  return enqueue("all_reduce", {tensor}, [=](std::uint32_t tag) mutable {
    Tensor buf = dense(tensor);
    gloo::AllreduceOptions opts(ctx);
    with_width(buf.dtype(), [&](auto w) {
      opts.setOutput(static_cast<decltype(w)*>(buf.data_ptr()), std::size_t(buf.numel()));
    });
    opts.setReduceFunction(fn);
    opts.setTag(tag);
    opts.setTimeout(timeout);
    if (buf.numel() > 0) gloo::allreduce(opts);
    write_back(tensor, buf);
  });
}

WorkPtr ProcessGroup::broadcast(Tensor tensor, int root) {
  check_member("broadcast");
  check_root("broadcast", root, size());
  auto ctx = state_->context;
  auto timeout = state_->timeout;
  return enqueue("broadcast", {tensor}, [=](std::uint32_t tag) mutable {
    Tensor buf = dense(tensor);
    gloo::BroadcastOptions opts(ctx);
    with_width(buf.dtype(), [&](auto w) {
      opts.setOutput(static_cast<decltype(w)*>(buf.data_ptr()), std::size_t(buf.numel()));
    });
    opts.setRoot(root);
    opts.setTag(tag);
    opts.setTimeout(timeout);
    if (buf.numel() > 0) gloo::broadcast(opts);
    write_back(tensor, buf);
  });
}

WorkPtr ProcessGroup::reduce(Tensor tensor, int root, ReduceOp op) {
  check_member("reduce");
  check_root("reduce", root, size());
  ReduceFn fn = reduce_fn(tensor.dtype(), op);
  auto ctx = state_->context;
  auto timeout = state_->timeout;
  return enqueue("reduce", {tensor}, [=](std::uint32_t tag) mutable {
    Tensor buf = dense(tensor);
    gloo::ReduceOptions opts(ctx);
    with_width(buf.dtype(), [&](auto w) {
      opts.setOutput(static_cast<decltype(w)*>(buf.data_ptr()), std::size_t(buf.numel()));
    });
    opts.setRoot(root);
    opts.setReduceFunction(fn);
    opts.setTag(tag);
    opts.setTimeout(timeout);
    if (buf.numel() > 0) gloo::reduce(opts);
    write_back(tensor, buf);
  });
}

WorkPtr ProcessGroup::all_gather(std::vector<Tensor> outputs, Tensor input) {
  check_member("all_gather");
  check_list("allgather", "output", outputs, std::size_t(size()), input);
  auto ctx = state_->context;
  auto timeout = state_->timeout;
  std::vector<Tensor> keep = outputs;
  keep.push_back(input);
  return enqueue("all_gather", std::move(keep), [=](std::uint32_t tag) mutable {
    Tensor in = dense(input);
    std::vector<std::int64_t> flat_sizes{std::int64_t(outputs.size()), in.numel()};
    Tensor flat = empty(flat_sizes, in.dtype());
    gloo::AllgatherOptions opts(ctx);
    with_width(in.dtype(), [&](auto w) {
      using T = decltype(w);
      opts.setInput(static_cast<T*>(in.data_ptr()), std::size_t(in.numel()));
      opts.setOutput(static_cast<T*>(flat.data_ptr()), std::size_t(flat.numel()));
    });
    opts.setTag(tag);
    opts.setTimeout(timeout);
    if (in.numel() > 0) gloo::allgather(opts);
    unpack(flat, outputs);
  });
}

WorkPtr ProcessGroup::gather(std::vector<Tensor> outputs, Tensor input, int root) {
  check_member("gather");
  check_root("gather", root, size());
  if (rank() == root)
    check_list("gather", "output", outputs, std::size_t(size()), input);
  else
    RAMP_CHECK(outputs.empty(), "ProcessGroupGloo::gather: requires empty output on non-root");
  auto ctx = state_->context;
  auto timeout = state_->timeout;
  std::vector<Tensor> keep = outputs;
  keep.push_back(input);
  bool is_root = rank() == root;
  return enqueue("gather", std::move(keep), [=](std::uint32_t tag) mutable {
    Tensor in = dense(input);
    Tensor flat;
    gloo::GatherOptions opts(ctx);
    if (is_root) flat = empty({std::int64_t(outputs.size()), in.numel()}, in.dtype());
    with_width(in.dtype(), [&](auto w) {
      using T = decltype(w);
      opts.setInput(static_cast<T*>(in.data_ptr()), std::size_t(in.numel()));
      if (is_root) opts.setOutput(static_cast<T*>(flat.data_ptr()), std::size_t(flat.numel()));
    });
    opts.setRoot(root);
    opts.setTag(tag);
    opts.setTimeout(timeout);
    if (in.numel() > 0) gloo::gather(opts);
    if (is_root) unpack(flat, outputs);
  });
}

WorkPtr ProcessGroup::scatter(Tensor output, std::vector<Tensor> inputs, int root) {
  check_member("scatter");
  check_root("scatter", root, size());
  if (rank() == root)
    check_list("scatter", "input", inputs, std::size_t(size()), output);
  else
    RAMP_CHECK(inputs.empty(), "ProcessGroupGloo::scatter: requires empty input on non-root");
  auto ctx = state_->context;
  auto timeout = state_->timeout;
  std::vector<Tensor> keep = inputs;
  keep.push_back(output);
  return enqueue("scatter", std::move(keep), [=](std::uint32_t tag) mutable {
    Tensor out = dense(output);
    std::vector<Tensor> ins;
    for (const auto& t : inputs) ins.push_back(dense(t));
    gloo::ScatterOptions opts(ctx);
    with_width(out.dtype(), [&](auto w) {
      using T = decltype(w);
      std::vector<T*> ptrs;
      for (auto& t : ins) ptrs.push_back(static_cast<T*>(t.data_ptr()));
      if (!ptrs.empty()) opts.setInputs(ptrs, std::size_t(out.numel()));
      opts.setOutput(static_cast<T*>(out.data_ptr()), std::size_t(out.numel()));
    });
    opts.setRoot(root);
    opts.setTag(tag);
    opts.setTimeout(timeout);
    if (out.numel() > 0) gloo::scatter(opts);
    write_back(output, out);
  });
}

WorkPtr ProcessGroup::barrier() {
  check_member("barrier");
  auto ctx = state_->context;
  auto timeout = state_->timeout;
  return enqueue("barrier", {}, [=](std::uint32_t tag) {
    gloo::BarrierOptions opts(ctx);
    opts.setTag(tag);
    opts.setTimeout(timeout);
    gloo::barrier(opts);
  });
}

// ---- the module-level forms: the default group or `group`, global ranks for src/dst ----
namespace {
WorkPtr finish(WorkPtr work, bool async_op) {
  if (async_op) return work;
  work->wait();
  return nullptr;
}

// The group an op runs on (src/dst are translated to its ranks unless it is the default group, whose
// root check keeps ProcessGroupGloo's text); null when this rank is not a member (1.13 warns and does nothing).
GroupPtr on(const GroupPtr& group, const char* op) {
  auto world = default_group();  // 1.13's error when there is none
  if (!group) return world;
  if (group->is_member()) return group;
  std::fprintf(stderr, "UserWarning: Running %s on global rank %d which does not belong to the given group.\n", op,
               world->rank());
  return nullptr;
}
}  // namespace

WorkPtr all_reduce(Tensor& tensor, ReduceOp op, bool async_op, const GroupPtr& group) {
  auto g = on(group, "all_reduce");
  return g ? finish(g->all_reduce(tensor, op), async_op) : nullptr;
}
WorkPtr broadcast(Tensor& tensor, int src, bool async_op, const GroupPtr& group) {
  auto g = on(group, "broadcast");
  return g ? finish(g->broadcast(tensor, (group ? g->group_rank(src) : src)), async_op) : nullptr;
}
WorkPtr all_gather(std::vector<Tensor>& tensor_list, const Tensor& tensor, bool async_op, const GroupPtr& group) {
  auto g = on(group, "all_gather");
  return g ? finish(g->all_gather(tensor_list, tensor), async_op) : nullptr;
}
WorkPtr reduce(Tensor& tensor, int dst, ReduceOp op, bool async_op, const GroupPtr& group) {
  auto g = on(group, "reduce");
  return g ? finish(g->reduce(tensor, (group ? g->group_rank(dst) : dst), op), async_op) : nullptr;
}
WorkPtr gather(const Tensor& tensor, std::vector<Tensor>* gather_list, int dst, bool async_op, const GroupPtr& group) {
  auto g = on(group, "gather");
  return g ? finish(g->gather(gather_list ? *gather_list : std::vector<Tensor>{}, tensor, (group ? g->group_rank(dst) : dst)), async_op)
           : nullptr;
}
WorkPtr scatter(Tensor& tensor, const std::vector<Tensor>* scatter_list, int src, bool async_op, const GroupPtr& group) {
  auto g = on(group, "scatter");
  return g ? finish(g->scatter(tensor, scatter_list ? *scatter_list : std::vector<Tensor>{}, (group ? g->group_rank(src) : src)),
                    async_op)
           : nullptr;
}
WorkPtr barrier(bool async_op, const GroupPtr& group) {
  auto g = on(group, "barrier");
  return g ? finish(g->barrier(), async_op) : nullptr;
}

}  // namespace ramp::distributed
