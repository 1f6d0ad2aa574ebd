// ProcessGroup: joining (rendezvous + Gloo's full mesh), the worker threads that run the queued ops
// in issue order, Work, and torch.distributed's default-group functions.
#include "process_group.h"

#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "ramp/autograd.h"

namespace ramp::distributed {

// ---- Work ----

void Work::finish(std::exception_ptr error) {
  // The callbacks run before waiters wake (and before the next op starts), so what a callback
  // writes (DDP: the reduced bucket into .grad) is there when wait() returns. They run on failure
  // too, and see it through exception().
  {
    std::lock_guard lock(mu_);
    error_ = std::move(error);
  }
  for (;;) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      if (callbacks_.empty()) {
        done_ = true;
        break;
      }
      callbacks.swap(callbacks_);
    }
    for (auto& fn : callbacks) fn();  // may attach more: the loop picks them up
  }
  done_cv_.notify_all();
}

bool Work::wait() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return done_; });
  if (error_) std::rethrow_exception(error_);
  return true;
}

bool Work::wait(Timeout timeout) {
  std::unique_lock lock(mu_);
  if (!done_cv_.wait_for(lock, timeout, [&] { return done_; })) throw Error("Operation timed out!");
  if (error_) std::rethrow_exception(error_);
  return true;
}

bool Work::is_completed() const {
  std::lock_guard lock(mu_);
  return done_;
}

bool Work::is_success() const {
  std::lock_guard lock(mu_);
  return done_ && !error_;
}

std::exception_ptr Work::exception() const {
  std::lock_guard lock(mu_);
  return error_;
}

void Work::then(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (!done_) {
      callbacks_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

// ---- ProcessGroup ----
namespace {

// Writing to a dead peer's socket raises SIGPIPE, whose default action ends the process: a dead
// peer would kill its survivors instead of failing their op. The threads that write (Gloo's event
// loop and the worker) block it, so the write returns EPIPE and Gloo throws; the process's signal
// disposition stays the program's (Python ignores SIGPIPE anyway).
void block_sigpipe(sigset_t* old = nullptr) {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, old);
}

// The address this rank's Gloo pairs listen on: $GLOO_SOCKET_IFNAME's interface if set (torch's
// variable), loopback when rank 0 is on loopback, else this host's name.
std::shared_ptr<gloo::transport::Device> make_device(const std::string& master_addr) {
  gloo::transport::tcp::attr attr;
  if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface) {
    attr.iface = iface;
  } else {
    // file:// gives no hint (a multi-machine file:// run over a shared folder sets GLOO_SOCKET_IFNAME)
    bool loopback = master_addr == "localhost" || master_addr.rfind("127.", 0) == 0 || master_addr == "::1";
    char name[256] = {};
    attr.hostname = !loopback && ::gethostname(name, sizeof name - 1) == 0 ? name : "127.0.0.1";
  }
  try {
    return gloo::transport::tcp::CreateDevice(attr);
  } catch (const std::exception&) {
    if (attr.hostname.empty() || attr.hostname == "127.0.0.1") throw;
    attr.hostname = "127.0.0.1";  // a host name that does not resolve: single-machine run
    return gloo::transport::tcp::CreateDevice(attr);
  }
}

// Two workers (1.13's ProcessGroupGloo also starts two) that take turns: worker i runs the ops
// i, i+2, i+4, ..., one op at a time, so ops still run in issue order, each op's callbacks before
// the next op starts. Why not one: back-to-back ops kept a single worker runnable all the time, and
// the kernel's scheduler (EEVDF) then lets every wake-up inside Gloo (each received segment wakes
// the worker) wait behind the other threads on a busy machine; a worker that sleeps through every
// other op keeps its wake-up credit. Measured (bench/bench_ddp.py's back-to-back all_reduce of
// 203,530 floats, 2 ranks on the loaded 2-core machine; docs/benchmarks.md): torch / ramp 0.32-0.33
// with one worker, 0.67-0.90 with two.
constexpr std::size_t kWorkers = 2;

void run_worker(ProcessGroupState& s, std::size_t index) {
  block_sigpipe();
  autograd::NoGradGuard no_grad;  // collectives write tensors in place as data, outside autograd (as 1.13's c10d)
  for (;;) {
    Task task;
    {
      std::unique_lock lock(s.mu);
      s.cv.wait(lock, [&] { return (s.stop && s.queue.empty()) || (!s.queue.empty() && s.turn == index); });
      if (s.queue.empty()) return;  // stop, and nothing left
      task = std::move(s.queue.front());
      s.queue.pop_front();
    }
    std::exception_ptr error;
    if (!s.broken.empty()) {
      error = std::make_exception_ptr(Error(detail::cat(task.op, " on rank ", s.rank, ": the process group failed "
                                                        "earlier and cannot be used (", s.broken, ")")));
    } else {
      try {
        task.run(task.tag);
      } catch (const std::exception& e) {
        // Gloo's text says what happened ("Timed out waiting 2000ms for recv operation to complete",
        // "Connection closed by peer [127.0.0.1]:41234"); this says which op and which rank.
        s.broken = detail::cat(task.op, " failed on rank ", s.rank, " (world size ", s.size, "): ", e.what());
        error = std::make_exception_ptr(Error(s.broken));
        // Close every pair: the ranks still waiting on this one (in a ring, all but its neighbours
        // would wait for the dead peer until the timeout) see the closed socket and fail at once,
        // so one dead rank brings the whole group down in milliseconds.
        try {
          s.context->closeConnections();
        } catch (const std::exception&) {
        }
      }
    }
    task.keep.clear();  // the tensors are released before waiters wake (a last reference may need the GIL)
    task.run = nullptr;
    task.work->finish(error);
    {
      std::lock_guard lock(s.mu);
      s.turn = (s.turn + 1) % s.workers.size();
    }
    s.cv.notify_all();
  }
}

}  // namespace

ProcessGroup::ProcessGroup(std::unique_ptr<ProcessGroupState> state) : state_(std::move(state)) {
  if (state_->context) {
    std::lock_guard lock(state_->mu);  // the workers read workers.size()
    for (std::size_t i = 0; i < kWorkers; ++i)
      state_->workers.emplace_back([s = state_.get(), i] { run_worker(*s, i); });
  }
}

ProcessGroup::~ProcessGroup() {
  std::deque<Task> never_ran;
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
    never_ran.swap(state_->queue);
  }
  state_->cv.notify_all();
  // Ops not started yet fail (outside the lock: their callbacks may touch the group); the running
  // one ends, at the latest at the timeout, before the join.
  for (auto& t : never_ran)
    t.work->finish(std::make_exception_ptr(Error(t.op + ": the process group was destroyed before the operation ran")));
  for (auto& w : state_->workers) w.join();
}

int ProcessGroup::rank() const { return state_->rank; }
int ProcessGroup::size() const { return state_->size; }
bool ProcessGroup::is_member() const { return state_->context != nullptr; }
const std::vector<int>& ProcessGroup::ranks() const { return state_->ranks; }
Timeout ProcessGroup::timeout() const { return state_->timeout; }

int ProcessGroup::group_rank(int global_rank) const {
  auto it = std::find(state_->ranks.begin(), state_->ranks.end(), global_rank);
  RAMP_CHECK(it != state_->ranks.end(), "Global rank ", global_rank, " is not part of group");
  return int(it - state_->ranks.begin());
}

int ProcessGroup::global_rank(int group_rank) const {
  RAMP_CHECK(group_rank >= 0 && group_rank < int(state_->ranks.size()), "Group rank ", group_rank,
             " is not part of group");
  return state_->ranks[std::size_t(group_rank)];
}

void ProcessGroup::check_member(const char* op) const {
  RAMP_CHECK(is_member(), op, ": this rank is not a member of the group (new_group returned it a non-member group)");
}

namespace {

// Gloo's full mesh among the group's ranks (s.rank, s.size) through `store` under `prefix`, on a
// transport device of its own. `what` names the call in errors ("init_process_group", "new_group").
std::shared_ptr<gloo::rendezvous::Context> connect(ProcessGroupState& s, gloo::rendezvous::Store& store,
                                                   const std::string& prefix, const char* what) {
  sigset_t old;
  block_sigpipe(&old);  // Gloo's event loop thread starts here and inherits the mask
  std::shared_ptr<gloo::transport::Device> device;
  try {
    device = make_device(s.master_addr);
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  auto context = std::make_shared<gloo::rendezvous::Context>(s.rank, s.size);
  context->setTimeout(s.timeout);
  gloo::rendezvous::PrefixStore prefixed(prefix, store);
  try {
    context->connectFullMesh(prefixed, device);
  } catch (const std::exception& e) {
    throw Error(detail::cat(what, " failed on rank ", s.rank, " (world size ", s.size, "): ", e.what()));
  }
  return context;
}

}  // namespace

std::shared_ptr<ProcessGroup> ProcessGroup::create(const std::string& init_method, int rank, int world_size,
                                                   Timeout timeout) {
  RAMP_CHECK_T(ValueError, timeout.count() > 0, "init_process_group: timeout must be positive");
  Rendezvous r = rendezvous(init_method, rank, world_size, timeout);
  auto s = std::make_unique<ProcessGroupState>();
  s->rank = r.rank;
  s->size = r.world_size;
  s->timeout = timeout;
  s->store = std::move(r.store);
  s->master_addr = r.master_addr;
  for (int i = 0; i < s->size; ++i) s->ranks.push_back(i);
  // torch's prefix for the default group's keys; new_group's groups use "1", "2", ...
  s->context = connect(*s, *s->store, "default_pg", "init_process_group");
  std::shared_ptr<ProcessGroup> group(new ProcessGroup(std::move(s)));
  // A barrier before returning (torch has its store-based one): past it, every rank has finished
  // joining, so rank 0 may end the group (and its store server) while no one still reads the store.
  try {
    group->barrier()->wait();
  } catch (const std::exception& e) {
    throw Error(detail::cat("init_process_group failed on rank ", group->rank(), ": ", e.what()));
  }
  return group;
}

std::shared_ptr<ProcessGroup> ProcessGroup::create_subgroup(const std::vector<int>& ranks, Timeout timeout) {
  RAMP_CHECK(state_->store, "new_group: only the default group can create groups");
  RAMP_CHECK_T(ValueError, timeout.count() > 0, "new_group: timeout must be positive");
  // The same number on every rank (members or not): the new group's key prefix in the store.
  int number;
  {
    std::lock_guard lock(state_->mu);
    number = ++state_->groups_created;
  }
  auto s = std::make_unique<ProcessGroupState>();
  s->ranks = ranks;
  s->timeout = timeout;
  s->master_addr = state_->master_addr;
  auto me = std::find(ranks.begin(), ranks.end(), rank());
  if (me == ranks.end()) {
    s->rank = s->size = -1;
  } else {
    s->rank = int(me - ranks.begin());
    s->size = int(ranks.size());
    s->context = connect(*s, *state_->store, std::to_string(number), "new_group");
  }
  std::shared_ptr<ProcessGroup> group(new ProcessGroup(std::move(s)));
  // 1.13's store-based barrier: every rank of the default group has passed new_group before any
  // returns, so no rank sends on the new group before its peers joined it.
  try {
    barrier()->wait();
  } catch (const std::exception& e) {
    throw Error(detail::cat("new_group failed on rank ", rank(), ": ", e.what()));
  }
  return group;
}

WorkPtr ProcessGroup::enqueue(std::string op, std::vector<Tensor> tensors, std::function<void(std::uint32_t)> run) {
  auto work = std::make_shared<Work>();
  {
    std::lock_guard lock(state_->mu);
    RAMP_CHECK(!state_->stop, op, ": the process group was destroyed");
    state_->queue.push_back(Task{std::move(op), work, std::move(run), std::move(tensors), state_->next_tag++});
  }
  state_->cv.notify_all();  // all: only the worker whose turn it is takes it
  return work;
}

// ---- the default group ----
namespace {

std::mutex g_mu;
std::shared_ptr<ProcessGroup> g_default;

std::shared_ptr<ProcessGroup> current() {
  std::lock_guard lock(g_mu);
  return g_default;
}

// "gloo" in any case; 1.13's errors for the backends it knows but this build lacks, and for others.
void check_backend(const std::string& backend, bool empty_ok) {
  std::string name = backend;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "nccl" || name == "mpi" || name == "ucc") {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
    throw Error("Distributed package doesn't have " + name + " built in");
  }
  RAMP_CHECK_T(ValueError, name == "gloo" || (empty_ok && name.empty()), "Invalid backend: '", backend, "'");
}

}  // namespace

std::string_view reduce_op_name(ReduceOp op) {
  static constexpr std::string_view names[] = {"SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"};
  return names[int(op)];
}

void init_process_group(const std::string& backend, std::string init_method, int rank, int world_size,
                        Timeout timeout) {
  check_backend(backend, /*empty_ok=*/false);
  RAMP_CHECK(!is_initialized(), "trying to initialize the default process group twice!");
  if (init_method.empty()) init_method = "env://";
  auto group = ProcessGroup::create(init_method, rank, world_size, timeout);
  std::lock_guard lock(g_mu);
  RAMP_CHECK(!g_default, "trying to initialize the default process group twice!");
  g_default = std::move(group);
}

void destroy_process_group() {
  std::shared_ptr<ProcessGroup> group;
  {
    std::lock_guard lock(g_mu);
    RAMP_CHECK(g_default, "Invalid process group specified");
    group.swap(g_default);
  }
  // The group dies here (its worker joined) unless a caller still holds it.
}

bool is_initialized() { return current() != nullptr; }

std::shared_ptr<ProcessGroup> default_group() {
  auto group = current();
  RAMP_CHECK(group, "Default process group has not been initialized, please make sure to call init_process_group.");
  return group;
}

int get_rank(const GroupPtr& group) {
  auto world = default_group();
  return group ? group->rank() : world->rank();
}
int get_world_size(const GroupPtr& group) {
  auto world = default_group();
  return group ? group->size() : world->size();
}

GroupPtr new_group(const std::optional<std::vector<int>>& ranks, Timeout timeout, const std::string& backend) {
  auto world = default_group();
  check_backend(backend, /*empty_ok=*/true);  // "": the default group's
  std::vector<int> members;
  if (ranks) {
    members = *ranks;
    std::sort(members.begin(), members.end());
    RAMP_CHECK(int(members.size()) <= world->size(),
               "the new group's world size should be less or equal to the world size set by init_process_group");
    for (int r : members)
      RAMP_CHECK(r >= 0 && r < world->size(),
                 "The new group's rank should be within the the world_size set by init_process_group");  // 1.13's text
    RAMP_CHECK_T(ValueError, !members.empty(), "new_group: ranks is empty (None means every rank)");
    RAMP_CHECK_T(ValueError, std::adjacent_find(members.begin(), members.end()) == members.end(),
                 "new_group: ranks has duplicates");
  } else {
    for (int r = 0; r < world->size(); ++r) members.push_back(r);
  }
  return world->create_subgroup(members, timeout);
}

int get_group_rank(const GroupPtr& group, int global_rank) {
  return group ? group->group_rank(global_rank) : global_rank;
}
int get_global_rank(const GroupPtr& group, int group_rank) {
  return group ? group->global_rank(group_rank) : group_rank;
}
std::string get_backend() { return default_group()->backend(); }

}  // namespace ramp::distributed
