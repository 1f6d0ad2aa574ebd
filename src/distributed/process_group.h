// What the ProcessGroup's files share: its state (Gloo context + the worker threads' queue) and the
// rendezvous that builds the store a group joins through.
#pragma once

#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>

#include <deque>
#include <thread>
#include <vector>

#include "ramp/distributed.h"

namespace ramp::distributed {

struct Task {
  std::string op;              // "all_reduce", for error messages
  WorkPtr work;
  std::function<void(std::uint32_t tag)> run;
  std::vector<Tensor> keep;    // alive until the op ran
  std::uint32_t tag = 0;       // Gloo's message tag: the op's place in the issue order
};

struct ProcessGroupState {
  std::unique_ptr<gloo::rendezvous::Store> store;  // the default group's: new_group's groups join through it
  std::string master_addr;                         // where the store is (picks the listening address)
  std::shared_ptr<gloo::rendezvous::Context> context;  // null on a non-member
  int rank = 0, size = 1;                          // -1, -1 on a non-member
  std::vector<int> ranks;                          // global ranks, by group rank
  int groups_created = 0;                          // the default group's count of new_group calls
  Timeout timeout{};
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Task> queue;
  std::uint32_t next_tag = 0;
  bool stop = false;
  std::string broken;  // the first failed op's error (the worker whose turn it is): later ops fail with it
  std::size_t turn = 0;  // the worker that takes the next op: they take turns, one op at a time
  std::vector<std::thread> workers;
};

// The store, rank and world size an init_method names (torch's rendezvous handlers: file://, tcp://,
// env://), with 1.13's errors for what is missing.
struct Rendezvous {
  std::unique_ptr<gloo::rendezvous::Store> store;
  int rank = -1, world_size = -1;
  std::string master_addr;  // tcp:// and env://: where rank 0 is (empty for file://)
};
Rendezvous rendezvous(const std::string& url, int rank, int world_size, Timeout timeout);

}  // namespace ramp::distributed
