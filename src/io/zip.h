// Zip archives through zlib's minizip (libminizip-dev): the container of torch's checkpoint format.
// Errors raise ramp::Error "<what>: <path>: <problem>".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "file.h"

namespace ramp::io {

// An archive opened for reading. Entries are read whole and checked (size, CRC-32); no entry may
// claim more bytes than the archive file holds, so a corrupt or hostile header cannot make us
// allocate more than the file's size.
class ZipReader {
 public:
  ZipReader(std::string what, std::string path);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;
  // Entry names in the archive's (central directory) order.
  const std::vector<std::string>& names() const { return names_; }
  bool has(const std::string& name) const;
  // The uncompressed size the archive records for `name` (checked against the file's size).
  std::uint64_t size(const std::string& name);
  // Reads the entry into dst, which holds size(name) bytes.
  void read(const std::string& name, void* dst, std::uint64_t n);
  std::string read(const std::string& name);
  template <class... A> [[noreturn]] void fail(const A&... problem) const { io::fail(what_, path_, problem...); }

 private:
  void list_entries();
  void locate(const std::string& name);
  std::string what_, path_;
  void* zip_ = nullptr;
  std::uint64_t file_size_ = 0;
  std::vector<std::string> names_;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> positions_;  // minizip's unz64_file_pos
};

// An archive written entry by entry, each stored (uncompressed) with its data starting at a multiple
// of `align` bytes from the archive's start (torch's writer pads the local header's extra field
// with an "FB" record so that storages can be memory-mapped; torch's reader expects nothing of it).
class ZipWriter {
 public:
  ZipWriter(std::string what, std::string path);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;
  void add(const std::string& name, const void* data, std::uint64_t n, std::uint64_t align = 64);
  void close();

 private:
  std::string what_, path_;
  void* zip_ = nullptr;
  std::uint64_t offset_ = 0;  // where the next local header starts
};

}  // namespace ramp::io
