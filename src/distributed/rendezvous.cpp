// init_method URLs -> a store, rank and world size: torch 1.13's rendezvous handlers
// (torch/distributed/rendezvous.py), their query handling and their error texts, in one place.
//   file:///path  -> Gloo's FileStore in the folder /path (one file per key; a fresh folder per run)
//   tcp://host:port, env:// -> TCPStore, hosted by rank 0
#include <gloo/rendezvous/file_store.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "process_group.h"
#include "tcp_store.h"

namespace ramp::distributed {
namespace {

ValueError rendezvous_error(const std::string& scheme, const std::string& msg) {
  return ValueError("Error initializing torch.distributed using " + scheme + ":// rendezvous: " + msg);
}

int to_int(const std::string& s, const std::string& what) {
  try {
    std::size_t used = 0;
    long v = std::stol(s, &used);
    if (used == s.size()) return int(v);
  } catch (const std::exception&) {
  }
  throw ValueError("invalid literal for int() with base 10: '" + s + "' (" + what + ")");
}

}  // namespace

Rendezvous rendezvous(const std::string& url, int rank, int world_size, Timeout timeout) {
  auto sep = url.find("://");
  std::string scheme = sep == std::string::npos ? url : url.substr(0, sep);
  std::string rest = sep == std::string::npos ? "" : url.substr(sep + 3);
  if (scheme != "file" && scheme != "tcp" && scheme != "env")
    throw Error("No rendezvous handler for " + scheme + "://");
  // "?rank=0&world_size=2" -> query; the arguments go into it as torch's _rendezvous_helper puts them
  std::map<std::string, std::string> query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    std::string qs = rest.substr(q + 1);
    rest.resize(q);
    for (std::size_t i = 0; i <= qs.size();) {
      std::size_t amp = std::min(qs.find('&', i), qs.size());
      std::string pair = qs.substr(i, amp - i);
      if (auto eq = pair.find('='); eq != std::string::npos) query[pair.substr(0, eq)] = pair.substr(eq + 1);
      i = amp + 1;
    }
  }
  if ((rank != -1 && query.count("rank")) || (world_size != -1 && query.count("world_size")))
    throw ValueError("The url: " + url + " has node-specific arguments(rank, world_size) already.");
  if (rank != -1) query["rank"] = std::to_string(rank);
  if (world_size != -1) query["world_size"] = std::to_string(world_size);

  Rendezvous r;
  auto env = [&](const char* var) -> std::string {
    const char* v = std::getenv(var);
    if (!v || !*v) throw rendezvous_error(scheme, std::string("environment variable ") + var + " expected, but not set");
    return v;
  };
  std::string host;
  int port = -1;
  if (scheme == "env") {
    r.rank = to_int(query.count("rank") ? query["rank"] : env("RANK"), "RANK");
    r.world_size = to_int(query.count("world_size") ? query["world_size"] : env("WORLD_SIZE"), "WORLD_SIZE");
    host = env("MASTER_ADDR");
    port = to_int(env("MASTER_PORT"), "MASTER_PORT");
  } else {
    if (scheme == "file" && rest.empty()) throw rendezvous_error(scheme, "path missing");
    if (scheme == "tcp") {
      // host:port, host may be [v6]
      auto colon = rest.rfind(':');
      if (colon == std::string::npos || colon + 1 == rest.size() || rest.back() == ']')
        throw rendezvous_error(scheme, "port number missing");
      host = rest.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      port = to_int(rest.substr(colon + 1), "port");
    }
    if (!query.count("rank")) throw rendezvous_error(scheme, "rank parameter missing");
    if (!query.count("world_size")) throw rendezvous_error(scheme, "world size parameter missing");
    r.rank = to_int(query["rank"], "rank");
    r.world_size = to_int(query["world_size"], "world_size");
  }
  RAMP_CHECK_T(ValueError, r.world_size > 0, "init_process_group: world_size must be positive, got ", r.world_size);
  RAMP_CHECK_T(ValueError, r.rank >= 0 && r.rank < r.world_size, "Invalid rank ", r.rank,
               ", rank should be in the interval [0, ", r.world_size - 1, "]");
  if (scheme == "file") {
    // Gloo's FileStore keeps one file per key in a folder; keys left by an earlier run would be read
    // as this run's, so like torch's file:// (a new file each time) each run needs a fresh path.
    std::filesystem::path dir(rest);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir))
      throw rendezvous_error(scheme, rest + " must be a folder (or not exist yet): Gloo's file store keeps one file "
                                            "per key in it");
    r.store = std::make_unique<gloo::rendezvous::FileStore>(rest);
  } else {
    RAMP_CHECK_T(ValueError, port >= 0 && port < 65536, "port must have value from 0 to 65535 but was ", port, ".");
    r.master_addr = host;
    r.store = std::make_unique<TCPStore>(host, port, r.rank == 0, timeout);
  }
  return r;
}

}  // namespace ramp::distributed
