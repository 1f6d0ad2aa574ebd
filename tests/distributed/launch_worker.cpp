// One rank started by ramp-run in the launcher's and new_group's tests (tests/cpp/test_launch.cpp,
// python/tests/test_launch.py):
//   ramp_launch_worker env           joins through env://, all_reduces its rank, prints its environment
//   ramp_launch_worker exit R CODE   rank R exits CODE at once; the others sleep 60 s
//   ramp_launch_worker sleep         prints "ready <rank> <pid>", sleeps 60 s
//   ramp_launch_worker new_group     (3 ranks) new_group's 1.13 semantics and Work::wait(timeout),
//                                    checked against exact answers
// Prints one line per rank; exit status 0 when every check passed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ramp/distributed.h"

namespace dist = ramp::distributed;
using ramp::Tensor;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAIL rank %s: %s\n", std::getenv("RANK"), what.c_str());
  }
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "<unset>";
}

template <class F> void expect_error(F&& fn, const std::string& text) {
  try {
    fn();
    expect(false, "no error, want: " + text);
  } catch (const std::exception& e) {
    expect(std::string(e.what()).find(text) != std::string::npos, std::string("error '") + e.what() + "' lacks: " + text);
  }
}

// 3 ranks: a group of global ranks {2, 0} (given unsorted: 1.13 sorts them) and one of all.
void new_group_checks() {
  const int me = dist::get_rank();
  expect(dist::get_world_size() == 3, "3 ranks");
  auto g = dist::new_group(std::vector<int>{2, 0}, std::chrono::seconds(20));
  const bool member = me != 1;
  expect(g && g->is_member() == member, "membership");
  expect(g->ranks() == std::vector<int>({0, 2}), "ranks sorted");
  // renumbered: global 0 -> 0, global 2 -> 1; -1 on the non-member
  expect(dist::get_rank(g) == (me == 0 ? 0 : me == 2 ? 1 : -1), "get_rank(group)");
  expect(dist::get_world_size(g) == (member ? 2 : -1), "get_world_size(group)");
  Tensor t = ramp::full({4}, double(me + 1));
  auto work = dist::all_reduce(t, dist::ReduceOp::SUM, /*async_op=*/true, g);
  if (member) {
    expect(work && work->wait(), "all_reduce on the group");
    expect(t.to_vector() == std::vector<double>(4, 1.0 + 3.0), "sum over ranks 0 and 2");
  } else {
    expect(!work && t.to_vector() == std::vector<double>(4, 2.0), "a non-member's all_reduce does nothing");
  }
  // src is a global rank: 2 is the group's rank 1
  Tensor b = ramp::full({3}, double(10 * me));
  dist::broadcast(b, /*src=*/2, false, g);
  expect(b.to_vector() == std::vector<double>(3, member ? 20.0 : 10.0), "broadcast from global rank 2");
  if (member) {
    expect_error([&] { dist::broadcast(b, 1, false, g); }, "Global rank 1 is not part of group");
    std::vector<Tensor> outs{ramp::zeros({2}), ramp::zeros({2})};
    dist::gather(ramp::full({2}, double(me)), me == 2 ? &outs : nullptr, /*dst=*/2, false, g);
    if (me == 2) expect(outs[0].to_vector() == std::vector<double>{0, 0} && outs[1].to_vector() == std::vector<double>{2, 2},
                        "gather to global rank 2 in group order");
    expect(dist::get_group_rank(g, 2) == 1 && dist::get_global_rank(g, 1) == 2, "rank translation");
  } else {
    expect_error([&] { g->all_reduce(t); }, "not a member of the group");
  }
  // the default group still works, and a group of everyone renumbers nothing
  auto all = dist::new_group();
  Tensor s = ramp::full({2}, double(me));
  dist::all_reduce(s, dist::ReduceOp::MAX, false, all);
  expect(s.to_vector() == std::vector<double>(2, 2.0) && dist::get_rank(all) == me, "new_group() = every rank");
  // 1.13's errors, raised before anything is sent (every rank raises, so none waits)
  expect_error([] { dist::new_group(std::vector<int>{0, 1, 2, 0}); },
               "the new group's world size should be less or equal to the world size set by init_process_group");
  expect_error([] { dist::new_group(std::vector<int>{0, 3}); },
               "The new group's rank should be within the the world_size set by init_process_group");
  expect_error([] { dist::new_group(std::vector<int>{0, 0}); }, "new_group: ranks has duplicates");
  expect_error([] { dist::new_group(std::vector<int>{0}, dist::kDefaultTimeout, "nccl"); },
               "Distributed package doesn't have NCCL built in");
  // Work::wait(timeout): rank 1 comes late; rank 0 gives up after 200 ms, then waits it out
  dist::barrier();
  if (me == 1) std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  Tensor late = ramp::ones({2});
  auto w = dist::all_reduce(late, dist::ReduceOp::SUM, /*async_op=*/true);
  if (me == 0) {
    auto start = std::chrono::steady_clock::now();
    expect_error([&] { w->wait(std::chrono::milliseconds(200)); }, "Operation timed out!");
    expect(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000), "wait(200 ms) returned late");
    expect(!w->is_completed(), "still running after the timed-out wait");
  }
  expect(w->wait() && late.to_vector() == std::vector<double>(2, 3.0), "the late all_reduce");
  dist::barrier();
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario = argc > 1 ? argv[1] : "";
  const int rank = std::atoi(env("RANK").c_str());
  if (scenario == "exit") {
    if (argc != 4) return 2;
    if (rank == std::atoi(argv[2])) _exit(std::atoi(argv[3]));
    std::this_thread::sleep_for(std::chrono::seconds(60));
    return 0;
  }
  if (scenario == "sleep") {
    std::printf("ready %d %d\n", rank, int(::getpid()));
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(60));
    return 0;
  }
  try {
    dist::init_process_group("gloo", "env://", -1, -1, std::chrono::seconds(20));
    if (scenario == "env") {
      Tensor t = ramp::full({3}, double(dist::get_rank()));
      dist::all_reduce(t);
      std::printf("{\"rank\": %d, \"world_size\": %d, \"sum\": %g, \"RANK\": \"%s\", \"LOCAL_RANK\": \"%s\", "
                  "\"WORLD_SIZE\": \"%s\", \"LOCAL_WORLD_SIZE\": \"%s\", \"GROUP_RANK\": \"%s\", \"MASTER_ADDR\": \"%s\", "
                  "\"MASTER_PORT\": \"%s\", \"OMP_NUM_THREADS\": \"%s\"}\n",
                  dist::get_rank(), dist::get_world_size(), t.to_vector()[0], env("RANK").c_str(), env("LOCAL_RANK").c_str(),
                  env("WORLD_SIZE").c_str(), env("LOCAL_WORLD_SIZE").c_str(), env("GROUP_RANK").c_str(),
                  env("MASTER_ADDR").c_str(), env("MASTER_PORT").c_str(), env("OMP_NUM_THREADS").c_str());
      std::fflush(stdout);
    } else if (scenario == "new_group") {
      new_group_checks();
      std::printf("new_group rank %d failures %d\n", dist::get_rank(), failures);
      std::fflush(stdout);
    } else {
      std::fprintf(stderr, "unknown scenario '%s'\n", scenario.c_str());
      return 2;
    }
    dist::destroy_process_group();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAIL rank %d: %s\n", rank, e.what());
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
