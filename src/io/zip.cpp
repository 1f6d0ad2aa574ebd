#include "zip.h"

#include <unzip.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace ramp::io {
namespace {
unzFile unz(void* p) { return static_cast<unzFile>(p); }
zipFile zf(void* p) { return static_cast<zipFile>(p); }
constexpr std::uint64_t kChunk = 1u << 30;  // minizip reads and writes at most an unsigned int at a time
}  // namespace

ZipReader::ZipReader(std::string what, std::string path) : what_(std::move(what)), path_(std::move(path)) {
  {
    const InFile file(what_, path_);  // the OS's reason for a missing or unreadable file
    file_size_ = file.size();
    // minizip accepts an archive whose end-of-central-directory record is cut off when a zip64
    // locator precedes it (torch writes both): a truncated file must not load, so look for the
    // record first, at the end of the file, after which only its comment may come.
    constexpr std::uint64_t kEocd = 22, kMaxComment = 65535;
    const std::uint64_t tail = std::min(file_size_, kEocd + kMaxComment);
    std::string t(std::size_t(tail), '\0');
    file.read(t.data(), tail, file_size_ - tail);
    bool found = false;
    for (std::size_t at = t.size() >= kEocd ? t.size() - kEocd + 1 : 0; at-- > 0 && !found;) {
      const auto comment = std::uint64_t(static_cast<unsigned char>(t[at + 20]) | static_cast<unsigned char>(t[at + 21]) << 8);
      found = t.compare(at, 4, "PK\x05\x06") == 0 && at + kEocd + comment == t.size();
    }
    if (!found) fail("not a zip archive, or a truncated one (no end-of-central-directory record at its end)");
  }
  zip_ = unzOpen64(path_.c_str());
  if (!zip_) fail("not a zip archive, or a damaged one (no valid central directory)");
  try {
    list_entries();
  } catch (...) {  // the destructor does not run when the constructor throws
    unzClose(unz(zip_));
    throw;
  }
}

void ZipReader::list_entries() {
  for (int err = unzGoToFirstFile(unz(zip_)); err != UNZ_END_OF_LIST_OF_FILE; err = unzGoToNextFile(unz(zip_))) {
    if (err != UNZ_OK) fail("damaged zip central directory (minizip error ", err, ")");
    char name[65536];
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(unz(zip_), &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK)
      fail("damaged zip central directory entry");
    name[std::min<std::uint64_t>(info.size_filename, sizeof name - 1)] = '\0';
    unz64_file_pos pos;
    if (unzGetFilePos64(unz(zip_), &pos) != UNZ_OK) fail("damaged zip central directory entry '", name, "'");
    if (positions_.emplace(name, std::make_pair(pos.pos_in_zip_directory, pos.num_of_file)).second)
      names_.emplace_back(name);
  }
}

ZipReader::~ZipReader() {
  if (zip_) unzClose(unz(zip_));
}

bool ZipReader::has(const std::string& name) const { return positions_.count(name) != 0; }

void ZipReader::locate(const std::string& name) {
  const auto it = positions_.find(name);
  if (it == positions_.end()) fail("the archive has no entry '", name, "'");
  unz64_file_pos pos{it->second.first, it->second.second};
  if (unzGoToFilePos64(unz(zip_), &pos) != UNZ_OK) fail("cannot find the zip entry '", name, "'");
}

std::uint64_t ZipReader::size(const std::string& name) {
  locate(name);
  unz_file_info64 info;
  if (unzGetCurrentFileInfo64(unz(zip_), &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK)
    fail("damaged zip entry '", name, "'");
  if (info.uncompressed_size > file_size_)
    fail("zip entry '", name, "' claims ", info.uncompressed_size, " bytes, more than the file's ", file_size_);
  return info.uncompressed_size;
}

void ZipReader::read(const std::string& name, void* dst, std::uint64_t n) {
  if (size(name) != n) fail("zip entry '", name, "' changed size");
  unz_file_info64 info;
  if (unzGetCurrentFileInfo64(unz(zip_), &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK ||
      unzOpenCurrentFile(unz(zip_)) != UNZ_OK)
    fail("cannot open the zip entry '", name, "' (damaged local header?)");
  if (info.compression_method == 0) {
    // Stored (as torch writes every entry): minizip copies byte by byte through a 16 KiB buffer, so
    // read the bytes where minizip found them, and check the CRC here.
    const std::uint64_t at = unzGetCurrentFileZStreamPos64(unz(zip_));
    unzCloseCurrentFile(unz(zip_));
    if (info.compressed_size != n || at > file_size_ || n > file_size_ - at)
      fail("zip entry '", name, "' is truncated or damaged (", n, " bytes at byte ", at, " of ", file_size_, ")");
    InFile(what_, path_).read(dst, n, at);
    std::uint64_t crc = ::crc32(0, nullptr, 0);
    for (std::uint64_t done = 0; done < n;) {
      const unsigned chunk = unsigned(std::min(n - done, kChunk));
      crc = ::crc32(crc, static_cast<const Bytef*>(dst) + done, chunk);
      done += chunk;
    }
    if (crc != info.crc) fail("zip entry '", name, "' fails its CRC-32 check (the file is damaged)");
    return;
  }
  auto* p = static_cast<char*>(dst);
  std::uint64_t left = n;
  while (left > 0) {
    const int got = unzReadCurrentFile(unz(zip_), p, unsigned(std::min(left, kChunk)));
    if (got <= 0) {
      unzCloseCurrentFile(unz(zip_));
      fail("zip entry '", name, "' is truncated or damaged (", got < 0 ? "read error" : "ends early", " after ",
           n - left, " of ", n, " bytes)");
    }
    p += got;
    left -= std::uint64_t(got);
  }
  char extra;
  const int more = unzReadCurrentFile(unz(zip_), &extra, 1);
  const int closed = unzCloseCurrentFile(unz(zip_));
  if (more != 0) fail("zip entry '", name, "' holds more than the ", n, " bytes its header says");
  if (closed == UNZ_CRCERROR) fail("zip entry '", name, "' fails its CRC-32 check (the file is damaged)");
  if (closed != UNZ_OK) fail("zip entry '", name, "' is damaged");
}

std::string ZipReader::read(const std::string& name) {
  std::string s(std::size_t(size(name)), '\0');
  read(name, s.data(), s.size());
  return s;
}

ZipWriter::ZipWriter(std::string what, std::string path) : what_(std::move(what)), path_(std::move(path)) {
  OutFile(what_, path_).close();  // the OS's reason when the file cannot be created
  zip_ = zipOpen64(path_.c_str(), APPEND_STATUS_CREATE);
  if (!zip_) fail(what_, path_, "cannot create the zip archive");
}

ZipWriter::~ZipWriter() {
  if (zip_) zipClose(zf(zip_), nullptr);
}

void ZipWriter::add(const std::string& name, const void* data, std::uint64_t n, std::uint64_t align) {
  // minizip writes a 30-byte local header, the name and the extra field, then the data (stored,
  // sizes patched into the header afterwards: no data descriptor), so we know where the data lands.
  constexpr std::uint64_t kLocalHeader = 30, kFieldHeader = 4;
  const bool zip64 = n >= 0xffffffffu;
  const std::uint64_t start = offset_ + kLocalHeader + name.size() + kFieldHeader + (zip64 ? 20 : 0);
  const std::uint64_t pad = (align - start % align) % align;
  std::string extra = "FB";
  extra += char(pad & 0xff);
  extra += char(pad >> 8);
  extra.append(std::size_t(pad), 'Z');
  zip_fileinfo info{};
  info.tmz_date.tm_year = 1980;  // torch's writer dates every entry 1980-01-01
  if (zipOpenNewFileInZip64(zf(zip_), name.c_str(), &info, extra.data(), unsigned(extra.size()), nullptr, 0, nullptr, 0,
                            0, zip64) != ZIP_OK)
    fail(what_, path_, "cannot add the zip entry '", name, "'");
  const auto* p = static_cast<const char*>(data);
  for (std::uint64_t left = n; left > 0;) {
    const unsigned chunk = unsigned(std::min(left, kChunk));
    if (zipWriteInFileInZip(zf(zip_), p, chunk) != ZIP_OK) fail(what_, path_, "write error (disk full?)");
    p += chunk;
    left -= chunk;
  }
  if (zipCloseFileInZip(zf(zip_)) != ZIP_OK) fail(what_, path_, "write error (disk full?)");
  offset_ = start + pad + n;
}

void ZipWriter::close() {
  void* z = zip_;
  zip_ = nullptr;
  if (z && zipClose(zf(z), nullptr) != ZIP_OK) fail(what_, path_, "write error (disk full?)");
}

}  // namespace ramp::io
