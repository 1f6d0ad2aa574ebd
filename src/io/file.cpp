#include "file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ramp::io {

std::string os_error(int e) { return std::strerror(e); }

InFile::InFile(std::string what, std::string path) : what_(std::move(what)), path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(os_error(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    ::close(fd_);
    fail(os_error(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fail(S_ISDIR(st.st_mode) ? os_error(EISDIR) : "not a regular file");
  }
  size_ = std::uint64_t(st.st_size);
}

InFile::~InFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InFile::read(void* dst, std::uint64_t n, std::uint64_t offset) const {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd_, p, std::size_t(std::min<std::uint64_t>(n, 1u << 30)), off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(os_error(errno));
    if (got == 0) fail("unexpected end of file at byte ", offset);
    p += got;
    n -= std::uint64_t(got);
    offset += std::uint64_t(got);
  }
}

std::string InFile::read_all() const {
  std::string s(std::size_t(size_), '\0');
  read(s.data(), size_, 0);
  return s;
}

OutFile::OutFile(std::string what, std::string path) : what_(std::move(what)), path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) fail(what_, path_, os_error(errno));
}

OutFile::~OutFile() {
  if (fd_ >= 0) ::close(fd_);
}

void OutFile::write(const void* src, std::uint64_t n) {
  const auto* p = static_cast<const char*>(src);
  while (n > 0) {
    const ssize_t put = ::write(fd_, p, std::size_t(std::min<std::uint64_t>(n, 1u << 30)));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) fail(what_, path_, os_error(errno));
    p += put;
    n -= std::uint64_t(put);
  }
}

void OutFile::close() {
  const int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0) fail(what_, path_, os_error(errno));
}

}  // namespace ramp::io
