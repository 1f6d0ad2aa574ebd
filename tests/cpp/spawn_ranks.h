// Spawns ranks of a worker program for the multi-process tests (Distributed.*, DistributedDataParallel.*):
// `worker scenario rank world_size dir`, with OMP_NUM_THREADS=1; waits for them, and kills them all
// if they outlive the deadline, so a hang fails and never blocks.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ramp::test {

// Exit codes of the ranks (-1: killed at the deadline, or ended by a signal).
inline std::vector<int> spawn_ranks(const char* worker, const std::string& scenario, int ws,
                                    const std::filesystem::path& dir, double deadline_s) {
  ::setenv("OMP_NUM_THREADS", "1", 1);
  std::vector<pid_t> pids;
  for (int r = 0; r < ws; ++r) {
    std::vector<std::string> args{worker, scenario, std::to_string(r), std::to_string(ws), dir.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    EXPECT_EQ(::posix_spawn(&pid, worker, nullptr, nullptr, argv.data(), environ), 0);
    pids.push_back(pid);
  }
  std::vector<int> codes(std::size_t(ws), -1);
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(deadline_s);
  for (std::size_t i = 0; i < pids.size(); ++i) {
    int status = 0;
    while (::waitpid(pids[i], &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        for (pid_t p : pids) ::kill(p, SIGKILL);
        ::waitpid(pids[i], &status, 0);
        status = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    codes[i] = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return codes;
}

}  // namespace ramp::test
