// TCPStore: rank 0's key-value server and every rank's client (tcp_store.h says why it exists).
// Wire format, one request and one reply per message, lengths little-endian u32:
//   set: 'S' klen key vlen value  -> 1 byte (1)
//   get: 'G' klen key             -> found (0/1) vlen value
// `wait` polls `get` every few ms: rendezvous reads a handful of keys once, so a blocking protocol
// with watchers (PyTorch's) would be more code for no gain.
#include "tcp_store.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "ramp/error.h"

namespace ramp::distributed {
namespace {

using Clock = std::chrono::steady_clock;

// Whole-buffer send/recv; false when the peer closed or the socket failed (or timed out).
bool write_all(int fd, const void* data, std::size_t n) {
  auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= std::size_t(k);
  }
  return true;
}
bool read_all(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t k = ::recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= std::size_t(k);
  }
  return true;
}
bool write_blob(int fd, const char* data, std::size_t n) {
  std::uint32_t len = std::uint32_t(n);
  return write_all(fd, &len, 4) && write_all(fd, data, n);
}
bool read_blob(int fd, std::string& out) {
  std::uint32_t len = 0;
  if (!read_all(fd, &len, 4)) return false;
  out.resize(len);
  return read_all(fd, out.data(), len);
}

}  // namespace

// The server: one thread polling the listening socket and the clients; each request is served
// whole (clients send a request in one go and wait for the reply).
class TCPStoreServer {
 public:
  TCPStoreServer(int port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    RAMP_CHECK(listen_fd_ >= 0, "TCPStore: socket() failed: ", std::string(std::strerror(errno)));
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(std::uint16_t(port));
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0) {
      int err = errno;
      ::close(listen_fd_);
      // 1.13's text (c10d's TCPStore server)
      throw Error(detail::cat("The server socket has failed to listen on any local network address. The server "
                              "socket has failed to bind to 0.0.0.0:", port, " (errno: ", err, " - ",
                              std::string(std::strerror(err)), ")."));
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~TCPStoreServer() {
    stop_ = true;
    thread_.join();
    for (int fd : clients_) ::close(fd);
    ::close(listen_fd_);
  }

 private:
  void serve() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 100) <= 0) continue;  // 100 ms: how soon stop_ is seen
      if (fds[0].revents & POLLIN) {
        int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) clients_.push_back(c);
      }
      for (std::size_t i = 1; i < fds.size(); ++i)
        if (fds[i].revents && !handle(fds[i].fd)) {
          ::close(fds[i].fd);
          std::erase(clients_, fds[i].fd);
        }
    }
  }
  bool handle(int fd) {
    char op = 0;
    std::string key, value;
    if (!read_all(fd, &op, 1) || !read_blob(fd, key)) return false;
    if (op == 'S') {
      if (!read_blob(fd, value)) return false;
      data_[key] = std::move(value);
      char ok = 1;
      return write_all(fd, &ok, 1);
    }
    if (op != 'G') return false;
    auto it = data_.find(key);
    char found = it != data_.end();
    return write_all(fd, &found, 1) && (found ? write_blob(fd, it->second.data(), it->second.size())
                                              : write_blob(fd, nullptr, 0));
  }

  int listen_fd_ = -1;
  std::vector<int> clients_;
  std::map<std::string, std::string> data_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TCPStore::TCPStore(const std::string& host, int port, bool is_server, std::chrono::milliseconds timeout)
    : where_(detail::cat(host, ":", port)), timeout_(timeout) {
  RAMP_CHECK_T(ValueError, port >= 0 && port < 65536, "port must have value from 0 to 65535 but was ", port, ".");
  if (is_server) server_ = std::make_unique<TCPStoreServer>(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  RAMP_CHECK(rc == 0, "TCPStore: cannot resolve ", host, ": ", ::gai_strerror(rc));
  // Retry until the deadline: rank 0 may not be listening yet.
  auto deadline = Clock::now() + timeout;
  while (fd_ < 0) {
    for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) fd_ = fd;
      else ::close(fd);
    }
    if (fd_ >= 0) break;
    if (Clock::now() > deadline) {
      ::freeaddrinfo(found);
      throw Error(detail::cat("TCPStore: could not connect to the store at ", where_, " within ", timeout.count(),
                              " ms (is rank 0 running, and is the address right?)"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::freeaddrinfo(found);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A reply that never comes (a stuck server) fails the read at the timeout instead of hanging.
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

TCPStore::~TCPStore() {
  if (fd_ >= 0) ::close(fd_);
}

void TCPStore::set(const std::string& key, const std::vector<char>& data) {
  std::lock_guard lock(mu_);
  char op = 'S', ok = 0;
  bool sent = write_all(fd_, &op, 1) && write_blob(fd_, key.data(), key.size()) &&
              write_blob(fd_, data.data(), data.size()) && read_all(fd_, &ok, 1);
  RAMP_CHECK(sent && ok == 1, "TCPStore: set('", key, "') failed: the store at ", where_, " is gone");
}

bool TCPStore::lookup(const std::string& key, std::vector<char>* value) {
  std::lock_guard lock(mu_);
  char op = 'G', found = 0;
  std::string v;
  bool ok = write_all(fd_, &op, 1) && write_blob(fd_, key.data(), key.size()) && read_all(fd_, &found, 1) &&
            read_blob(fd_, v);
  RAMP_CHECK(ok, "TCPStore: get('", key, "') failed: the store at ", where_, " is gone");
  if (found && value) value->assign(v.begin(), v.end());
  return found;
}

void TCPStore::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  auto deadline = Clock::now() + timeout;
  for (const auto& key : keys)
    while (!lookup(key, nullptr)) {
      if (Clock::now() > deadline)
        throw Error(detail::cat("Socket Timeout: TCPStore at ", where_, " waited ", timeout.count(),
                                " ms for key '", key, "' (did every rank start?)"));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::vector<char> TCPStore::get(const std::string& key) {
  wait({key}, timeout_);
  std::vector<char> value;
  lookup(key, &value);
  return value;
}

}  // namespace ramp::distributed
