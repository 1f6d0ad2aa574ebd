// Files for the readers and writers in src/io: every failure raises ramp::Error as
// "<what>: <path>: <problem>" (the OS's text for system errors: "No such file or directory").
#pragma once

#include <cstdint>
#include <string>

#include "ramp/error.h"

namespace ramp::io {

// Raises ramp::Error "<what>: <path>: <problem...>".
template <class... A>
[[noreturn]] void fail(const std::string& what, const std::string& path, const A&... problem) {
  throw Error(detail::cat(what, ": ", path, ": ", problem...));
}

// A regular file opened for reading; reads are positioned (pread) and exact.
class InFile {
 public:
  InFile(std::string what, std::string path);
  ~InFile();
  InFile(const InFile&) = delete;
  InFile& operator=(const InFile&) = delete;
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Reads exactly n bytes at `offset` (the callers check the size first; a short read still raises).
  void read(void* dst, std::uint64_t n, std::uint64_t offset) const;
  std::string read_all() const;
  template <class... A> [[noreturn]] void fail(const A&... problem) const { io::fail(what_, path_, problem...); }

 private:
  std::string what_, path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// A file created (or truncated) for writing; close() reports errors a buffered write hid.
class OutFile {
 public:
  OutFile(std::string what, std::string path);
  ~OutFile();
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  void write(const void* src, std::uint64_t n);
  void close();

 private:
  std::string what_, path_;
  int fd_ = -1;
};

// The OS's text for errno `e` ("No such file or directory").
std::string os_error(int e);

}  // namespace ramp::io
