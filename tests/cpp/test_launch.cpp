// ramp-run (tools/run/launch.cpp) starting ranks of ramp_launch_worker (tests/distributed/
// launch_worker.cpp) on 127.0.0.1 at a free port, and new_group's semantics on 3 ranks started that
// way. Every run has a deadline: past it the launcher is killed and the test fails.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct Result {
  int status = -1;  // waitpid's; -1: killed at the deadline
  std::string out, err;
  double seconds = 0;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// ramp-run ARGS..., its stdout and stderr in files, killed past `deadline_s`.
Result ramp_run(std::vector<std::string> args, double deadline_s = 60) {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() / ("ramp_launch_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  std::filesystem::create_directories(dir);
  args.insert(args.begin(), RAMP_RUN);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, (dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, RAMP_RUN, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  Result r;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() - start > std::chrono::duration<double>(deadline_s)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r.status = status;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  std::filesystem::remove_all(dir);
  return r;
}

int exit_code(const Result& r) { return r.status != -1 && WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1; }

TEST(Launch, TwoRanksGetTorchrunsEnvironmentAndAllReduce) {
  std::string port = std::to_string(free_port());
  ::unsetenv("OMP_NUM_THREADS");
  auto r = ramp_run({"--nproc_per_node=2", "--master-addr", "127.0.0.1", "--master_port", port, RAMP_LAUNCH_WORKER, "env"});
  ASSERT_EQ(exit_code(r), 0) << r.err;
  for (int rank = 0; rank < 2; ++rank) {
    std::string want = "{\"rank\": " + std::to_string(rank) + ", \"world_size\": 2, \"sum\": 1, \"RANK\": \"" +
                       std::to_string(rank) + "\", \"LOCAL_RANK\": \"" + std::to_string(rank) +
                       "\", \"WORLD_SIZE\": \"2\", \"LOCAL_WORLD_SIZE\": \"2\", \"GROUP_RANK\": \"0\", \"MASTER_ADDR\": "
                       "\"127.0.0.1\", \"MASTER_PORT\": \"" + port + "\", \"OMP_NUM_THREADS\": \"1\"}";
    EXPECT_NE(r.out.find(want), std::string::npos) << r.out;
  }
  EXPECT_NE(r.err.find("Setting OMP_NUM_THREADS environment variable for each process to be 1 in default"),
            std::string::npos);
}

TEST(Launch, FailedRankStopsTheOthers) {
  // rank 1 exits 3 at once; rank 0 would sleep 60 s
  auto r = ramp_run({"--nproc-per-node", "2", "--standalone", RAMP_LAUNCH_WORKER, "exit", "1", "3"});
  EXPECT_EQ(exit_code(r), 1) << r.err;
  EXPECT_LT(r.seconds, 10.0);
  EXPECT_NE(r.err.find("ramp-run: rank 1 (local_rank: 1, pid: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(") failed: exitcode: 3; stopped the other ranks"), std::string::npos) << r.err;
}

TEST(Launch, UsageErrors) {
  EXPECT_EQ(exit_code(ramp_run({"--nproc-per-node", "2"})), 2);
  auto r = ramp_run({"--nnodes", "2", "--node-rank", "2", RAMP_LAUNCH_WORKER, "env"});
  EXPECT_EQ(exit_code(r), 2);
  EXPECT_NE(r.err.find("--node-rank 2 is not in [0, 1]"), std::string::npos) << r.err;
  r = ramp_run({"--nproc-per-node", "1", "/nonexistent/program"});
  EXPECT_EQ(exit_code(r), 1);
  EXPECT_NE(r.err.find("cannot run '/nonexistent/program'"), std::string::npos) << r.err;
}

TEST(Launch, NewGroupThreeRanks) {
  auto r = ramp_run({"--nproc-per-node", "3", "--standalone", RAMP_LAUNCH_WORKER, "new_group"});
  EXPECT_EQ(exit_code(r), 0) << r.err;
  for (int rank = 0; rank < 3; ++rank)
    EXPECT_NE(r.out.find("new_group rank " + std::to_string(rank) + " failures 0"), std::string::npos) << r.out << r.err;
}

}  // namespace
