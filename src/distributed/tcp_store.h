// The key-value store behind env:// and tcp:// rendezvous: Gloo ships file, hash, prefix and Redis
// stores but no TCP one, so rank 0 hosts a tiny server (as PyTorch's TCPStore does) and every rank,
// rank 0 included, is a client of it. Only what Gloo's rendezvous needs: set, get, wait.
#pragma once

#include <gloo/rendezvous/store.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ramp::distributed {

class TCPStoreServer;

class TCPStore : public gloo::rendezvous::Store {
 public:
  // is_server: also host the server on `port` (all interfaces). Connecting retries until `timeout`,
  // so ranks may start in any order.
  TCPStore(const std::string& host, int port, bool is_server, std::chrono::milliseconds timeout);
  ~TCPStore() override;

  void set(const std::string& key, const std::vector<char>& data) override;
  // Waits for the key (up to the store's timeout) like Gloo's FileStore::get.
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override { wait(keys, timeout_); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  // One request, one reply over the open connection; false from `lookup` if the key is absent.
  bool lookup(const std::string& key, std::vector<char>* value);
  std::unique_ptr<TCPStoreServer> server_;
  std::string where_;  // "host:port" for messages
  std::chrono::milliseconds timeout_;
  std::mutex mu_;  // one request at a time on fd_
  int fd_ = -1;
};

}  // namespace ramp::distributed
