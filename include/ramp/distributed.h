// ramp::distributed: torch.distributed's process groups and collectives on Gloo (the library 1.13's
// CPU backend links), so ranks in several processes or machines exchange tensors.
//
// A ProcessGroup owns one Gloo context (a full mesh of TCP pairs) and two worker threads taking
// turns. Every collective is queued and run by them one at a time in issue order, so every rank
// runs the same sequence of Gloo ops with the same tags; the caller gets a Work to wait on. The
// synchronous forms queue and wait. That is the shape DDP needs: an autograd hook starts a
// bucket's all_reduce and returns at once, and the end-of-backward callback waits on the bucket's
// Work (docs/design.md, "Distributed").
//
// Failures are errors, not hangs: every Gloo op runs under the group's timeout, and a dead peer's
// closed socket fails the op at once; the error names the operation and this rank. A failed op
// closes the rank's connections, so the other ranks fail at once too, and the group is unusable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ramp/tensor.h"

namespace ramp::distributed {

// torch.distributed.ReduceOp, in RedOpType's order (SUM=0, AVG=1, ...).
enum class ReduceOp { SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR };
std::string_view reduce_op_name(ReduceOp op);  // "SUM"

using Timeout = std::chrono::milliseconds;
inline constexpr Timeout kDefaultTimeout = std::chrono::minutes(30);  // default_pg_timeout

// One queued collective. wait() blocks until it ran and rethrows its error (a ramp::Error naming the
// operation and the rank); it returns true like torch's Work.wait().
class Work {
 public:
  bool wait();
  // At most `timeout` (1.13's Work.wait(timeout)): throws 1.13's "Operation timed out!" if the op
  // has not finished by then (it keeps running; a later wait() may still succeed).
  bool wait(Timeout timeout);
  bool is_completed() const;
  bool is_success() const;  // completed without error
  std::exception_ptr exception() const;
  // Runs `fn` on a worker thread once the op finished, before wait() returns and before the next
  // op starts (at once, on the caller's thread, if it already finished): DDP's "this bucket is
  // reduced" step; on failure too (exception() tells). `fn` must not throw, nor queue work on this
  // group and wait on it.
  void then(std::function<void()> fn);

  // -- for the ProcessGroup that runs it
  void finish(std::exception_ptr error);

 private:
  mutable std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::exception_ptr error_;
  std::vector<std::function<void()>> callbacks_;
};
using WorkPtr = std::shared_ptr<Work>;

struct ProcessGroupState;  // src/distributed/process_group.h

// A group of `size` ranks joined over a key-value store (file:// -> Gloo's FileStore, tcp:// and
// env:// -> ramp's TCPStore hosted by rank 0). new_group's groups join through the default group's
// store; on a rank outside the group, new_group returns a non-member group (1.13's
// GroupMember.NON_GROUP_MEMBER): rank() and size() are -1 and its collectives throw.
class ProcessGroup {
 public:
  ~ProcessGroup();
  int rank() const;  // in this group: ranks are renumbered 0..size()-1 in the order of ranks()
  int size() const;
  bool is_member() const;
  // The members as ranks of the default group ("global ranks"), by group rank.
  const std::vector<int>& ranks() const;
  int group_rank(int global_rank) const;  // throws if that rank is not a member
  int global_rank(int group_rank) const;
  Timeout timeout() const;
  std::string backend() const { return "gloo"; }

  // Each checks its arguments here, on the caller's thread, and returns at once with the queued
  // op's Work. The group keeps the tensors alive until the op ran; the caller must not touch them
  // before the Work completes.
  WorkPtr all_reduce(Tensor tensor, ReduceOp op = ReduceOp::SUM);
  WorkPtr broadcast(Tensor tensor, int root);
  WorkPtr all_gather(std::vector<Tensor> outputs, Tensor input);
  WorkPtr reduce(Tensor tensor, int root, ReduceOp op = ReduceOp::SUM);
  // gather: `outputs` on the root only (size() tensors shaped as `input`), empty elsewhere.
  WorkPtr gather(std::vector<Tensor> outputs, Tensor input, int root);
  // scatter: `inputs` on the root only (size() tensors shaped as `output`), empty elsewhere.
  WorkPtr scatter(Tensor output, std::vector<Tensor> inputs, int root);
  WorkPtr barrier();

  // Joins a group through `init_method` (as init_process_group's): blocks until all ranks arrived,
  // or throws at `timeout`.
  static std::shared_ptr<ProcessGroup> create(const std::string& init_method, int rank, int world_size,
                                              Timeout timeout);
  // new_group's work: every rank of this (default) group calls it with the same sorted `ranks`.
  std::shared_ptr<ProcessGroup> create_subgroup(const std::vector<int>& ranks, Timeout timeout);

 private:
  explicit ProcessGroup(std::unique_ptr<ProcessGroupState> state);
  void check_member(const char* op) const;
  WorkPtr enqueue(std::string op, std::vector<Tensor> tensors, std::function<void(std::uint32_t tag)> run);
  std::unique_ptr<ProcessGroupState> state_;
};

using GroupPtr = std::shared_ptr<ProcessGroup>;

// ---- torch.distributed's module-level API; `group` nullptr = the default group ----

// backend: "gloo" (any case). init_method: "env://" (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
// "tcp://host:port" or "file:///path/to/folder"; rank and world_size -1 take them from the URL's
// query (?rank=0&world_size=2) or, for env://, from the environment. Errors as 1.13's.
void init_process_group(const std::string& backend, std::string init_method = "env://", int rank = -1,
                        int world_size = -1, Timeout timeout = kDefaultTimeout);
void destroy_process_group();
bool is_initialized();
// In `group` (throws when no default group); -1 on a non-member, as 1.13.
int get_rank(const GroupPtr& group = nullptr);
int get_world_size(const GroupPtr& group = nullptr);
std::string get_backend();
// The default group (throws 1.13's "Default process group has not been initialized, ..." if none).
std::shared_ptr<ProcessGroup> default_group();

// 1.13's new_group: every rank of the default group must call it, with the same ranks (any order;
// nullopt = all). Members get a group whose ranks are renumbered in sorted order; the others a
// non-member group. Returns after every rank has joined (a barrier on the default group). backend:
// "" or "gloo". Errors as 1.13's; duplicate or no ranks are refused (1.13 would hang or fail).
GroupPtr new_group(const std::optional<std::vector<int>>& ranks = std::nullopt, Timeout timeout = kDefaultTimeout,
                   const std::string& backend = "");
int get_group_rank(const GroupPtr& group, int global_rank);  // 1.13's names; identity on the default group
int get_global_rank(const GroupPtr& group, int group_rank);

// The collectives: with async_op they return the Work, else they wait and return nullptr. src/dst
// are ranks of the default group (global ranks, as 1.13 takes them) and must be members of `group`.
// On a non-member group they do nothing and return nullptr (1.13 warns and returns None).
WorkPtr all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::SUM, bool async_op = false, const GroupPtr& group = nullptr);
WorkPtr broadcast(Tensor& tensor, int src, bool async_op = false, const GroupPtr& group = nullptr);
WorkPtr all_gather(std::vector<Tensor>& tensor_list, const Tensor& tensor, bool async_op = false,
                   const GroupPtr& group = nullptr);
WorkPtr reduce(Tensor& tensor, int dst, ReduceOp op = ReduceOp::SUM, bool async_op = false,
               const GroupPtr& group = nullptr);
WorkPtr gather(const Tensor& tensor, std::vector<Tensor>* gather_list, int dst = 0, bool async_op = false,
               const GroupPtr& group = nullptr);
WorkPtr scatter(Tensor& tensor, const std::vector<Tensor>* scatter_list, int src = 0, bool async_op = false,
                const GroupPtr& group = nullptr);
WorkPtr barrier(bool async_op = false, const GroupPtr& group = nullptr);

}  // namespace ramp::distributed
