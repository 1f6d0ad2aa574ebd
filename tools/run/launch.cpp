// ramp-run: starts --nproc-per-node ranks of a program on this node with torchrun's environment
// (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, ...), watches them, and stops them all when one fails.
//
// Rendezvous is static, as torch.distributed.launch's: every node is told --nnodes, --node-rank and
// the master's address, so ranks are node_rank * nproc + local_rank with no exchange between the
// launchers; the ranks meet through env:// at MASTER_ADDR:MASTER_PORT, where rank 0's TCP store
// listens (docs/distributed.md). Each launcher watches only its own node's ranks: a rank dying on
// another node makes the ranks here fail in Gloo, and this launcher stops the rest.
//
// Watching is a poll (waitpid(pid, WNOHANG) every 5 ms) rather than a SIGCHLD wait, because the
// same code runs inside a Python process (python -m ramp.distributed.run) that may own other
// children and other threads; signals only set a flag the loop reads.
#include "launch.h"

#include <CLI/CLI.hpp>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

extern char** environ;

namespace ramp::run {
namespace {

volatile sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }

// The signals torchrun's agent turns into a shutdown (SignalException): forwarded to the ranks.
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

struct Options {
  std::string nproc = "1";
  std::string nnodes = "1";
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;  // torchrun's default
  bool standalone = false, module = false, no_python = false;
  std::string run_id = "none";
  int max_restarts = 0;
  double term_timeout = 30;  // torchrun's grace between SIGTERM and SIGKILL (PContext.close's 30 s)
};

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int parse_count(const std::string& s, const char* what) {
  try {
    std::size_t used = 0;
    long v = std::stol(s, &used);
    if (used == s.size() && v >= 1 && v <= 1 << 20) return int(v);
  } catch (const std::exception&) {
  }
  throw Usage(std::string(what) + " must be a positive integer, got '" + s + "'");
}

// --nproc-per-node: N, or torchrun's "cpu"/"auto" (no accelerators here: the CPU count)
int nproc_per_node(const std::string& s) {
  if (s == "cpu" || s == "auto") return int(std::max(1u, std::thread::hardware_concurrency()));
  if (s == "gpu") throw Usage("--nproc-per-node gpu: ramp runs on CPUs; give a number of processes");
  return parse_count(s, "--nproc-per-node");
}

// --nnodes: N or torchrun's MIN:MAX; elastic ranges (MIN < MAX) need a dynamic rendezvous ramp lacks.
int nnodes(const std::string& s) {
  auto colon = s.find(':');
  if (colon == std::string::npos) return parse_count(s, "--nnodes");
  int lo = parse_count(s.substr(0, colon), "--nnodes"), hi = parse_count(s.substr(colon + 1), "--nnodes");
  if (lo != hi) throw Usage("--nnodes " + s + ": elastic ranges are not supported (static rendezvous); give one number");
  return lo;
}

// A port nobody listens on now (the kernel's pick); rank 0's store binds it moments later.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  if (port < 0) throw std::runtime_error(std::string("--standalone: no free port: ") + ::strerror(errno));
  return port;
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

struct Rank {
  int rank = 0, local_rank = 0;
  pid_t pid = -1;
  bool running = false;
  int status = 0;  // waitpid's
};

// torchrun's wording: "exitcode: 3", or "exitcode: -9 (Signal 9 (SIGKILL) received by PID 123)"
std::string describe(const Rank& r) {
  if (WIFSIGNALED(r.status)) {
    int sig = WTERMSIG(r.status);
    return "exitcode: -" + std::to_string(sig) + " (Signal " + std::to_string(sig) + " (" + signal_name(sig) +
           ") received by PID " + std::to_string(r.pid) + ")";
  }
  return "exitcode: " + std::to_string(WEXITSTATUS(r.status));
}

bool failed(const Rank& r) { return !(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0); }

// The environment of one rank: this process's, with torchrun's variables set.
std::vector<std::string> rank_env(const std::map<std::string, std::string>& vars) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!vars.count(kv.substr(0, kv.find('=')))) env.push_back(std::move(kv));
  }
  for (const auto& [k, v] : vars) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env) {
  // The rank starts with default signal actions and an empty mask: a Python parent ignores SIGPIPE,
  // and an ignored signal would stay ignored across exec.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGXFSZ, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto a = c_strings(argv);
  auto e = c_strings(env);
  pid_t pid = -1;
  int err = ::posix_spawnp(&pid, a[0], nullptr, &attr, a.data(), e.data());
  posix_spawnattr_destroy(&attr);
  if (err != 0) throw std::runtime_error("cannot run '" + argv[0] + "': " + ::strerror(err));
  return pid;
}

// Restores the caller's signal actions on the way out (the Python entry runs inside an interpreter).
class SignalScope {
 public:
  SignalScope() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < std::size(kForwarded); ++i) ::sigaction(kForwarded[i], &sa, &old_[i]);
  }
  ~SignalScope() {
    for (std::size_t i = 0; i < std::size(kForwarded); ++i) ::sigaction(kForwarded[i], &old_[i], nullptr);
  }

 private:
  struct sigaction old_[std::size(kForwarded)] {};
};

class Ranks {
 public:
  explicit Ranks(double term_timeout_s)
      : grace_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(term_timeout_s))) {}

  void start(Rank r, std::vector<std::string> argv, std::vector<std::string> env) {
    r.pid = spawn(std::move(argv), std::move(env));
    r.running = true;
    ranks_.push_back(r);
  }

  // Waits until every rank exited. The first rank to fail (or a signal to this process) stops the
  // others: the signal (SIGTERM on a failure) now, SIGKILL after the grace period.
  void watch() {
    using clock = std::chrono::steady_clock;
    std::optional<clock::time_point> kill_at;
    while (running() > 0) {
      if (int sig = g_signal) {
        g_signal = 0;
        if (!got_signal_) got_signal_ = sig;
        send(sig);  // each signal is passed on (a second Ctrl-C too)
        if (!kill_at) kill_at = clock::now() + grace_;
      }
      for (auto& r : ranks_) {
        if (!r.running) continue;
        int status = 0;
        pid_t got = ::waitpid(r.pid, &status, WNOHANG);
        if (got == 0 || (got < 0 && errno == EINTR)) continue;
        r.running = false;
        r.status = got == r.pid ? status : (1 << 8);  // reaped elsewhere (ECHILD): a failure
        if (failed(r) && !kill_at) {
          first_failure_ = &r - ranks_.data();
          send(SIGTERM);
          kill_at = clock::now() + grace_;
        }
      }
      if (kill_at && clock::now() >= *kill_at) {
        send(SIGKILL);
        kill_at = clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // stderr report and exit status
  int report(const std::string& name) const {
    if (got_signal_) {
      std::cerr << name << ": got " << signal_name(got_signal_) << "; passed it to the ranks and stopped them\n";
      return 128 + got_signal_;
    }
    if (first_failure_ < 0) return 0;
    const Rank& root = ranks_[std::size_t(first_failure_)];
    std::cerr << name << ": rank " << root.rank << " (local_rank: " << root.local_rank << ", pid: " << root.pid
              << ") failed: " << describe(root) << "; stopped the other ranks\n";
    for (const auto& r : ranks_)
      if (&r != &root && failed(r) && !(WIFSIGNALED(r.status) && (WTERMSIG(r.status) == SIGTERM || WTERMSIG(r.status) == SIGKILL)))
        std::cerr << name << ":   also failed: rank " << r.rank << " (local_rank: " << r.local_rank << "), " << describe(r)
                  << "\n";
    return 1;
  }

  // Stops whatever started (a later rank could not be spawned).
  void abort() {
    send(SIGTERM);
    g_signal = 0;
    watch_for(grace_);
  }

 private:
  int running() const {
    int n = 0;
    for (const auto& r : ranks_) n += r.running;
    return n;
  }
  void send(int sig) {
    for (const auto& r : ranks_)
      if (r.running) ::kill(r.pid, sig);
  }
  void watch_for(std::chrono::steady_clock::duration limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (running() > 0) {
      for (auto& r : ranks_)
        if (r.running && ::waitpid(r.pid, &r.status, WNOHANG) != 0) r.running = false;
      if (std::chrono::steady_clock::now() >= end) {
        send(SIGKILL);
        end = std::chrono::steady_clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::chrono::steady_clock::duration grace_;
  std::vector<Rank> ranks_;
  std::ptrdiff_t first_failure_ = -1;
  int got_signal_ = 0;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

int launch(const std::vector<std::string>& args, const std::string& python) {
  const std::string name = args.empty() ? "ramp-run" : args[0];
  CLI::App app{"Starts --nproc-per-node ranks of a program on this node with torchrun's environment (RANK, "
               "LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, ...) for "
               "init_process_group(\"gloo\") on env://. A .py script (and -m module) runs under Python; "
               "anything else runs as it is. If one rank fails, the others are stopped. See docs/distributed.md.",
               name};
  app.prefix_command();  // the program and its arguments: everything from the first positional on
  app.footer("After the options: program-or-script args... (what every rank runs), e.g.\n  " + name +
             " --nproc-per-node 2 --standalone train.py --epochs 3");
  Options o;
  // torchrun spells its options with underscores; both spellings are accepted.
  app.add_option("--nproc-per-node,--nproc_per_node", o.nproc, "processes on this node: N, or cpu/auto")
      ->capture_default_str();
  app.add_option("--nnodes", o.nnodes, "nodes in the run (N, or N:N)")->capture_default_str();
  app.add_option("--node-rank,--node_rank", o.node_rank, "this node's rank, 0 .. nnodes-1")->capture_default_str();
  app.add_option("--master-addr,--master_addr", o.master_addr, "address of node 0, where rank 0's store listens")
      ->capture_default_str();
  app.add_option("--master-port,--master_port", o.master_port, "port of rank 0's store on node 0")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_flag("--standalone", o.standalone, "one node, on 127.0.0.1 and a free port");
  app.add_flag("-m,--module", o.module, "run the program as a Python module (python -m)");
  app.add_flag("--no-python,--no_python", o.no_python, "run the program as it is, even a .py file");
  app.add_option("--rdzv-id,--rdzv_id,--run-id,--run_id", o.run_id, "the run's id (TORCHELASTIC_RUN_ID)")
      ->capture_default_str();
  app.add_option("--max-restarts,--max_restarts", o.max_restarts, "restarts of failed ranks (0 only)")
      ->capture_default_str();
  app.add_option("--term-timeout", o.term_timeout, "seconds between SIGTERM and SIGKILL when stopping ranks")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  std::vector<std::string> rev(args.rbegin(), args.rend() - (args.empty() ? 0 : 1));
  try {
    app.parse(rev);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::vector<std::string> cmd = app.remaining();
  try {
    if (cmd.empty()) throw Usage("no program given (ramp-run [options] program-or-script args...)");
    if (cmd[0].size() > 1 && cmd[0][0] == '-') throw Usage("unknown option " + cmd[0] + " (see --help)");
    if (o.module && o.no_python) throw Usage("--no-python and -m cannot be used together");
    if (o.max_restarts != 0) throw Usage("--max-restarts: restarting failed ranks is not supported; use 0");
    int nproc = nproc_per_node(o.nproc);
    int nodes = nnodes(o.nnodes);
    if (o.standalone) {
      nodes = 1;
      o.node_rank = 0;
      o.master_addr = "127.0.0.1";
      o.master_port = free_port();
    }
    if (o.node_rank < 0 || o.node_rank >= nodes)
      throw Usage("--node-rank " + std::to_string(o.node_rank) + " is not in [0, " + std::to_string(nodes - 1) + "]");
    if (nproc > 1 && !std::getenv("OMP_NUM_THREADS")) {
      // torchrun's warning and default, word for word
      std::cerr << "*****************************************\n"
                   "Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your "
                   "system being overloaded, please further tune the variable for optimal performance in your "
                   "application as needed. \n"
                   "*****************************************\n";
    }
    std::vector<std::string> argv;
    if (o.module) {
      argv = {python, "-u", "-m"};
    } else if (!o.no_python && ends_with(cmd[0], ".py")) {
      argv = {python, "-u"};
    }
    argv.insert(argv.end(), cmd.begin(), cmd.end());

    const int world = nodes * nproc;
    std::map<std::string, std::string> common{
        {"WORLD_SIZE", std::to_string(world)},
        {"LOCAL_WORLD_SIZE", std::to_string(nproc)},
        {"GROUP_RANK", std::to_string(o.node_rank)},
        {"GROUP_WORLD_SIZE", std::to_string(nodes)},
        {"ROLE_NAME", "default"},
        {"ROLE_WORLD_SIZE", std::to_string(world)},
        {"MASTER_ADDR", o.master_addr},
        {"MASTER_PORT", std::to_string(o.master_port)},
        {"TORCHELASTIC_RUN_ID", o.run_id},
        {"TORCHELASTIC_RESTART_COUNT", "0"},
        {"TORCHELASTIC_MAX_RESTARTS", std::to_string(o.max_restarts)},
    };
    if (nproc > 1 && !std::getenv("OMP_NUM_THREADS")) common["OMP_NUM_THREADS"] = "1";

    SignalScope signals;
    Ranks ranks(o.term_timeout);
    for (int local = 0; local < nproc; ++local) {
      int rank = o.node_rank * nproc + local;
      auto vars = common;
      vars["RANK"] = vars["ROLE_RANK"] = std::to_string(rank);
      vars["LOCAL_RANK"] = std::to_string(local);
      try {
        ranks.start(Rank{rank, local}, argv, rank_env(vars));
      } catch (const std::exception&) {
        ranks.abort();
        throw;
      }
    }
    ranks.watch();
    return ranks.report(name);
  } catch (const Usage& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ramp::run
